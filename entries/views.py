"""Public pages of entries, tags, sources and search. Every query goes through ``published()``."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from issues.models import Issue

from .listing import list_cards
from .models import Entry, Source, Tag
from .search import parse_terms, search_page

PAGE_SIZE = 20
RELATED_COUNT = 6


def public_entries() -> QuerySet[Entry]:
    """Published entries with what an entry's card shows: issue, source, tags."""
    return Entry.objects.published().for_cards().select_related("issue")


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


def newest_first_page(request: HttpRequest, entries: QuerySet[Entry]) -> Page:
    """The requested page of published ``entries``, newest issue first, read with what keys their cards."""
    page = Paginator(entries.newest_first().for_card_keys(), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


@require_safe
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry, the issue it appeared in, and published entries sharing its tags."""
    entry = get_object_or_404(public_entries(), pk=pk)
    tag_ids = [tag.pk for tag in entry.shown_tags]
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
    page = newest_first_page(request, Entry.objects.published().filter(tags=tag))
    # A tag used only by unpublished entries does not exist for readers.
    if not page.paginator.count:
        raise Http404("No published entries with this tag.")
    return render(request, "entries/tag_detail.html", {
        "tag": tag, "page_obj": page, "entries": page.object_list, "cards": list_cards(page.object_list),
    })


@require_safe
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A source's entries across published issues, newest first."""
    source = get_object_or_404(Source, slug=slug)
    page = newest_first_page(request, Entry.objects.published().filter(source=source))
    if not page.paginator.count:
        raise Http404("No published entries from this source.")
    return render(request, "entries/source_detail.html", {
        "source": source, "page_obj": page, "entries": page.object_list, "cards": list_cards(page.object_list),
    })


@require_safe
def tag_list(request: HttpRequest) -> HttpResponse:
    """Every tag with published entries, most used first."""
    tags = published_tags().order_by("-entry_count", "name")
    return render(request, "entries/tag_list.html", {"tags": tags})


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    """Every source with published entries, grouped by kind, the most used first in each."""
    sources = Source.objects.with_published_entry_counts().filter(entry_count__gt=0).order_by("-entry_count", "name")
    by_kind: dict[str, list[Source]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source)
    # Kinds with the most entries first, as readers look for the big publishers.
    kinds = sorted(
        ((kind, Source.Kind(kind).label, items) for kind, items in by_kind.items()),
        key=lambda group: -sum(source.entry_count for source in group[2]),
    )
    return render(request, "entries/source_list.html", {"kinds": kinds})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Published entries matching every term, title matches first, newer first."""
    query = request.GET.get("q", "").strip()[:200]
    terms = parse_terms(query)
    page = search_page(query, request.GET.get("page"), PAGE_SIZE)
    return render(request, "entries/search.html", {
        "query": query, "terms": terms, "page_obj": page, "entries": page.object_list,
        "cards": list_cards(page.object_list, terms),
    })
