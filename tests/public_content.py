"""Builders for the public-site tests: issues in every workflow state, with entries."""

from __future__ import annotations

import datetime

from django.utils import timezone

from entries.models import Entry
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, SourceFactory

HOUR = datetime.timedelta(hours=1)


def issue_in(status: str, *, entries: int = 1, publish_at: datetime.datetime | None = None, **kwargs) -> Issue:
    """An issue in ``status`` with ``entries`` entries.

    Published issues went public an hour ago unless ``publish_at`` says
    otherwise; scheduled ones go public in an hour.
    """
    issue = IssueFactory(**kwargs)
    for _ in range(entries):
        EntryFactory(issue=issue)
    issue.status = status
    if status == Issue.Status.PUBLISHED:
        issue.publish_at = publish_at or timezone.now() - HOUR
    elif status == Issue.Status.SCHEDULED:
        issue.publish_at = publish_at or timezone.now() + HOUR
    issue.save()
    return issue


def published(**kwargs) -> Issue:
    return issue_in(Issue.Status.PUBLISHED, **kwargs)


def unpublished_issues(marker: str = "SECRET") -> list[Issue]:
    """A draft, an issue in review and a scheduled issue, each with one entry whose
    title, summary, source and tag carry ``marker``, so a test can look for any leak."""
    issues = []
    for status in (Issue.Status.DRAFT, Issue.Status.REVIEW, Issue.Status.SCHEDULED):
        issue = issue_in(status, entries=0, headline=f"{marker} headline {status}")
        EntryFactory(
            issue=issue,
            title=f"{marker} entry {status}",
            summary=f"{marker} summary {status}",
            source=SourceFactory(name=f"{marker} source {status}"),
            tags=[f"{marker}-tag-{status}"],
        )
        issues.append(issue)
    return issues


def full_issue(entries: int = 40, **kwargs) -> Issue:
    """A published issue with ``entries`` entries spread over every section, each with tags and links."""
    issue = issue_in(Issue.Status.PUBLISHED, entries=0, headline="NanoDet/Bolt 1.0/量化", lead="本期 **导读**。", **kwargs)
    sections = list(Entry.Section)
    for n in range(entries):
        EntryFactory(
            issue=issue,
            section=sections[n % len(sections)],
            position=n,
            links=[{"label": "代码", "url": f"https://github.com/example/{n}"}],
            tags=["量化", f"topic-{n % 5}"],
        )
    return issue


def let_publish_time_pass(issue: Issue) -> None:
    """Move a scheduled issue's time into the past, as if the clock had run on.

    The page cache never keeps a page past the next scheduled publish time
    (tests/briefing covers that); here the clock jumps, so the cache is emptied.
    """
    from django.core.cache import cache

    Issue.objects.filter(pk=issue.pk).update(publish_at=timezone.now() - datetime.timedelta(hours=1))
    cache.clear()


def settle_page_cache(client) -> None:
    """Let the once-per-version and once-per-connection work (the next scheduled publish, the public
    statement timeout on PostgreSQL) happen before a view's queries are counted."""
    client.get("/issues/", {"settle": "1"})


def issue_page(client, issue: Issue, prefix: str = "") -> str:
    """The public page of ``issue`` (``prefix`` "/en" for the English one), which must answer 200."""
    response = client.get(f"{prefix}/issues/{issue.date:%Y-%m-%d}/")
    assert response.status_code == 200
    return response.content.decode()


def feed_text(client, path: str = "/feed/") -> str:
    """The HTML of every item of the feed at ``path``, read with feedparser, which must find it well-formed."""
    import feedparser

    feed = feedparser.parse(client.get(path).content)
    assert not feed.bozo
    return "".join(item.content[0].value for item in feed.entries)

