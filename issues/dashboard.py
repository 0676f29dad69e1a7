"""The editors' dashboard on the admin index: what needs doing before the next issue goes out.

The data is gathered here, in a few queries, and the template only shows it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from .models import Issue, IssueTransition, Profile


def upcoming_issues(now: datetime.datetime | None = None):
    """Issues that are not public yet: drafts, in review, scheduled for later."""
    return Issue.objects.exclude(Issue.objects.published_condition(now=now))


def link_report(issue: Issue) -> dict:
    """The issue's links with their last check: the broken ones, and how many were checked."""
    from entries.models import LinkCheck

    urls: dict[str, object] = {}
    for entry in issue.entries.all():
        for url in entry.link_urls():
            urls.setdefault(url, entry)
    checks = {check.url: check for check in LinkCheck.objects.for_urls(urls)}
    broken = [(urls[url], check) for url, check in checks.items() if not check.ok and url in urls]
    return {"total": len(urls), "checked": len(checks), "broken": broken}


def broken_links(issues, limit: int = 50) -> list[tuple[Issue, object, object]]:
    """(issue, entry, check) for each link of ``issues`` whose last check failed."""
    from entries.checker import issue_urls
    from entries.models import LinkCheck

    by_url = issue_urls(issues)
    found = []
    for check in LinkCheck.objects.broken().for_urls(by_url).order_by("url"):
        for entry in by_url.get(check.url, []):
            found.append((entry.issue, entry, check))
    found.sort(key=lambda item: (item[0].date, item[1].section, item[1].position))
    return found[:limit]


def next_issue(now: datetime.datetime | None = None) -> Issue | None:
    """The issue being prepared: the earliest upcoming one dated today or later, else the latest upcoming one."""
    now = now or timezone.now()
    upcoming = upcoming_issues(now)
    return (
        upcoming.filter(date__gte=timezone.localdate(now)).order_by("date").first()
        or upcoming.order_by("-date").first()
    )


def section_counts(issue: Issue) -> list[tuple[str, int]]:
    """(section label, number of entries) for every section, empty ones included."""
    from entries.models import Entry

    counts = dict(issue.entries.values_list("section").annotate(n=Count("pk")).values_list("section", "n"))
    return [(label, counts.get(value, 0)) for value, label in Entry.Section.choices]


def editors_dashboard(user, now: datetime.datetime | None = None) -> dict:
    """Everything the admin index shows staff: review queue, schedule, drafts, broken links, next issue."""
    now = now or timezone.now()
    annotated = Issue.objects.annotate(entry_total=Count("entries")).select_related("created_by")
    drafts_by_owner: dict[str, list[Issue]] = defaultdict(list)
    last_step = IssueTransition.objects.filter(issue=OuterRef("pk")).order_by("-at", "-pk")
    drafts = annotated.filter(status=Issue.Status.DRAFT).annotate(
        last_action=Subquery(last_step.values("action")[:1]),
        last_comment=Subquery(last_step.values("comment")[:1]),
    ).order_by("date")
    changes_requested = []
    for issue in drafts:
        # Sent back by an editor and not submitted since: the author has work to do.
        issue.changes_requested = issue.last_action == "request_changes"
        if issue.changes_requested:
            changes_requested.append(issue)
        drafts_by_owner[str(issue.created_by) if issue.created_by else ""].append(issue)
    upcoming = upcoming_issues(now)
    coming = next_issue(now)
    sections = section_counts(coming) if coming else []
    return {
        "changes_requested": sorted(changes_requested, key=lambda issue: issue.created_by_id != user.pk),
        "notifications_on": not Profile.objects.filter(user=user, email_notifications=False).exists(),
        "awaiting_review": list(annotated.filter(status=Issue.Status.REVIEW).order_by("date")),
        "scheduled": list(annotated.filter(status=Issue.Status.SCHEDULED, publish_at__gt=now).order_by("publish_at")),
        "drafts_by_owner": sorted(drafts_by_owner.items(), key=lambda item: (item[0] == "", item[0].lower())),
        "broken_links": broken_links(upcoming),
        "next_issue": coming,
        "next_issue_sections": sections,
        # The sections' counts add up to it: no second count.
        "next_issue_total": sum(count for _label, count in sections),
        "can_review": user.has_perm("issues.review_issue"),
    }
