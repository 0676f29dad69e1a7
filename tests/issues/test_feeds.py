"""The RSS and Atom feeds of issues and the per-tag and per-source entry feeds, read with feedparser."""

import calendar
import datetime

import feedparser
import pytest
from django.utils import timezone

from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import HOUR, full_issue, issue_in, let_publish_time_pass, published, unpublished_issues

pytestmark = pytest.mark.django_db

SITE = "https://briefing.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return response, feed


def as_datetime(struct) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(calendar.timegm(struct), tz=datetime.timezone.utc)


@pytest.mark.parametrize("url,version", [("/feed/", "rss20"), ("/feed/atom/", "atom10")])
def test_issue_feeds_carry_whole_published_issues_with_absolute_links_and_chinese_intact(client, url, version):
    when = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    issue = issue_in(Issue.Status.PUBLISHED, entries=0, date=datetime.date(2021, 8, 5), publish_at=when,
                     headline="NanoDet/Bolt 1.0/模型压缩", lead="本期导读：**量化**与芯片")
    EntryFactory(issue=issue, title="YOLOX 在手机上 & 芯片上", summary="摘要：*低比特*量化", tags=["量化"],
                 source=SourceFactory(name="机器之心"))
    response, feed = read(client, url)
    assert feed.version == version
    assert feed.feed.title == "嵌入式AI简报"
    assert feed.feed.link == f"{SITE}/"
    [item] = feed.entries
    # The date and the headline: each item's title says what it is about.
    assert item.title == "2021-08-05 · NanoDet/Bolt 1.0/模型压缩"
    assert item.link == f"{SITE}/issues/2021-08-05/"
    assert as_datetime(item.published_parsed) == when
    content = item.content[0].value
    assert "YOLOX 在手机上 &amp; 芯片上" in content or "YOLOX 在手机上 & 芯片上" in content
    assert "<em>低比特</em>量化" in content
    assert f'href="{SITE}/tags/%E9%87%8F%E5%8C%96/"' in content
    assert f'href="{SITE}/sources/' in content
    assert "模型压缩" in item.summary
    body = response.content.decode()
    assert 'href="/' not in body and "href=\"/" not in content


def test_rss_puts_the_whole_issue_in_content_encoded(client):
    published(entries=3)
    response, _ = read(client, "/feed/")
    body = response.content.decode()
    assert 'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in body
    assert "<content:encoded>" in body


def test_issue_guid_is_stable_when_the_issue_is_edited(client):
    issue = published(date=datetime.date(2021, 8, 5))
    _, before = read(client, "/feed/")
    issue.title = "改过的标题"
    issue.headline = "改过的要点"
    issue.save()
    EntryFactory(issue=issue)
    _, after = read(client, "/feed/")
    assert before.entries[0].id == after.entries[0].id
    assert before.entries[0].id == f"tag:briefing.example.org,2021-08-05:issue/{issue.pk}"
    assert after.entries[0].title == "2021-08-05 · 改过的要点"
    _, atom = read(client, "/feed/atom/")
    assert atom.entries[0].id == before.entries[0].id


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_draft_review_and_scheduled_issues_are_absent_until_their_time(client, url):
    published(headline="公开的一期")
    hidden = unpublished_issues()
    _, feed = read(client, url)
    assert len(feed.entries) == 1
    assert "SECRET" not in client.get(url).content.decode()
    scheduled = hidden[2]
    let_publish_time_pass(scheduled)
    _, feed = read(client, url)
    assert len(feed.entries) == 2


def test_feed_carries_the_latest_twenty_issues_newest_first(client):
    for day in range(22):
        published(date=datetime.date(2021, 1, 1) + datetime.timedelta(days=14 * day), entries=0)
    _, feed = read(client, "/feed/")
    assert len(feed.entries) == 20
    dates = [item.link.rstrip("/").rsplit("/", 1)[1] for item in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert "2021-01-01" not in dates and "2021-01-15" not in dates


def test_xss_payload_is_inert_in_the_feed(client):
    issue = issue_in(Issue.Status.PUBLISHED, entries=0, lead='<script>alert(1)</script>导读')
    EntryFactory(issue=issue, summary='<img src=x onerror="alert(1)"> [x](javascript:alert(1)) <iframe src="https://e.example"></iframe>')
    for url in ("/feed/", "/feed/atom/"):
        response, feed = read(client, url)
        body = response.content.decode()
        for bad in ("&lt;script", "<script", "onerror", "javascript:", "&lt;iframe", "<iframe"):
            assert bad not in body, (url, bad)
        assert "导读" in feed.entries[0].content[0].value


def test_tag_feed_lists_published_entries_with_the_tag(client):
    issue = published(date=datetime.date(2021, 8, 5), entries=0)
    entry = EntryFactory(issue=issue, title="芯片上的 INT8 量化", tags=["量化"])
    EntryFactory(issue=issue, title="别的条目", tags=["剪枝"])
    unpublished_issues()
    draft_tagged = issue_in(Issue.Status.DRAFT, entries=0)
    EntryFactory(issue=draft_tagged, title="SECRET 草稿里的量化", tags=["量化"])
    response, feed = read(client, "/tags/%E9%87%8F%E5%8C%96/feed/")
    assert [item.title for item in feed.entries] == ["芯片上的 INT8 量化"]
    item = feed.entries[0]
    assert item.link == f"{SITE}{entry.get_absolute_url()}"
    assert item.id == f"tag:briefing.example.org,2021-08-05:entry/{entry.pk}"
    assert "量化" in feed.feed.title
    assert "SECRET" not in response.content.decode()


def test_source_feed_lists_published_entries_from_the_source(client):
    source = SourceFactory(name="机器之心")
    issue = published(entries=0)
    EntryFactory(issue=issue, title="公开条目", source=source)
    draft = issue_in(Issue.Status.REVIEW, entries=0)
    EntryFactory(issue=draft, title="SECRET 审阅中", source=source)
    _, feed = read(client, f"/sources/{source.slug}/feed/")
    assert [item.title for item in feed.entries] == ["公开条目"]
    assert "机器之心" in feed.feed.title


def test_feeds_of_tags_and_sources_without_published_entries_are_not_found(client):
    hidden = unpublished_issues()
    entry = hidden[0].entries.first()
    assert client.get(f"/tags/{entry.tags.first().slug}/feed/").status_code == 404
    assert client.get(f"/sources/{entry.source.slug}/feed/").status_code == 404
    assert client.get("/tags/no-such-tag/feed/").status_code == 404


def test_feeds_need_few_queries_however_many_entries(client, django_assert_max_num_queries):
    for n in range(5):
        full_issue(entries=10 + 6 * n)
    for url in ("/feed/", "/feed/atom/", "/tags/%E9%87%8F%E5%8C%96/feed/"):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_feed_readers_polling_an_unchanged_feed_get_not_modified(client):
    published()
    first = client.get("/feed/")
    assert first.has_header("Last-Modified") and first.has_header("ETag")
    again = client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get("/feed/atom/", HTTP_IF_MODIFIED_SINCE=client.get("/feed/atom/")["Last-Modified"])
    assert since.status_code == 304


def test_entry_feeds_point_at_themselves_and_their_page_absolutely(client):
    source = SourceFactory(name="机器之心")
    EntryFactory(issue=published(entries=0), source=source, tags=["量化"])
    response, feed = read(client, f"/sources/{source.slug}/feed/")
    assert feed.feed.link == f"{SITE}{source.get_absolute_url()}"
    assert f'href="{SITE}/sources/%E6%9C%BA%E5%99%A8%E4%B9%8B%E5%BF%83/feed/"' in response.content.decode()
    response, feed = read(client, "/tags/%E9%87%8F%E5%8C%96/feed/")
    assert f'href="{SITE}/tags/%E9%87%8F%E5%8C%96/feed/"' in response.content.decode()


def test_editing_an_entry_moves_its_issue_in_the_feed_past_if_modified_since(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title="修改前的条目")
    an_hour_ago = timezone.now() - HOUR
    Issue.objects.filter(pk=issue.pk).update(publish_at=an_hour_ago, content_changed_at=an_hour_ago)
    first, feed = read(client, "/feed/atom/")
    entry.title = "修改后的条目"
    entry.save()
    # A reader whose client sends only If-Modified-Since must get the edit, not 304.
    again = client.get("/feed/atom/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200 and "修改后的条目" in again.content.decode()
    updated = feedparser.parse(again.content).entries[0].updated_parsed
    assert calendar.timegm(updated) > calendar.timegm(feed.entries[0].updated_parsed)


def test_saving_an_unchanged_issue_or_a_deploy_does_not_move_the_issue_in_the_feed(client, settings):
    issue = published(entries=2)
    an_hour_ago = timezone.now() - HOUR
    Issue.objects.filter(pk=issue.pk).update(publish_at=an_hour_ago, content_changed_at=an_hour_ago)
    first = client.get("/feed/atom/")
    Issue.objects.get(pk=issue.pk).save()
    for entry in issue.entries.all():
        entry.save()
    # As after a deployment: every fragment rendered again, none of them different.
    from briefing.version import code_version

    settings.CODE_VERSION = "next-release"
    code_version.cache_clear()
    try:
        assert client.get("/feed/atom/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    finally:
        code_version.cache_clear()


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/tags/%E9%87%8F%E5%8C%96/feed/"])
def test_a_control_character_pasted_into_an_entry_does_not_break_the_feed(client, url):
    # XML 1.0 cannot carry \x00-\x08, \x0b, \x0c or \x0e-\x1f: text copied out
    # of a PDF brings them, and one of them used to turn the whole feed into a 500.
    issue = issue_in(Issue.Status.PUBLISHED, entries=0, headline="要点\x0b一", lead="导读\x01二")
    EntryFactory(issue=issue, title="INT8\x0c 量化", summary="摘要\x08里的\x1f字", tags=["量化"],
                 source=SourceFactory(name="机器\x02之心"))
    response, feed = read(client, url)
    assert not any(chr(code) in response.content.decode() for code in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))
    item = feed.entries[0]
    shown = item.title + item.get("content", [{}])[0].get("value", "") + item.summary
    assert "摘要里的字" in shown
