"""An issue's sections of entries, rendered once per edit and language and kept in Django's cache."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from briefing.fragments import cached_fragments, changed_stamp, fragment_key

from .models import Issue

#: The issue page's sections (table of contents, then each section's entries) and a feed item's.
PAGE_TEMPLATE = "issues/includes/sections.html"
FEED_TEMPLATE = "issues/includes/feed_sections.html"


def render_sections(issues: list[Issue], feed: bool = False) -> dict[int, str]:
    """The sections of ``issues`` rendered now, in the active language: two queries for any number of issues."""
    # The entries with what their cards show (EntryQuerySet.for_cards(), in the entries app).
    entries = Issue._meta.get_field("entries").related_model.objects.for_cards()
    prefetch_related_objects(issues, Prefetch("entries", queryset=entries))
    template = FEED_TEMPLATE if feed else PAGE_TEMPLATE
    return {issue.pk: render_to_string(template, {"sections": issue.sections()}) for issue in issues}


def sections_html(issues: list[Issue], feed: bool = False) -> dict[int, SafeString]:
    """Each issue's sections as the page (or a feed item) shows them, by issue id.

    From the cache with one read; an issue edited since (its
    ``content_changed_at`` moved) or not yet rendered in this language and
    code is rendered now, its entries read then.
    """
    kind = "issue-feed" if feed else "issue-page"
    keys = {issue.pk: fragment_key(kind, issue.pk, changed_stamp(issue.content_changed_at)) for issue in issues}
    by_pk = {issue.pk: issue for issue in issues}
    return cached_fragments(keys, lambda missing: render_sections([by_pk[pk] for pk in missing], feed))
