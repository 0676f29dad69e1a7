"""Public pages of entries, tags and sources. Every query goes through ``published()``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Entry, Source, Tag

PAGE_SIZE = 20


def _public_entries():
    return Entry.objects.published().select_related("issue", "source").prefetch_related("tags")


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(_public_entries(), pk=pk)
    tag_ids = [tag.pk for tag in entry.tags.all()]
    related = (
        _public_entries()
        .filter(tags__in=tag_ids)
        .exclude(pk=entry.pk)
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-issue__date")[:6]
        if tag_ids else []
    )
    return render(request, "entries/entry_detail.html", {"entry": entry, "related": related})


def _paginated_entries(request: HttpRequest, entries) -> dict:
    page = Paginator(entries.order_by("-issue__date", "section", "position", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {"page_obj": page, "entries": page.object_list}


def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    entries = _public_entries().filter(tags=tag)
    # A tag used only by unpublished entries does not exist for readers.
    if not entries.exists():
        raise Http404("No published entries with this tag.")
    return render(request, "entries/tag_detail.html", {"tag": tag, **_paginated_entries(request, entries)})


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    entries = _public_entries().filter(source=source)
    return render(request, "entries/source_detail.html", {"source": source, **_paginated_entries(request, entries)})
