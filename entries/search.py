"""Search over published entries: titles, summaries, source names and tags.

Both editions are searched, whatever the reader's language: the Chinese
original (``title``, ``summary``) and the English edition (``title_en``,
``summary_en``), so /en/ finds English text wherever an editor wrote it, and
the original's English terms (RISC-V, YOLOX) as before.

Matching is a case-insensitive substring match, which finds Chinese terms
without a word segmenter and English terms such as "RISC-V" or "int8" with
their punctuation. Every term must match.

What is matched is one column, ``Entry.search_text``: the entry's titles,
summaries, source name and tag names, lower-cased, one per line (see
``entries.models.search_text_of``). ``Entry.save()`` writes it, and
entries/signals.py rewrites it when tags change or a source or tag is renamed;
bulk writes call ``refresh_search_text()``. Each term is then one ``LIKE`` on
one column, with the term lower-cased, instead of a match on four columns and
subqueries over sources and tags.

On PostgreSQL the migration ``entries/0007_search_text`` creates a pg_trgm GIN
index on that column, which serves ``LIKE``, so terms of three or more
characters are answered from it. A trigram index cannot serve a shorter term
(a two-character term such as 量化 or 芯片 holds no complete trigram): such a
term is a scan of the published entries' search text: one column, one
``LIKE`` per entry. On SQLite every term is such a scan, with ``INSTR()``;
the embedded database holds one editorial team's archive, a few thousand
entries.

Results: entries whose title (either edition) holds every term come first,
then the rest; within each group, newer issues before older, then reading
order. A page of results costs one query for its entries' ids and the total
(a window count, so the matches are found once, not once to count and once
to order), then one for those entries and one for their tags.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Lookup, Q, QuerySet, Value, When, Window
from django.utils.functional import cached_property

from .models import Entry

#: A query is cut to this many terms, each to this many characters.
MAX_TERMS = 8
MAX_TERM_LENGTH = 100


class Contains(Lookup):
    """``lhs`` contains the term: ``LIKE '%term%'``, or ``ILIKE`` when the term has letter case.

    Django's ``icontains`` compares ``UPPER(column)`` on PostgreSQL, which costs
    an ``upper()`` of every value compared. A Chinese term has no case, so a
    plain ``LIKE`` finds exactly the same rows. SQLite's ``LIKE`` already
    ignores ASCII case. Used for titles, to rank title matches first.
    """

    lookup_name = "briefing_contains"
    prepare_rhs = False
    #: The column holds lower-case text and the term is lower-cased: plain ``LIKE`` whatever the term.
    lowered = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        term = self.rhs.lower() if self.lowered else self.rhs
        pattern = f"%{connection.ops.prep_for_like_query(term)}%"
        operator = "LIKE"
        if connection.vendor == "postgresql" and not self.lowered and term.lower() != term.upper():
            operator = "ILIKE"
        return f"{lhs} {operator} %s ESCAPE '\\'", [*lhs_params, pattern]


class LoweredContains(Contains):
    """``lhs``, lower-case text, contains the term lower-cased: a plain ``LIKE``, which pg_trgm's index serves."""

    lookup_name = "briefing_lowered_contains"
    lowered = True

    def as_sql(self, compiler, connection):
        if connection.vendor != "sqlite":
            return super().as_sql(compiler, connection)
        # SQLite has no index to serve either; INSTR() finds a substring
        # without LIKE's per-character case folding and wildcard handling,
        # and needs no escaping. Both sides are lower-case already.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"INSTR({lhs}, %s) > 0", [*lhs_params, self.rhs.lower()]


def contains(field: str, term: str) -> Q:
    """``field`` contains ``term``, ignoring case."""
    return Q(Contains(F(field), term))


def parse_terms(query: str) -> list[str]:
    """The distinct whitespace-separated terms of ``query``, in order, within the limits."""
    terms: list[str] = []
    for raw in (query or "").split():
        term = raw[:MAX_TERM_LENGTH]
        if term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def term_condition(term: str) -> Q:
    """The condition an entry meets when ``term`` is in its title, summary (either edition), source name or a tag."""
    return Q(LoweredContains(F("search_text"), term))


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


class CountedPaginator(Paginator):
    """A paginator told its count, which it would otherwise ask the database for."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _page_ids(entries: QuerySet[Entry], number: int, per_page: int) -> tuple[list[int], int | None]:
    """The ids on page ``number`` and the number of all matches (None when the page is empty)."""
    bottom = (number - 1) * per_page
    rows = list(entries.annotate(total=Window(Count("pk"))).values_list("pk", "total")[bottom:bottom + per_page])
    return [pk for pk, _total in rows], (rows[0][1] if rows else None)


def search_page(query: str, number: str | int | None, per_page: int) -> Page:
    """Page ``number`` of the results for ``query``, its entries with issue, source and tags.

    Like ``Paginator.get_page()``: a page number that is not a number gives the
    first page, one out of range the last. The total comes with the ids of
    the page, from the same query; the entries are then read by id. Only an
    out-of-range page number costs a separate count.
    """
    entries = search_entries(query)
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        number = 1
    ids, total = _page_ids(entries, number, per_page) if number >= 1 else ([], None)
    if total is None:
        total = entries.count() if number != 1 else 0
        last = max(1, -(-total // per_page))
        if number != last:
            number = last
            ids, _total = _page_ids(entries, number, per_page) if total else ([], None)
    # The ids come from published entries only; published() again keeps an
    # entry whose issue was withdrawn a moment ago off the page.
    found = (
        Entry.objects.published().select_related("issue", "source").prefetch_related("tags")
        .defer("search_text").in_bulk(ids)
        if ids else {}
    )
    return Page([found[pk] for pk in ids if pk in found], number, CountedPaginator(entries, per_page, total))
