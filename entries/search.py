"""Search over published entries: titles, summaries, source names and tags.

Both editions are searched, whatever the reader's language: the Chinese
original and the English edition, so /en/ finds English text wherever an
editor wrote it, and the original's English terms (RISC-V, YOLOX) as before.

Matching is a case-insensitive substring match, which finds Chinese terms
without a word segmenter and English terms such as "RISC-V" or "int8" with
their punctuation. Every term must match. What is matched is one column,
``Entry.search_text``: titles and summaries (both editions), source name and
tag names, lower-cased, one a line, written by ``Entry.save()`` and again when
tags change or a source or tag is renamed (entries/signals.py).

On PostgreSQL a term of three or more characters is a ``LIKE`` served by the
pg_trgm GIN index on that column; a term of two characters (量化, 芯片, AI)
holds no trigram and is looked up in a second GIN index, of each text's pairs
of adjacent characters (``briefing_bigrams()``): a text contains such a term
exactly when its pairs do. A one-character term is a ``strpos()``. On SQLite
every term is ``INSTR()``. See docs/search.md.

Results: entries whose title (either edition) holds every term come first,
then the rest; within each group, newer issues before older, then reading
order. A page of results is one query: its entries, with only what keys their
cached cards, and the total (a window count).
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Lookup, Q, QuerySet, Value, When, Window
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from .models import Entry

#: A query is cut to this many terms, each to this many characters.
MAX_TERMS = 8
MAX_TERM_LENGTH = 100
#: pg_trgm indexes strings of three characters; a shorter term has no trigram to look up.
TRIGRAM = 3
#: A two-character term is looked up in the index of each text's character pairs (``briefing_bigrams()``).
BIGRAM = 2


class LoweredContains(Lookup):
    """``lhs``, lower-case text, contains the term lower-cased.

    A ``LIKE '%term%'`` where pg_trgm's index can serve it (PostgreSQL, a term
    of three or more characters), the pairs index for a term of two; otherwise a plain substring
    search: ``strpos()`` on PostgreSQL, ``INSTR()`` on SQLite, neither with
    ``LIKE``'s wildcard handling and escaping. Django's ``icontains`` would
    compare ``UPPER(column)``, an ``upper()`` of every value read; the column
    is lower-case already.
    """

    lookup_name = "briefing_lowered_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        term = self.rhs.lower()
        if connection.vendor == "postgresql" and len(term) >= TRIGRAM:
            pattern = f"%{connection.ops.prep_for_like_query(term)}%"
            return f"{lhs} LIKE %s ESCAPE '\\'", [*lhs_params, pattern]
        if connection.vendor == "postgresql" and len(term) == BIGRAM:
            # Exact, not a pre-filter: the text holds the term when its pairs do.
            return f"briefing_bigrams({lhs}) @> ARRAY[%s]::text[]", [*lhs_params, term]
        function = "strpos" if connection.vendor == "postgresql" else "INSTR"
        return f"{function}({lhs}, %s) > 0", [*lhs_params, term]


class Holds(Lookup):
    """``lhs`` holds the term as a substring: ``strpos()`` on PostgreSQL, ``INSTR()`` on SQLite.

    For ranking rows already found, where no index helps: PostgreSQL's
    ``LIKE '%term%'`` costs more per row, and there are no wildcards to escape.
    """

    lookup_name = "briefing_holds"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        function = "strpos" if connection.vendor == "postgresql" else "INSTR"
        return f"{function}({lhs}, {rhs}) > 0", [*lhs_params, *rhs_params]


def parse_terms(query: str) -> list[str]:
    """The distinct whitespace-separated terms of ``query``, in order, within the limits."""
    terms: list[str] = []
    # NUL is no character any text holds, and PostgreSQL refuses it in a query.
    for raw in (query or "").replace("\x00", " ").split():
        term = raw[:MAX_TERM_LENGTH]
        if term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def in_title_condition(term: str) -> Q:
    """Either edition's title holds ``term``, ignoring case.

    A term with no letters that have case (量化, 芯片, 2020) is compared as
    it is: every match is ranked, and a case conversion of each Chinese title
    made up a third of the database's time for such a search. Any other term
    is compared lower-cased on both sides, in the database.
    """
    if term.lower() == term.upper():
        return Q(Holds(F("title"), term)) | Q(Holds(F("title_en"), term))
    lowered = Lower(Value(term))
    return Q(Holds(Lower("title"), lowered)) | Q(Holds(Lower("title_en"), lowered))


def search_matches(query: str) -> QuerySet[Entry]:
    """Published entries matching every term of ``query``, best matches first.

    An empty query finds nothing rather than everything.
    """
    terms = parse_terms(query)
    if not terms:
        return Entry.objects.none()
    entries = Entry.objects.published()
    in_title = Q()
    for term in terms:
        entries = entries.filter(LoweredContains(F("search_text"), term))
        # Only matching rows are ranked.
        in_title &= in_title_condition(term)
    return entries.annotate(
        title_match=Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("title_match", "-issue__date", "section", "position", "pk")


class CountedPaginator(Paginator):
    """A paginator told its count, which it would otherwise ask the database for."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


#: Page numbers past this are the last page: a number the database cannot hold is no error.
MAX_PAGE = 10_000


def _page(rows: QuerySet[Entry], number: int, per_page: int) -> tuple[list[Entry], int | None]:
    """The entries on page ``number`` and the number of all rows (None when the page is empty): one query.

    The matches are counted (a window) and ordered over narrow rows: each
    entry comes with only what keys its cached list card (``for_card_keys()``;
    a window over whole entries, or even their titles, would carry thousands
    of them along).
    """
    bottom = (number - 1) * per_page
    found = list(rows.for_card_keys().annotate(total=Window(Count("*")))[bottom:bottom + per_page])
    if not found:
        return [], None
    return found, found[0].total


def search_page(query: str, number: str | int | None, per_page: int) -> Page:
    """Page ``number`` of the results for ``query``, with its entries (their issue and source read with them).

    Like ``Paginator.get_page()``: a page number that is not a number gives
    the first page, one out of range the last. The total comes with the
    page's ids, from the same query, so the matches are found once; only an
    out-of-range page number costs a separate count.
    """
    rows = search_matches(query)
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        number = 1
    entries, total = _page(rows, number, per_page) if 1 <= number <= MAX_PAGE else ([], None)
    if total is None:
        total = rows.count() if number != 1 else 0
        last = max(1, -(-total // per_page))
        if number != last:
            number = last
            entries, _total = _page(rows, number, per_page) if total else ([], None)
    return Page(entries, number, CountedPaginator(rows, per_page, total))
