"""Issue bodies: the issue page and the feed read one stored row per issue, never an out-of-date one."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from entries.models import Entry
from issues.bodies import bodies_key
from issues.models import Issue, IssueBody
from tests.factories import EntryFactory
from tests.public_content import feed_text, full_issue, issue_page, published

pytestmark = pytest.mark.django_db


def test_adding_an_entry_stores_the_issue_body_in_both_languages_for_page_and_feed():
    issue = published(entries=0)
    EntryFactory(issue=issue, title="NanoDet 轻量检测", title_en="NanoDet, a small detector")
    body = IssueBody.objects.get(issue=issue)
    assert body.key == bodies_key()
    assert "NanoDet 轻量检测" in body.page_html and "NanoDet 轻量检测" in body.feed_html
    assert "NanoDet, a small detector" in body.page_en_html and "NanoDet, a small detector" in body.feed_en_html


def test_entry_moved_to_another_issue_leaves_the_first_and_joins_the_second(client):
    first, second = published(entries=0), published(entries=0)
    entry = EntryFactory(issue=first, title="搬家的条目")
    entry = Entry.objects.get(pk=entry.pk)  # as the admin has it: read from the database
    entry.issue = second
    entry.save()
    assert "搬家的条目" not in issue_page(client, first)
    assert "搬家的条目" in issue_page(client, second)
    assert feed_text(client).count("搬家的条目") == 1


def test_entry_moved_to_another_section_moves_on_the_page(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, section=Entry.Section.PAPERS, title="换栏目的条目")
    EntryFactory(issue=issue, section=Entry.Section.BLOGS, title="博文")
    entry.section = Entry.Section.PROJECTS
    entry.save()
    page = issue_page(client, issue)
    projects = page.index('id="section-%s"' % Entry.Section.PROJECTS.value)
    assert page.index("换栏目的条目") > projects
    assert 'id="section-%s"' % Entry.Section.PAPERS.value not in page


def test_deleting_an_entry_takes_it_off_the_page_and_the_feed(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="留下的条目")
    doomed = EntryFactory(issue=issue, title="删掉的条目")
    doomed.delete()
    assert "删掉的条目" not in issue_page(client, issue) and "留下的条目" in issue_page(client, issue)
    assert "删掉的条目" not in feed_text(client)


def test_deleting_an_issue_with_entries_deletes_its_body():
    issue = published(entries=3)
    issue.delete()
    assert not IssueBody.objects.exists()
    assert not Entry.objects.exists()


def test_body_made_by_other_templates_is_never_shown_but_made_afresh(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="当前的条目")
    # As after a deployment that changed the sections template or the cards.
    IssueBody.objects.filter(issue=issue).update(key="old", page_html="STALE BODY", feed_html="STALE BODY")
    assert "STALE BODY" not in issue_page(client, issue) and "当前的条目" in issue_page(client, issue)
    assert "STALE BODY" not in feed_text(client) and "当前的条目" in feed_text(client)


def test_missing_body_is_made_afresh_and_render_cards_stores_it(client):
    issue = published(entries=2)
    IssueBody.objects.all().delete()
    titles = list(issue.entries.values_list("title", flat=True))
    assert all(title in issue_page(client, issue) for title in titles)
    out = StringIO()
    call_command("render_cards", "--no-progress", stdout=out)
    assert "the bodies of 1 more issue" in out.getvalue()
    assert IssueBody.objects.get(issue=issue).key == bodies_key()


def test_english_page_and_feed_show_the_english_body(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="原标题", title_en="English title")
    assert "English title" in issue_page(client, issue, prefix="/en")
    assert "English title" in feed_text(client, "/en/feed/")
    assert "English title" not in issue_page(client, issue)


def test_issue_page_reads_the_issue_with_its_body_in_one_query(client, django_assert_max_num_queries):
    issue = full_issue(entries=40)
    issue_page(client, issue)
    # The issue with its body, its header and the issues before and after it.
    with django_assert_max_num_queries(1):
        issue_page(client, issue)


def test_feed_reads_every_issue_with_its_body_in_one_query(client, django_assert_max_num_queries):
    for _ in range(3):
        full_issue(entries=10)
    client.get("/feed/")
    with django_assert_max_num_queries(1):
        assert client.get("/feed/").status_code == 200


def test_editing_an_entry_moves_its_issue_lastmod_in_the_sitemap(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Issue.objects.filter(pk=issue.pk).update(publish_at=long_ago, updated_at=long_ago)
    IssueBody.objects.filter(issue=issue).update(updated_at=long_ago)

    def issue_lastmod() -> str:
        sitemap = client.get("/sitemap.xml").content.decode()
        return re.search(rf"issues/{issue.date:%Y-%m-%d}/</loc><lastmod>([^<]+)<", sitemap).group(1)

    # The sitemap writes dates in the site's time zone, a day ahead of UTC for part of the day.
    assert issue_lastmod().startswith(f"{timezone.localtime(long_ago):%Y-%m-%d}")
    entry.summary = "改过的摘要"
    entry.save()
    assert issue_lastmod().startswith(f"{timezone.localtime():%Y-%m-%d}")


def test_bodies_made_again_after_a_deployment_keep_their_dates():
    issue = published(entries=2)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    # As after a deployment that changed the templates: another fingerprint, other HTML.
    IssueBody.objects.filter(issue=issue).update(key="old", page_html="OLD", digest="old", updated_at=an_hour_ago)
    call_command("render_cards", "--no-progress", stdout=StringIO())
    body = IssueBody.objects.get(issue=issue)
    assert body.key == bodies_key() and body.page_html != "OLD"
    assert body.updated_at == an_hour_ago


def test_a_body_made_for_the_first_time_dates_from_its_entries_last_edit():
    issue = published(entries=2)
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    Entry.objects.filter(issue=issue).update(updated_at=a_day_ago)
    IssueBody.objects.all().delete()
    call_command("render_cards", "--no-progress", stdout=StringIO())
    assert IssueBody.objects.get(issue=issue).updated_at == a_day_ago


def test_saving_the_issue_form_with_many_entries_changed_joins_the_body_once(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import editor
    from tests.issues.conftest import form_data, login

    issue = published(entries=0)
    for n in range(4):
        EntryFactory(issue=issue, title=f"条目 {n}", summary=f"旧摘要 {n}")
    desk = login(editor())
    url = f"/admin/issues/issue/{issue.pk}/change/"
    data = form_data(desk.get(url))
    data["title"] = "新的标题"  # a new title renders every card again, in the issue's own save
    for n in range(4):
        data[f"entries-{n}-summary"] = f"新摘要 {n}"
    with CaptureQueriesContext(connection) as queries:
        assert desk.post(url, data).status_code == 302
    sql = [q["sql"] for q in queries.captured_queries]
    # Each join of a body compares it with the stored one, then writes it if it differs.
    joins = [q for q in sql if q.startswith('SELECT "issues_issuebody"."issue_id" AS "issue_id", "issues_issuebody"."digest"')]
    writes = [q for q in sql if q.startswith('INSERT INTO "issues_issuebody"')]
    assert (len(joins), len(writes)) == (1, 1)
    page = issue_page(client, issue)
    assert all(f"新摘要 {n}" in page and f"旧摘要 {n}" not in page for n in range(4))


def test_an_error_handled_inside_the_transaction_still_leaves_the_body_in_step(client):
    from django.db import transaction

    from issues.bodies import stored_once

    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title="改过的条目", summary="原来的摘要")
    with transaction.atomic():
        try:
            with stored_once():
                entry.summary = "改过的摘要"
                entry.save()
                raise ValueError("something after the entry failed, and the caller carries on")
        except ValueError:
            pass
    # The entry's change is kept, so the page must show it.
    assert "改过的摘要" in issue_page(client, issue)
    assert "原来的摘要" not in IssueBody.objects.get(issue=issue).page_html


@pytest.mark.django_db(transaction=True)
def test_stored_once_outside_a_transaction_is_refused_before_anything_is_saved():
    from django.db.transaction import TransactionManagementError

    from issues.bodies import stored_once

    with pytest.raises(TransactionManagementError, match=r"inside transaction\.atomic\(\)"):
        with stored_once():
            pytest.fail("the block must not run")


HEADER_TEMPLATE = "issues/includes/issue_header.html"


def page_and_templates(client, path: str) -> tuple[str, list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), [template.name for template in response.templates]


def test_issue_page_shows_the_header_stored_with_its_body_in_both_languages(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0  # each request renders the page
    issue = published(entries=1, headline="NanoDet/Bolt 1.0")
    issue.title_en, issue.headline_en, issue.lead_en = "Issue in English", "English headline", "The **lead**."
    issue.save()
    body = IssueBody.objects.get(issue=issue)
    assert "NanoDet/Bolt 1.0" in body.header_html and "English headline" in body.header_en_html
    page, templates = page_and_templates(client, issue.get_absolute_url())
    assert "NanoDet/Bolt 1.0" in page and f'<time datetime="{issue.date.isoformat()}">' in page
    assert HEADER_TEMPLATE not in templates, "the stored header is shown, not rendered for the request"
    page, templates = page_and_templates(client, "/en" + issue.get_absolute_url())
    assert "Issue in English" in page and "<strong>lead</strong>" in page and HEADER_TEMPLATE not in templates


def test_editing_an_issue_shows_its_new_header_at_once(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    issue = published(entries=1, headline="旧的亮点")
    issue.refresh_from_db()
    issue.headline, issue.lead = "新的亮点", "新的**导读**"
    issue.save()
    page, templates = page_and_templates(client, issue.get_absolute_url())
    assert "新的亮点" in page and "新的<strong>导读</strong>" in page and "旧的亮点" not in page
    assert HEADER_TEMPLATE not in templates


def test_header_out_of_step_with_its_issue_is_never_shown(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    issue = published(entries=1, title="存下的标题")
    # update() sends no signal: the stored header still holds the old title.
    Issue.objects.filter(pk=issue.pk).update(title="改过的标题")
    assert "存下的标题" in IssueBody.objects.get(issue=issue).header_html
    page, templates = page_and_templates(client, issue.get_absolute_url())
    assert "改过的标题" in page and "存下的标题" not in page
    assert HEADER_TEMPLATE in templates
    # As after a deployment that changed the header's template: rendered until render_cards runs.
    issue.refresh_from_db()
    issue.save()
    IssueBody.objects.filter(issue=issue).update(key="old", header_html="STALE HEADER")
    page, templates = page_and_templates(client, issue.get_absolute_url())
    assert "STALE HEADER" not in page and "改过的标题" in page


def test_workflow_steps_do_not_join_the_body_again(django_assert_max_num_queries):
    issue = Issue.objects.get(pk=published(entries=3).pk)  # as the workflow reads it
    # A save of the status fields only: nothing the header shows, no body query.
    with django_assert_max_num_queries(1):
        issue.save(update_fields=["status"])



def test_header_of_new_values_that_show_the_same_stays_the_stored_one(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    issue = Issue.objects.get(pk=published(entries=1).pk)
    issue.headline_en = "   "  # nothing to show, as before
    issue.save()
    assert IssueBody.objects.get(issue=issue).header_source == issue.header_fingerprint()
    _page, templates = page_and_templates(client, issue.get_absolute_url())
    assert HEADER_TEMPLATE not in templates
