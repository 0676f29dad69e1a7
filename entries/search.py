"""Search over published entries: titles, summaries, source names and tags.

Both editions are searched, whatever the reader's language: the Chinese
original (``title``, ``summary``) and the English edition (``title_en``,
``summary_en``), so /en/ finds English text wherever an editor wrote it, and
the original's English terms (RISC-V, YOLOX) as before.

Matching is a case-insensitive substring match (``LIKE``/``ILIKE``), which finds
Chinese terms without a word segmenter and English terms such as "RISC-V"
or "int8" with their punctuation.

On PostgreSQL the migration ``entries/0002_search_index`` creates pg_trgm GIN
indexes on the searched columns, which serve ``LIKE`` and ``ILIKE``, so terms
of three or more characters are answered from those indexes: each field is matched in its own subquery that the planner serves
with a bitmap index scan. A trigram index cannot serve a shorter term (a
two-character term such as 量化 or 芯片 holds no complete trigram), so such
terms are matched directly on the joined rows: a plain scan of the published
entries, which still finds them. On SQLite every term is such a scan; the
embedded database holds one editorial team's archive, a few thousand entries.

Results: entries whose title holds every term come first, then the rest;
within each group, newer issues before older, then reading order.
"""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Lookup, Q, QuerySet, Value, When

from .models import Entry, Source, Tag, TaggedEntry

#: Shortest term a trigram index can answer.
TRIGRAM_LENGTH = 3
#: A query is cut to this many terms, each to this many characters.
MAX_TERMS = 8
MAX_TERM_LENGTH = 100


class Contains(Lookup):
    """``lhs`` contains the term: ``LIKE '%term%'``, or ``ILIKE`` when the term has letter case.

    Django's ``icontains`` compares ``UPPER(column)`` on PostgreSQL, which costs
    an ``upper()`` of every summary scanned and needs indexes on that
    expression. A Chinese term has no case, so a plain ``LIKE`` finds exactly
    the same rows, and pg_trgm's GIN index on the bare column serves both
    ``LIKE`` and ``ILIKE``. SQLite's ``LIKE`` already ignores ASCII case.
    """

    lookup_name = "briefing_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        term = self.rhs
        pattern = f"%{connection.ops.prep_for_like_query(term)}%"
        operator = "LIKE"
        if connection.vendor == "postgresql" and term.lower() != term.upper():
            operator = "ILIKE"
        return f"{lhs} {operator} %s ESCAPE '\\'", [*lhs_params, pattern]


def contains(field: str, term: str) -> Q:
    return Q(Contains(F(field), term))


def parse_terms(query: str) -> list[str]:
    """The distinct whitespace-separated terms of ``query``, in order, within the limits."""
    terms: list[str] = []
    for raw in (query or "").split():
        term = raw[:MAX_TERM_LENGTH]
        if term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def _indexed_condition(term: str) -> Q:
    # Each field in its own subquery, so each can use its trigram index.
    return (
        Q(pk__in=Entry.objects.filter(contains("title", term)).values("pk"))
        | Q(pk__in=Entry.objects.filter(contains("summary", term)).values("pk"))
        | Q(pk__in=Entry.objects.filter(contains("title_en", term)).values("pk"))
        | Q(pk__in=Entry.objects.filter(contains("summary_en", term)).values("pk"))
        | _in_source_or_tag(term)
    )


def _in_source_or_tag(term: str) -> Q:
    # Sources and tags are few: find the matching ones once, in uncorrelated
    # subqueries, rather than testing every entry's source and tags in turn.
    return Q(source__in=Source.objects.filter(contains("name", term)).values("pk")) | Q(
        pk__in=TaggedEntry.objects.filter(
            tag__in=Tag.objects.filter(contains("name", term)).values("pk")
        ).values("content_object_id")
    )


def _scan_condition(term: str) -> Q:
    return (
        contains("title", term)
        | contains("summary", term)
        | contains("title_en", term)
        | contains("summary_en", term)
        | _in_source_or_tag(term)
    )


def term_condition(term: str) -> Q:
    """The condition an entry meets when ``term`` is in its title, summary (either edition), source name or a tag."""
    if len(term) >= TRIGRAM_LENGTH:
        return _indexed_condition(term)
    return _scan_condition(term)


def search_entries(query: str) -> QuerySet[Entry]:
    """Published entries matching every term of ``query``, best matches first.

    An empty query finds nothing rather than everything.
    """
    terms = parse_terms(query)
    if not terms:
        return Entry.objects.none()
    entries = Entry.objects.published()
    in_title = Q()
    for term in terms:
        entries = entries.filter(term_condition(term))
        in_title &= contains("title", term) | contains("title_en", term)
    return entries.annotate(
        title_match=Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("title_match", "-issue__date", "section", "position", "pk")
