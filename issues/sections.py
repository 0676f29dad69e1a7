"""An issue's sections of entries, and its page's links to the issues before and after it,
rendered once per edit and language and kept in Django's cache."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from briefing.cache import seconds_until
from briefing.fragments import cached_fragments, changed_stamp, fragment_key
from briefing.markdown import sanitize_html

from .models import WARMUP_SECTION, Issue

#: The issue page's sections (table of contents, then each section's entries) and a feed item's.
PAGE_TEMPLATE = "issues/includes/sections.html"
FEED_TEMPLATE = "issues/includes/feed_sections.html"
#: The issue page's links to the published issues before and after it.
PAGER_TEMPLATE = "issues/includes/pager.html"


def render_sections(issues: list[Issue], feed: bool = False, preview: bool = False) -> dict[int, str]:
    """The sections of ``issues`` rendered now, in the active language: two queries for any number of issues.

    A ``preview`` leaves out the links to entry pages, which do not exist until the issue is public.
    """
    # The entries with what their cards show (EntryQuerySet.for_cards(), in the entries app).
    entries = Issue._meta.get_field("entries").related_model.objects.for_cards()
    prefetch_related_objects(issues, Prefetch("entries", queryset=entries))
    template = FEED_TEMPLATE if feed else PAGE_TEMPLATE
    return {issue.pk: render_to_string(template, {"sections": with_notes(issue), "is_preview": preview}) for issue in issues}


def with_notes(issue: Issue) -> list[tuple[str, int, list, list[dict]]]:
    """The issue's sections, each with the notes to readers that stand in it (above the sections: in the header).

    A note's HTML was rendered and sanitized when the issue was saved; it is
    sanitized again here, as it comes from a JSON field any bulk write could fill.
    """
    def notes(value: int) -> list[dict]:
        return [
            {"before": note.get("before", 0), "html": mark_safe(sanitize_html(note.get("html", "")))}
            for note in issue.notes_in(value)
        ]
    return [(label, value, entries, notes(value) if value != WARMUP_SECTION else []) for label, value, entries in issue.sections()]


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


def issue_page_html(issue: Issue) -> tuple[SafeString, SafeString]:
    """The issue page's sections and its links to the published issues before and after it, with one cache read.

    Both are keyed by the issue's ``content_changed_at``, which also moves
    when an issue next to it is published, unpublished, moved or retitled
    (issues/signals.py). A scheduled issue joins its neighbours' links
    without a save when its time comes, so nothing made now is kept past then.
    """
    stamp = changed_stamp(issue.content_changed_at)
    keys = {"sections": fragment_key("issue-page", issue.pk, stamp), "pager": fragment_key("issue-pager", issue.pk, stamp)}

    def render(missing: list[str]) -> dict[str, str]:
        made = {}
        if "sections" in missing:
            made["sections"] = render_sections([issue])[issue.pk]
        if "pager" in missing:
            previous_issue, next_issue = issue.published_neighbours()
            made["pager"] = render_to_string(PAGER_TEMPLATE, {"previous_issue": previous_issue, "next_issue": next_issue})
        return made

    fragments = cached_fragments(keys, render, lifetime=until_next_publish)
    return fragments["sections"], fragments["pager"]


def until_next_publish() -> int:
    """FRAGMENT_CACHE_SECONDS, but never past the moment the next scheduled issue goes public."""
    return seconds_until(settings.FRAGMENT_CACHE_SECONDS, Issue.objects.next_publish_time())
