"""Querysets compiled once (briefing/compiled.py) answer as the queryset would, for every value."""

from __future__ import annotations

import datetime
import gc
import threading
import weakref

import pytest
from django.db import connection, connections, models
from django.utils import timezone

from briefing.compiled import CompiledQuery, IdList, Slot
from issues.models import Issue, IssueBody, published_issue_page
from tests.public_content import HOUR, issue_in, published as published_issue

pytestmark = pytest.mark.django_db

NOW = Slot("now", models.DateTimeField())
DAY = Slot("day", models.DateField())


def published(date: datetime.date) -> Issue:
    return published_issue(date=date)


def test_a_compiled_query_answers_each_run_with_its_own_values():
    first, second = published(datetime.date(2024, 3, 1)), published(datetime.date(2024, 3, 15))
    builds = []

    def build():
        builds.append(1)
        return Issue.objects.published(now=NOW).filter(date__gte=DAY).order_by("date")

    query = CompiledQuery(Issue, build)
    now = timezone.now()
    assert query.run(now=now, day=datetime.date(2024, 3, 1)) == [first, second]
    assert query.run(now=now, day=datetime.date(2024, 3, 2)) == [second]
    assert query.run(now=now, day=datetime.date(2024, 4, 1)) == []
    # The time is a value too: before the issues went public, none was.
    assert query.run(now=now - 2 * HOUR, day=datetime.date(2024, 3, 1)) == []
    assert len(builds) == 1, "the queryset is built and compiled once per connection"


def test_a_compiled_query_runs_one_query_and_fills_select_related(django_assert_num_queries):
    issue = published(datetime.date(2024, 5, 1))
    query = CompiledQuery(Issue, lambda: Issue.objects.select_related("body").filter(date=DAY))
    query.run(day=issue.date)
    with django_assert_num_queries(1):
        [found] = query.run(day=issue.date)
        assert found.body.issue_id == issue.pk
        assert found.publish_at == issue.publish_at  # converted back to an aware datetime on every database
        assert found.date == issue.date


def test_a_compiled_query_sets_its_annotations_on_each_instance():
    first, second = published(datetime.date(2024, 4, 1)), published(datetime.date(2024, 4, 15))
    query = CompiledQuery(Issue, lambda: (
        Issue.objects.filter(date__gte=DAY).order_by("date")
        .annotate(later=models.Subquery(Issue.objects.filter(date__gt=models.OuterRef("date")).order_by("date").values("date")[:1]))
    ))
    assert [(issue, issue.later) for issue in query.run(day=first.date)] == [(first, second.date), (second, None)]


def test_a_compiled_query_takes_any_number_of_ids_in_one_parameter():
    issues = [published(datetime.date(2024, 10, day)) for day in (1, 2, 3)]
    builds = []

    def build():
        builds.append(1)
        return Issue.objects.filter(pk__in_slot=Slot("ids", IdList())).order_by("date")

    query = CompiledQuery(Issue, build)
    assert query.run(ids=[issues[2].pk, issues[0].pk]) == [issues[0], issues[2]]
    assert query.run(ids=[issue.pk for issue in issues]) == issues
    assert query.run(ids=[]) == []
    assert len(builds) == 1


def test_search_results_list_published_entries_only_whatever_ids_they_are_given():
    from django.core.paginator import Page, Paginator

    from entries.views import listed
    from tests.factories import EntryFactory

    public = EntryFactory(issue=published(datetime.date(2024, 11, 1)), title="公开的条目")
    draft = EntryFactory(issue=issue_in(Issue.Status.DRAFT, date=datetime.date(2024, 11, 8)), title="草稿条目")
    page, cards = listed([draft.pk, public.pk], Page([], 1, Paginator([], 20)))
    assert page.object_list == [public]
    assert len(cards) == 1 and "公开的条目" in str(cards[0])


def test_issue_page_is_one_query(django_assert_num_queries):
    earlier, issue, later = (published(datetime.date(2024, 6, d)) for d in (1, 15, 29))
    body = IssueBody.objects.get(issue=issue).page_html
    published_issue_page(issue.date)
    with django_assert_num_queries(1):
        found, previous, following = published_issue_page(issue.date)
        assert (found.body.page_html, previous.text.title, following.get_absolute_url()) == (
            body, earlier.title, later.get_absolute_url())


def test_issue_page_query_finds_only_published_issues_and_their_published_neighbours():
    earlier, draft_between, issue, later = (
        published(datetime.date(2024, 6, 1)), issue_in(Issue.Status.REVIEW, date=datetime.date(2024, 6, 8)),
        published(datetime.date(2024, 6, 15)), published(datetime.date(2024, 6, 29)),
    )
    assert published_issue_page(issue.date) == (issue, earlier, later)
    assert published_issue_page(earlier.date) == (earlier, None, issue)
    assert published_issue_page(draft_between.date) == (None, None, None)
    assert published_issue_page(later.date)[2] is None
    # The neighbours are the issues as stored, their other fields read when asked for.
    assert published_issue_page(issue.date)[1].status == Issue.Status.PUBLISHED


def test_issue_page_query_follows_a_scheduled_issue_going_public():
    issue = published(datetime.date(2024, 7, 1))
    scheduled = issue_in(Issue.Status.SCHEDULED, date=datetime.date(2024, 7, 15))
    assert published_issue_page(issue.date)[2] is None
    Issue.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - datetime.timedelta(seconds=1))
    assert published_issue_page(issue.date)[2] == scheduled


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_issue_page_queries_are_prepared_statements_on_postgresql(client):
    issue = published(datetime.date(2024, 8, 1))
    for _ in range(2):
        assert client.get(issue.get_absolute_url()).status_code == 200
    statements = prepared_statements()
    # One statement: the issue, its body and both neighbours in one round trip.
    # Nothing else is prepared (the rest of the site plans each query for its
    # values); the English edition's issue query would be a second.
    assert len(statements) == 1, statements
    assert 'FROM "issues_issue" LEFT OUTER JOIN "issues_issuebody"' in statements[0]
    assert '"previous_link"' in statements[0] and '"next_link"' in statements[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_prepared_queries_can_be_turned_off_for_a_connection_pooler(client, settings):
    settings.PREPARED_QUERIES = False
    issue = published(datetime.date(2024, 8, 1))
    assert "<h1" in client.get(issue.get_absolute_url()).content.decode()
    assert prepared_statements() == []


def test_issue_page_query_reads_each_field_as_the_queryset_does():
    issue = published(datetime.date(2024, 9, 1))
    Issue.objects.filter(pk=issue.pk).update(headline="NanoDet", title_en="Issue one", headline_html="<b>N</b>")
    expected = Issue.objects.published().with_body().get(date=issue.date)
    found = published_issue_page(issue.date)[0]
    for field in Issue._meta.concrete_fields:
        if field.attname not in ("lead", "lead_en"):  # the page shows their HTML, and reads no more
            assert getattr(found, field.attname) == getattr(expected, field.attname), field.attname
    for field in ("issue_id", "key", "digest", "updated_at", "page_html"):
        assert getattr(found.body, field) == getattr(expected.body, field), field


def test_compiled_queries_of_a_thread_go_with_it():
    # Kept with each thread's connection: a server that starts a thread per
    # request (runserver) must not keep every thread's connection alive.
    query = CompiledQuery(Issue, lambda: Issue.objects.filter(date=DAY))
    gone = []

    def request() -> None:
        query.run(day=datetime.date(2024, 1, 1))
        gone.append(weakref.ref(connections["default"]))
        connections.close_all()

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    gc.collect()
    assert gone and gone[0]() is None
