"""Public pages of issues. Every query starts from ``Issue.objects.published()``."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from entries.cards import current_cards
from entries.models import Entry, group_by_section

from .models import Issue

#: How many earlier issues the home page links to before pointing at the archive.
HOME_PREVIOUS = 10


def issue_entries() -> Prefetch:
    """Prefetch an issue's entries in reading order, as their stored cards (entries/cards.py)."""
    return Prefetch("entries", queryset=Entry.objects.for_display())


def issue_sections(issue: Issue) -> list[tuple[str, int, list[Entry]]]:
    """The issue's prefetched entries by section, each with a current card."""
    return group_by_section(current_cards(list(issue.entries.all())))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The latest published issue in full, and links to the ones before it."""
    issues = Issue.objects.published().order_by("-date")
    latest = issues.prefetch_related(issue_entries()).first()
    previous = (
        list(issues.filter(date__lt=latest.date).annotate(entry_count=Count("entries"))[:HOME_PREVIOUS])
        if latest else []
    )
    return render(request, "issues/home.html", {
        "issue": latest,
        "sections": issue_sections(latest) if latest else [],
        "previous_issues": previous,
    })


@require_safe
def archive(request: HttpRequest) -> HttpResponse:
    """Every published issue, grouped by year, newest first."""
    issues = Issue.objects.published().order_by("-date").annotate(entry_count=Count("entries"))
    years = [(year, list(items)) for year, items in groupby(issues, key=lambda issue: issue.date.year)]
    return render(request, "issues/archive.html", {"years": years})


@require_safe
def issue_detail(request: HttpRequest, date: str) -> HttpResponse:
    """One issue in full, with links to the published issues before and after it."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404("No issue on that date.")
    published = Issue.objects.published()
    issue = published.filter(date=day).prefetch_related(issue_entries()).first()
    if issue is None:
        raise Http404("No published issue on that date.")
    return render(request, "issues/issue_detail.html", {
        "issue": issue,
        "sections": issue_sections(issue),
        "previous_issue": published.filter(date__lt=day).order_by("-date").only("date", "title", "title_en").first(),
        "next_issue": published.filter(date__gt=day).order_by("date").only("date", "title", "title_en").first(),
    })


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public site, not the admin or search results; here is the sitemap."""
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")
