"""An issue's sections: rendered once per edit, kept in the cache, never shown out of date."""

from __future__ import annotations

import datetime
import re

import feedparser
import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.utils import timezone

from briefing.version import code_version
from entries.models import Entry, Tag
from issues.models import Issue
from issues.sections import sections_html
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import feed_text, full_issue, issue_page, published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # These tests are about the fragments under the pages: every request renders its page.
    settings.PUBLIC_CACHE_SECONDS = 0


def test_issue_page_and_feed_show_the_entry_with_its_source_links_and_tags(client):
    issue = published(entries=0)
    EntryFactory(
        issue=issue, title="NanoDet 轻量检测", source=SourceFactory(name="机器之心"), tags=["目标检测"],
        links=[{"label": "代码", "url": "https://github.com/example/nanodet"}], summary="**快** 且小",
    )
    page = issue_page(client, issue)
    for shown in ("NanoDet 轻量检测", "机器之心", "目标检测", "[代码]", "<strong>快</strong>"):
        assert shown in page
        assert shown in feed_text(client)


def test_editing_an_entry_shows_on_the_issue_page_and_in_the_feed_at_once(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title="旧标题")
    issue_page(client, issue), feed_text(client)
    entry.title = "新标题 INT4"
    entry.save()
    assert "新标题 INT4" in issue_page(client, issue) and "旧标题" not in issue_page(client, issue)
    assert "新标题 INT4" in feed_text(client) and "旧标题" not in feed_text(client)


def test_renaming_a_source_shows_on_the_issue_page_and_in_the_feed_at_once(client):
    issue = published(entries=0)
    source = SourceFactory(name="量子位")
    EntryFactory(issue=issue, source=source)
    issue_page(client, issue), feed_text(client)
    source.name = "量子位 QbitAI"
    source.save()
    assert "量子位 QbitAI" in issue_page(client, issue)
    assert "量子位 QbitAI" in feed_text(client)


def test_renaming_a_tag_shows_on_the_issue_page_and_in_the_feed_at_once(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, tags=["lowbit"])
    issue_page(client, issue), feed_text(client)
    tag = Tag.objects.get(name="lowbit")
    tag.name, tag.slug = "低比特", "低比特"
    tag.save()
    page = issue_page(client, issue)
    assert "低比特" in page and "lowbit" not in page
    assert "低比特" in feed_text(client)


def test_adding_removing_and_deleting_tags_shows_on_the_issue_page_at_once(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, tags=["剪枝"])
    issue_page(client, issue)
    entry.tags.add("蒸馏")
    assert "蒸馏" in issue_page(client, issue)
    entry.tags.remove("剪枝")
    assert "剪枝" not in issue_page(client, issue)
    Tag.objects.get(name="蒸馏").delete()
    assert "蒸馏" not in issue_page(client, issue)


def test_english_page_shows_the_english_entries(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="量化综述", title_en="A survey of quantization")
    assert "A survey of quantization" in issue_page(client, issue, "/en")
    assert "量化综述" in issue_page(client, issue)


def test_deleting_an_entry_takes_it_off_the_page_and_the_feed_at_once(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="留下的条目")
    doomed = EntryFactory(issue=issue, title="删掉的条目")
    issue_page(client, issue), feed_text(client)
    doomed.delete()
    assert "删掉的条目" not in issue_page(client, issue) and "留下的条目" in issue_page(client, issue)
    assert "删掉的条目" not in feed_text(client)


def test_entry_moved_to_another_issue_leaves_the_first_and_joins_the_second(client):
    first, second = published(entries=0), published(entries=0)
    entry = EntryFactory(issue=first, title="搬家的条目")
    issue_page(client, first), issue_page(client, second)
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
    issue_page(client, issue)
    entry.section = Entry.Section.PROJECTS
    entry.save()
    page = issue_page(client, issue)
    projects = page.index('id="section-%s"' % Entry.Section.PROJECTS.value)
    assert page.index("换栏目的条目") > projects
    assert 'id="section-%s"' % Entry.Section.PAPERS.value not in page


def test_editing_an_issue_shows_its_new_header_at_once(client):
    issue = published(entries=1, headline="旧的亮点")
    issue_page(client, issue)
    issue.refresh_from_db()
    issue.headline, issue.lead = "新的亮点", "新的**导读**"
    issue.save()
    page = issue_page(client, issue)
    assert "新的亮点" in page and "新的<strong>导读</strong>" in page and "旧的亮点" not in page


def test_an_issues_sections_are_rendered_once_and_then_read_from_the_cache(django_assert_num_queries):
    issue = full_issue(entries=12)
    issue = Issue.objects.get(pk=issue.pk)
    first = sections_html([issue])[issue.pk]
    issue = Issue.objects.get(pk=issue.pk)  # another request: nothing prefetched
    with django_assert_num_queries(0):
        assert sections_html([issue])[issue.pk] == first


def test_a_deploy_never_serves_sections_rendered_by_the_old_code(client, settings):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="部署前后")
    issue = Issue.objects.get(pk=issue.pk)
    before = sections_html([issue])[issue.pk]
    settings.CODE_VERSION = "next-release"
    code_version.cache_clear()
    try:
        with CaptureQueriesContext(connection) as queries:
            after = sections_html([Issue.objects.get(pk=issue.pk)])[issue.pk]
        assert after == before
        assert any("entries_entry" in query["sql"] for query in queries.captured_queries), "rendered again"
    finally:
        code_version.cache_clear()


def test_saving_an_issue_or_entry_unchanged_keeps_its_cached_sections_and_dates():
    issue = published(entries=0)
    EntryFactory(issue=issue)
    issue = Issue.objects.get(pk=issue.pk)
    changed_at = issue.content_changed_at
    issue.save()
    entry = Entry.objects.get(issue=issue)
    entry.save()
    assert Issue.objects.get(pk=issue.pk).content_changed_at == changed_at


def test_issue_page_needs_the_same_few_queries_however_many_entries(client, django_assert_num_queries):
    small, large = full_issue(entries=3), full_issue(entries=40)
    for issue in (small, large):
        issue_page(client, issue)  # its sections and links to its neighbours rendered and cached
        # The issue; its sections and links come from the cache.
        with django_assert_num_queries(1):
            issue_page(client, issue)
    large.headline = "改过的亮点"
    large.save()
    # Rendered afresh: its entries with their sources, and their tags, whatever their number;
    # the issues before and after it; when the next scheduled issue goes public.
    with django_assert_num_queries(6):
        issue_page(client, large)


def test_feed_reads_its_twenty_issues_sections_from_the_cache(client, django_assert_num_queries):
    for _ in range(3):
        full_issue(entries=10)
    client.get("/feed/")
    with django_assert_num_queries(1):
        assert client.get("/feed/").status_code == 200


def test_editing_an_entry_moves_its_issue_dates_in_the_sitemap_and_the_feed(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Issue.objects.filter(pk=issue.pk).update(publish_at=long_ago, content_changed_at=long_ago)

    def issue_lastmod() -> str:
        sitemap = client.get("/sitemap.xml").content.decode()
        return re.search(rf"issues/{issue.date:%Y-%m-%d}/</loc><lastmod>([^<]+)<", sitemap).group(1)

    # The sitemap writes dates in the site's time zone, a day ahead of UTC for part of the day.
    assert issue_lastmod().startswith(f"{timezone.localtime(long_ago):%Y-%m-%d}")
    entry.summary = "改过的摘要"
    entry.save()
    assert issue_lastmod().startswith(f"{timezone.localtime():%Y-%m-%d}")
    updated = feedparser.parse(client.get("/feed/atom/").content).entries[0].updated_parsed
    assert datetime.datetime(*updated[:6], tzinfo=datetime.timezone.utc) > long_ago + datetime.timedelta(days=29)


def test_workflow_steps_move_the_issue_dates(django_assert_max_num_queries):
    issue = Issue.objects.get(pk=published(entries=3).pk)  # as the workflow reads it
    before = issue.content_changed_at
    issue.status = Issue.Status.DRAFT
    # The save, and marking the published issues next to it changed.
    with django_assert_max_num_queries(2):
        issue.save(update_fields=["status"])
    assert Issue.objects.get(pk=issue.pk).content_changed_at > before
