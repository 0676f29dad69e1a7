"""Entry cards: stored once per change, and never out of date on the issue page or in the feed."""

from __future__ import annotations

from io import StringIO

import feedparser
import pytest
from django.core.management import call_command

from entries.cards import cards_key
from entries.models import EntryCard, Source, Tag
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import feed_text, full_issue, issue_page, published

pytestmark = pytest.mark.django_db


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
    issue_page(client, issue)
    entry.title = "新标题 INT4"
    entry.save()
    assert "新标题 INT4" in issue_page(client, issue) and "旧标题" not in issue_page(client, issue)
    assert "新标题 INT4" in feed_text(client)


def test_renaming_a_source_shows_on_the_issue_page_and_in_the_feed(client):
    issue = published(entries=0)
    source = SourceFactory(name="量子位")
    EntryFactory(issue=issue, source=source)
    issue_page(client, issue)
    source.name = "量子位 QbitAI"
    source.save()
    assert "量子位 QbitAI" in issue_page(client, issue)
    assert "量子位 QbitAI" in feed_text(client)


def test_renaming_a_tag_shows_on_the_issue_page(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, tags=["lowbit"])
    tag = Tag.objects.get(name="lowbit")
    tag.name, tag.slug = "低比特", "低比特"
    tag.save()
    page = issue_page(client, issue)
    assert "低比特" in page and "lowbit" not in page
    assert "低比特" in feed_text(client)


def test_adding_removing_and_deleting_tags_shows_on_the_issue_page(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, tags=["剪枝"])
    entry.tags.add("蒸馏")
    assert "蒸馏" in issue_page(client, issue)
    entry.tags.remove("剪枝")
    assert "剪枝" not in issue_page(client, issue)
    Tag.objects.get(name="蒸馏").delete()
    assert "蒸馏" not in issue_page(client, issue)


def test_english_page_shows_the_english_card(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="量化综述", title_en="A survey of quantization")
    assert "A survey of quantization" in issue_page(client, issue, "/en")
    assert "量化综述" in issue_page(client, issue)


def test_card_made_by_other_templates_is_never_shown_but_rendered_afresh(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title="当前的标题")
    # As after a deployment that changed the card template: the stored card is stale.
    EntryCard.objects.filter(entry=entry).update(page_html="STALE CARD", key="old")
    page = issue_page(client, issue)
    assert "STALE CARD" not in page and "当前的标题" in page


def test_render_cards_stores_fresh_cards_and_says_what_it_did():
    issue = published(entries=3)
    EntryCard.objects.filter(entry__issue=issue).update(page_html="STALE CARD", key="old")
    out = StringIO()
    call_command("render_cards", "--no-progress", stdout=out)
    assert "Rendered the cards of 3 entries" in out.getvalue()
    assert not EntryCard.objects.exclude(key=cards_key()).exists()
    assert not EntryCard.objects.filter(page_html="STALE CARD").exists()
    out = StringIO()
    call_command("render_cards", "--no-progress", stdout=out)
    assert "Rendered the cards of 0 entries" in out.getvalue()


def test_new_source_created_for_a_link_does_not_disturb_the_card(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, url="https://mp.weixin.qq.com/s/abc", title="文章 | 新智元", source=None)
    assert Source.objects.filter(name="新智元").exists()
    assert "新智元" in issue_page(client, issue)
    assert EntryCard.objects.get(entry=entry).key == cards_key()


def test_entry_without_a_card_is_still_on_the_issue_page(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title="没有卡片的条目")
    EntryCard.objects.filter(entry=entry).delete()
    assert "没有卡片的条目" in issue_page(client, issue)
    call_command("render_cards", "--no-progress", stdout=StringIO())
    assert EntryCard.objects.filter(entry=entry, key=cards_key()).exists()


def test_deleting_an_entry_takes_it_off_the_issue_page(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, title="将被删除的条目")
    assert "将被删除的条目" in issue_page(client, issue)
    entry.delete()
    assert "将被删除的条目" not in issue_page(client, issue)
    assert not EntryCard.objects.filter(entry_id=entry.pk).exists()


def test_tag_feed_shows_stored_cards_and_never_a_stale_one(client):
    issue = published(entries=0)
    fresh = EntryFactory(issue=issue, title="存好的卡片", tags=["剪枝"])
    stale = EntryFactory(issue=issue, title="过时卡片的条目", tags=["剪枝"])
    EntryCard.objects.filter(entry=stale).update(feed_html="STALE CARD", key="old")
    feed = feedparser.parse(client.get("/tags/剪枝/feed/").content)
    descriptions = {item.title: item.description for item in feed.entries}
    assert "STALE CARD" not in "".join(descriptions.values())
    assert "存好的卡片" in descriptions[fresh.title] and "过时卡片的条目" in descriptions[stale.title]
