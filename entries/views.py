"""Public pages of entries, tags, sources and search. Every query goes through ``published()``."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.db.models import Count, DateTimeField, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from briefing.compiled import CompiledQuery, IdList, Slot
from briefing.translation import ENGLISH, ORIGINAL_LANGUAGE
from issues.models import Issue

from .cards import Cards, list_cards, reader_language, with_list_card
from .models import Entry, Source, Tag
from .search import parse_terms, search_page

PAGE_SIZE = 20
RELATED_COUNT = 6


def public_entries() -> QuerySet[Entry]:
    """Published entries with what an entry's card shows: issue, source, tags."""
    return Entry.objects.published().select_related("issue", "source").prefetch_related("tags")


def published_tags() -> QuerySet[Tag]:
    """Tags with ``entry_count``, the number of their entries in published issues; unused ones left out."""
    return (
        Tag.objects.annotate(
            entry_count=Count(
                "tagged_entries",
                filter=Issue.objects.published_condition("tagged_entries__content_object__issue__"),
            )
        )
        .filter(entry_count__gt=0)
    )


def _listed(language: str) -> CompiledQuery[Entry]:
    # Compiled once (briefing/compiled.py): the ORM took longer to write this
    # SQL than PostgreSQL to run it, and as a prepared statement its plan
    # (20 lookups by primary key) is made once per connection.
    return CompiledQuery(Entry, lambda: (
        with_list_card(Entry.objects.published(now=Slot("now", DateTimeField())), language)
        .filter(pk__in_slot=Slot("ids", IdList())).order_by()
    ))


_LISTED = {language: _listed(language) for language in (ORIGINAL_LANGUAGE, ENGLISH)}


def listed(ids: list[int], page: Page, terms: Sequence[str] = ()) -> tuple[Page, Cards]:
    """``page`` with its entries (``ids``, in order) in ``object_list``, and their list cards.

    One query: the entries' titles with their stored list cards (cards that
    are missing or out of date are rendered for the request, entries/cards.py).
    """
    # published() again: an entry whose issue was withdrawn since its id was
    # read stays off the page.
    query = _LISTED[reader_language()]
    found = {entry.pk: entry for entry in query.run(now=timezone.now(), ids=ids)} if ids else {}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page, list_cards(page.object_list, terms)


def _newest_first_page(request: HttpRequest, entries: QuerySet[Entry]) -> tuple[Page, Cards]:
    """A page of published ``entries``, newest issue first, with their list cards: a count and one query.

    Not a window count as search has: PostgreSQL 15 prices a window's
    startup as if the LIMIT could stop it early, and walks every issue
    newest first probing each entry's tags (35 ms for the tag 量化), where
    the count alone is a hash join over the covering index
    ``entry_reading_order`` and the page an early-stopping walk (0.2 ms).
    """
    ordered = with_list_card(entries.order_by("-issue__date", "section", "position", "pk"))
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page, list_cards(page.object_list)


@require_safe
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry, the issue it appeared in, and published entries sharing its tags."""
    entry = get_object_or_404(public_entries(), pk=pk)
    tag_ids = [tag.pk for tag in entry.tags.all()]
    related = (
        Entry.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk=entry.pk)
        .select_related("issue")
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-issue__date", "pk")[:RELATED_COUNT]
        if tag_ids else []
    )
    return render(request, "entries/entry_detail.html", {"entry": entry, "related": related})


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A tag's entries across published issues, newest first."""
    tag = get_object_or_404(Tag, slug=slug)
    page, cards = _newest_first_page(request, Entry.objects.published().filter(tags=tag))
    # A tag used only by unpublished entries does not exist for readers.
    if not page.paginator.count:
        raise Http404("No published entries with this tag.")
    return render(request, "entries/tag_detail.html", {
        "tag": tag, "page_obj": page, "entries": page.object_list, "cards": cards,
    })


@require_safe
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A source's entries across published issues, newest first."""
    source = get_object_or_404(Source, slug=slug)
    page, cards = _newest_first_page(request, Entry.objects.published().filter(source=source))
    if not page.paginator.count:
        raise Http404("No published entries from this source.")
    return render(request, "entries/source_detail.html", {
        "source": source, "page_obj": page, "entries": page.object_list, "cards": cards,
    })


@require_safe
def tag_list(request: HttpRequest) -> HttpResponse:
    """Every tag with published entries, most used first."""
    tags = published_tags().order_by("-entry_count", "name")
    return render(request, "entries/tag_list.html", {"tags": tags})


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    """Every source with published entries, by name."""
    sources = Source.objects.with_published_entry_counts().filter(entry_count__gt=0).order_by("name")
    return render(request, "entries/source_list.html", {"sources": sources})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Published entries matching every term, title matches first, newer first."""
    query = request.GET.get("q", "").strip()[:200]
    terms = parse_terms(query)
    page, cards = listed(*search_page(query, request.GET.get("page"), PAGE_SIZE), terms=terms)
    return render(request, "entries/search.html", {
        "query": query, "terms": terms, "page_obj": page, "entries": page.object_list, "cards": cards,
    })
