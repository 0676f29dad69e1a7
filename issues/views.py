"""Public pages of issues. Every query starts from ``Issue.objects.published()`` (the issue page's too: ``published_issue_page``)."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .bodies import issue_body, issue_header
from .models import Issue, published_issue_page

#: How many earlier issues the home page links to before pointing at the archive.
HOME_PREVIOUS = 10


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The latest published issue in full, and links to the ones before it."""
    issues = Issue.objects.published().order_by("-date")
    latest = issues.with_body().first()
    previous = (
        list(issues.filter(date__lt=latest.date).with_entry_counts()[:HOME_PREVIOUS])
        if latest else []
    )
    return render(request, "issues/home.html", {
        "issue": latest,
        "body": issue_body(latest) if latest else "",
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
    issue, previous_issue, next_issue = published_issue_page(day)
    if issue is None:
        raise Http404("No published issue on that date.")
    return render(request, "issues/issue_detail.html", {
        "issue": issue,
        "header": issue_header(issue),
        "body": issue_body(issue),
        "previous_issue": previous_issue,
        "next_issue": next_issue,
    })


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public site, not the admin or search results; here is the sitemap."""
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")
