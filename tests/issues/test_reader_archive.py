"""What readers see of the archive: numbered issues with what they are about, feeds, sources, /en/."""

from __future__ import annotations

import datetime
import re

import feedparser
import pytest

from entries.models import Entry, Source
from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import published

pytestmark = pytest.mark.django_db


def day(n: int) -> datetime.date:
    return datetime.date(2021, 1, 1) + datetime.timedelta(days=n)


def test_the_archive_numbers_issues_by_date_and_says_what_each_is_about(client):
    with_headline = published(date=day(30), entries=0, headline="小模型/新芯片")
    with_lead = published(date=day(20), entries=0, lead="本次内容20条，关于BERT有4条。「业界新闻」某厂发布新的端侧芯片；其余略。")
    with_titles = published(date=day(10), entries=0)
    for position in range(1, 5):
        EntryFactory(issue=with_titles, section=Entry.Section.PAPERS, position=position, title=f"**论文** {position}")
    EntryFactory(issue=with_titles, section=Entry.Section.WARMUP, position=1, title="热身的一条")
    page = client.get("/issues/").content.decode()
    numbers = re.findall(r'<span class="issue-number">(.*?)</span>', page)
    assert numbers == ["第 3 期", "第 2 期", "第 1 期"]
    digests = re.findall(r'<p class="digest"[^>]*>(.*?)</p>', page)
    # The headline; else the lead's first sentence that says something; else the first three titles, as text.
    assert digests == ["小模型/新芯片", "某厂发布新的端侧芯片", "论文 1 / 论文 2 / 论文 3"]
    assert 'href="#year-2021"' in page
    assert with_headline and with_lead


def test_feed_items_are_titled_by_date_and_headline_and_have_no_empty_paragraphs(client):
    issue = published(date=day(5), entries=0)
    EntryFactory(issue=issue, section=Entry.Section.WARMUP, title="某厂：新品", url="", source=None, links=[])
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=1, title="第一篇", source=None, links=[])
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=2, title="第二篇")
    feed = feedparser.parse(client.get("/feed/").content)
    assert feed.entries[0].title == "2021-01-06 · 第一篇 / 第二篇"
    content = feed.entries[0].content[0].value
    assert not re.search(r"<p>\s*</p>", content)
    assert "<li>某厂：新品</li>" in content


def test_sources_are_grouped_by_kind_most_used_first(client):
    issue = published(entries=0)
    big, small = SourceFactory(name="大号", kind=Source.Kind.WECHAT), SourceFactory(name="小号", kind=Source.Kind.WECHAT)
    blog = SourceFactory(name="某博客", kind=Source.Kind.BLOG)
    for n in range(3):
        EntryFactory(issue=issue, position=n + 1, source=big)
    EntryFactory(issue=issue, position=5, source=small)
    EntryFactory(issue=issue, position=6, source=blog)
    page = client.get("/sources/").content.decode()
    assert page.index('id="kind-wechat"') < page.index("大号") < page.index("小号") < page.index('id="kind-blog"') < page.index("某博客")
    assert 'href="/sources/"' in page.split("<main")[0]  # in the top navigation


def test_an_untranslated_issue_says_so_on_the_english_site(client):
    untranslated = published(date=day(1))
    translated = published(date=day(2), title_en="Embedded AI Briefing (2021-01-03)")
    page = client.get(f"/en/issues/{untranslated.date.isoformat()}/").content.decode()
    assert "has not been translated into English yet" in page
    assert f'href="/issues/{untranslated.date.isoformat()}/"' in page.split('class="untranslated"')[1].split("</p>")[0]
    assert "has not been translated" not in client.get(f"/en/issues/{translated.date.isoformat()}/").content.decode()
    assert "has not been translated" not in client.get(f"/issues/{untranslated.date.isoformat()}/").content.decode()


def test_the_site_name_is_a_setting_per_language(client, settings):
    published()
    settings.SITE_NAMES = {"zh-hans": "示例简报", "en": "Example Briefing"}
    chinese = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert '<a class="site-name" href="/">示例简报</a>' in chinese
    assert '<a class="site-name" href="/en/">Example Briefing</a>' in english
    assert feedparser.parse(client.get("/en/feed/").content).feed.title == "Example Briefing"


def test_a_titles_markdown_stays_out_of_attributes(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title='**粗体** 与 `code` 和 "引号"')
    page = client.get(issue.get_absolute_url()).content.decode()
    label = re.search(r'class="permalink" href="[^"]+" aria-label="([^"]*)"', page).group(1)
    assert label == "“粗体 与 code 和 &quot;引号&quot;”的固定链接"
    detail = client.get(entry.get_absolute_url()).content.decode()
    assert '<title>粗体 与 code 和 &quot;引号&quot; · 嵌入式AI简报</title>' in detail
