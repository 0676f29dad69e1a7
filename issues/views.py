"""Public pages of issues. Every query starts from ``Issue.objects.published()``."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from entries.models import Entry, group_by_section

from .models import Issue


def _issue_entries() -> Prefetch:
    return Prefetch(
        "entries",
        queryset=Entry.objects.in_reading_order().select_related("source").prefetch_related("tags"),
    )


def home(request: HttpRequest) -> HttpResponse:
    """The latest published issue in full, and links to the ones before it."""
    issues = Issue.objects.published().order_by("-date")
    latest = issues.prefetch_related(_issue_entries()).first()
    previous = list(issues.annotate(entry_count=Count("entries"))[1:11]) if latest else []
    return render(request, "issues/home.html", {
        "issue": latest,
        "sections": group_by_section(latest.entries.all()) if latest else [],
        "previous_issues": previous,
    })


def archive(request: HttpRequest) -> HttpResponse:
    """Every published issue, grouped by year, newest first."""
    issues = Issue.objects.published().order_by("-date").annotate(entry_count=Count("entries"))
    years = [(year, list(items)) for year, items in groupby(issues, key=lambda issue: issue.date.year)]
    return render(request, "issues/archive.html", {"years": years})


def issue_detail(request: HttpRequest, date: str) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404("No issue on that date.")
    published = Issue.objects.published()
    issue = published.filter(date=day).prefetch_related(_issue_entries()).first()
    if issue is None:
        raise Http404("No published issue on that date.")
    return render(request, "issues/issue_detail.html", {
        "issue": issue,
        "sections": group_by_section(issue.entries.all()),
        "previous_issue": published.filter(date__lt=day).order_by("-date").only("date", "title").first(),
        "next_issue": published.filter(date__gt=day).order_by("date").only("date", "title").first(),
    })
