"""Public pages of issues. Every query starts from ``Issue.objects.published()``."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.http import require_safe

from briefing.translation import reading_english

from .models import Issue
from .sections import issue_page_html, sections_html

#: How many earlier issues the home page links to before pointing at the archive.
HOME_PREVIOUS = 10


def edition_notice(issue: Issue | None) -> dict:
    """On the English site, whether ``issue`` is still untranslated, and where its original is."""
    if issue is None or not reading_english() or issue.is_translated:
        return {"untranslated": False}
    with translation.override(settings.LANGUAGE_CODE):
        return {"untranslated": True, "original_url": issue.get_absolute_url()}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The latest published issue in full, and links to the ones before it."""
    issues = Issue.objects.published().order_by("-date")
    latest = issues.defer("lead", "lead_en").first()
    previous = list(issues.filter(date__lt=latest.date).with_entry_counts()[:HOME_PREVIOUS]) if latest else []
    return render(request, "issues/home.html", {
        "issue": latest,
        "sections": sections_html([latest])[latest.pk] if latest else "",
        "previous_issues": previous,
        **edition_notice(latest),
    })


@require_safe
def archive(request: HttpRequest) -> HttpResponse:
    """Every published issue by year, newest first: its number, date and what it is about."""
    issues = list(Issue.objects.published().order_by("-date").defer("lead_en").with_entry_counts())
    digests = Issue.digests(issues)
    for number, issue in zip(range(len(issues), 0, -1), issues):
        # 第 N 期: counted by date among the published issues.
        issue.number = number
        issue.digest = digests.get(issue.pk, "")
    years = [(year, list(items)) for year, items in groupby(issues, key=lambda issue: issue.date.year)]
    return render(request, "issues/archive.html", {"years": years})


@require_safe
def issue_detail(request: HttpRequest, date: str) -> HttpResponse:
    """One issue in full, with links to the published issues before and after it."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404("No issue on that date.")
    issue = get_object_or_404(Issue.objects.published().defer("lead", "lead_en"), date=day)
    sections, pager = issue_page_html(issue)
    return render(request, "issues/issue_detail.html", {
        "issue": issue,
        "sections": sections,
        "pager": pager,
        **edition_notice(issue),
    })


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public site, not the admin or search results; here is the sitemap."""
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")
