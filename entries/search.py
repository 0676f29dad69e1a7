"""Search over published entries: titles, summaries, source names and tags.

Both editions are searched, whatever the reader's language: the Chinese
original (``title``, ``summary``) and the English edition (``title_en``,
``summary_en``), so /en/ finds English text wherever an editor wrote it, and
the original's English terms (RISC-V, YOLOX) as before.

Matching is a case-insensitive substring match, which finds Chinese terms
without a word segmenter and English terms such as "RISC-V" or "int8" with
their punctuation. Every term must match.

What is matched is one narrow table, ``EntrySearch`` (see entries/models.py):
per entry, its titles, summaries, source name and tag names, lower-cased, one
per line (``text``), its titles alone (``titles``), and the issue, section and
position results are ordered by. ``Entry.save()`` writes the row, and
entries/signals.py rewrites it when tags change or a source or tag is renamed;
bulk writes call ``refresh_search_text()``. Each term is then one substring
test of one column, with the term lower-cased.

A term of two characters (量化, 芯片, AI) holds no complete trigram. On
PostgreSQL it is looked up in a second GIN index, of each text's distinct
pairs of adjacent characters (``briefing_bigrams(text)``, migration
``entries/0012_entry_search_bigrams``): a text contains such a term exactly
when its pairs do, so the rows are found without reading any text, even for
量化, which matches a third of the archive (10 ms → 2.6 ms of the 25,000-entry
benchmark's query). A term of three or more characters is a ``LIKE``, which
the pg_trgm GIN index on ``text`` (migration ``entries/0009_entry_search``)
serves when few rows match. A one-character term is matched with
``strpos()`` over every row; that is why the rows are narrow and hold
nothing else (a scan of ``entries_entry`` spent most of its time stepping
over the wide columns in front of its search column). On SQLite every term is ``INSTR()``; the embedded database holds one
editorial team's archive, a few thousand entries.

Results: entries whose title (either edition) holds every term come first,
then the rest; within each group, newer issues before older, then reading
order. A page of results costs one query for its entries' ids and the total
(a window count, so the matches are found once, not once to count and once
to order), joining ``issues_issue`` only for publication and the date; then
the entries themselves are read by id.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Lookup, Q, QuerySet, Value, When, Window
from django.utils.functional import cached_property

from .models import Entry, EntrySearch

#: A query is cut to this many terms, each to this many characters.
MAX_TERMS = 8
MAX_TERM_LENGTH = 100
#: pg_trgm indexes strings of three characters; a shorter term has no trigram to look up.
TRIGRAM = 3
#: A two-character term is looked up in the index of each text's character pairs (migration 0012).
BIGRAM = 2


class LoweredContains(Lookup):
    """``lhs``, lower-case text, contains the term lower-cased.

    A ``LIKE '%term%'`` where pg_trgm's index can serve it (PostgreSQL, a term
    of three or more characters, ``indexed``); otherwise a plain substring
    search: ``strpos()`` on PostgreSQL, ``INSTR()`` on SQLite, neither with
    ``LIKE``'s wildcard handling and escaping. Django's ``icontains`` would
    compare ``UPPER(column)``, an ``upper()`` of every value read; the column
    is lower-case already.
    """

    lookup_name = "briefing_lowered_contains"
    prepare_rhs = False
    #: Whether the column has a trigram index a ``LIKE`` should be offered to.
    indexed = True

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        term = self.rhs.lower()
        if connection.vendor == "postgresql" and self.indexed and len(term) >= TRIGRAM:
            pattern = f"%{connection.ops.prep_for_like_query(term)}%"
            return f"{lhs} LIKE %s ESCAPE '\\'", [*lhs_params, pattern]
        if connection.vendor == "postgresql" and self.indexed and len(term) == BIGRAM:
            # Exact, not a pre-filter: the text holds the term when its pairs do.
            return f"briefing_bigrams({lhs}) @> ARRAY[%s]::text[]", [*lhs_params, term]
        function = "strpos" if connection.vendor == "postgresql" else "INSTR"
        return f"{function}({lhs}, %s) > 0", [*lhs_params, term]


class LoweredContainsUnindexed(LoweredContains):
    """As :class:`LoweredContains`, on a column with no index: always a plain substring search."""

    lookup_name = "briefing_lowered_contains_unindexed"
    indexed = False


def parse_terms(query: str) -> list[str]:
    """The distinct whitespace-separated terms of ``query``, in order, within the limits."""
    terms: list[str] = []
    for raw in (query or "").split():
        term = raw[:MAX_TERM_LENGTH]
        if term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def term_condition(term: str) -> Q:
    """The condition an ``EntrySearch`` row meets when ``term`` is in the entry's title, summary
    (either edition), source name or a tag."""
    return Q(LoweredContains(F("text"), term))


def search_matches(query: str) -> QuerySet[EntrySearch]:
    """The search rows of published entries matching every term of ``query``, best matches first.

    An empty query finds nothing rather than everything.
    """
    terms = parse_terms(query)
    if not terms:
        return EntrySearch.objects.none()
    rows = EntrySearch.objects.published()
    in_title = Q()
    for term in terms:
        rows = rows.filter(term_condition(term))
        # Only matching rows are ranked: a plain substring test, no index.
        in_title &= Q(LoweredContainsUnindexed(F("titles"), term))
    return rows.annotate(
        title_match=Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("title_match", "-issue__date", "section", "position", "entry_id")


def search_entries(query: str) -> QuerySet[Entry]:
    """Published entries matching every term of ``query``, in no particular order (see :func:`search_matches`)."""
    return Entry.objects.published().filter(pk__in=search_matches(query).values("entry_id"))


class CountedPaginator(Paginator):
    """A paginator told its count, which it would otherwise ask the database for."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _page_ids(rows: QuerySet, id_field: str, number: int, per_page: int) -> tuple[list[int], int | None]:
    """The ids on page ``number`` and the number of all rows (None when the page is empty)."""
    bottom = (number - 1) * per_page
    found = list(rows.annotate(total=Window(Count("pk"))).values_list(id_field, "total")[bottom:bottom + per_page])
    return [pk for pk, _total in found], (found[0][1] if found else None)


def page_of_ids(rows: QuerySet, number: str | int | None, per_page: int, id_field: str = "pk") -> tuple[list[int], Page]:
    """The ids (``id_field`` of ``rows``, an ordered queryset) on page ``number``, and that page.

    Like ``Paginator.get_page()``: a page number that is not a number gives
    the first page, one out of range the last. The total comes with the ids
    of the page, from the same query (a window count), so the rows are found
    once, not once to count and again to order; only an out-of-range page
    number costs a separate count. The page's ``object_list`` is empty: the
    caller reads what it shows by id.
    """
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        number = 1
    ids, total = _page_ids(rows, id_field, number, per_page) if number >= 1 else ([], None)
    if total is None:
        total = rows.count() if number != 1 else 0
        last = max(1, -(-total // per_page))
        if number != last:
            number = last
            ids, _total = _page_ids(rows, id_field, number, per_page) if total else ([], None)
    return ids, Page([], number, CountedPaginator(rows, per_page, total))


def search_page(query: str, number: str | int | None, per_page: int) -> tuple[list[int], Page]:
    """The ids of the entries on page ``number`` of the results for ``query``, and that page (its total with it)."""
    return page_of_ids(search_matches(query), number, per_page, id_field="entry_id")
