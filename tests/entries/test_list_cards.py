"""List cards: tag, source and search pages show cached cards that follow every change, with search terms marked."""

from __future__ import annotations

import datetime

import pytest

from entries.templatetags.entries import highlight
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import issue_in, published

pytestmark = pytest.mark.django_db


def page(client, path: str, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def test_highlight_marks_terms_in_the_text_and_escapes_the_rest():
    assert highlight("RISC-V 上的推理", ["risc-v", "推理"]) == "<mark>RISC-V</mark> 上的<mark>推理</mark>"
    assert highlight("a<b & c", ["<"]) == "a<mark>&lt;</mark>b &amp; c"
    assert highlight("a<b & c", ["&"]) == "a&lt;b <mark>&amp;</mark> c"
    # A term that is part of an entity's name matches the text, never the entity.
    assert highlight("Tom & Jerry <3", ["amp", "lt"]) == "Tom &amp; Jerry &lt;3"
    assert highlight("<script>", []) == "&lt;script&gt;"


def test_a_term_with_html_special_characters_is_highlighted_safely(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="Tom & Jerry <b>bold</b> amp", summary="")
    body = page(client, "/search/", q="<b>")
    assert "Tom &amp; Jerry <mark>&lt;b&gt;</mark>bold&lt;/b&gt; amp" in body
    body = page(client, "/search/", q="amp")
    assert "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; <mark>amp</mark>" in body
    assert "<b>bold" not in body
    body = page(client, "/search/", q="&")
    assert "Tom <mark>&amp;</mark> Jerry" in body


def test_renaming_an_issue_shows_on_tag_source_and_search_pages_at_once(client):
    issue = published(entries=0, title="第一期")
    EntryFactory(issue=issue, title="一篇论文", source=SourceFactory(slug="src"), tags=["剪枝"])
    assert "第一期" in page(client, "/tags/剪枝/")
    issue.title, issue.title_en = "第一期（修订）", "Issue one"
    issue.save()
    for path, params in (("/tags/剪枝/", {}), ("/sources/src/", {}), ("/search/", {"q": "论文"})):
        assert "第一期（修订）" in page(client, path, **params)
    assert "Issue one" in page(client, "/en/tags/剪枝/")


def test_changing_an_issues_date_changes_the_link_on_the_tag_page(client):
    issue = published(entries=0, date=datetime.date(2021, 8, 5))
    EntryFactory(issue=issue, tags=["剪枝"])
    assert 'href="/issues/2021-08-05/"' in page(client, "/tags/剪枝/")
    issue.date = datetime.date(2021, 8, 6)
    issue.save()
    body = page(client, "/tags/剪枝/")
    assert 'href="/issues/2021-08-06/"' in body and 'href="/issues/2021-08-05/"' not in body


def test_a_workflow_step_renders_no_cards(django_assert_num_queries):
    issue = issue_in("draft", entries=1)
    issue.status = "review"
    # The UPDATE alone: no entry is read and no card rendered.
    with django_assert_num_queries(1):
        issue.save(update_fields=["status"])


def test_editing_an_entry_shows_on_the_tag_page_and_is_found_by_its_new_words_at_once(client):
    entry = EntryFactory(issue=published(entries=0), title="旧标题", tags=["剪枝"])
    assert "旧标题" in page(client, "/tags/剪枝/")
    entry.title = "新标题 Winograd"
    entry.save()
    body = page(client, "/tags/剪枝/")
    assert "新标题 Winograd" in body and "旧标题" not in body
    assert "<mark>Winograd</mark>" in page(client, "/search/", q="winograd")
    assert "找到 0 条" in page(client, "/search/", q="旧标题")


def test_words_of_a_draft_entry_are_found_nowhere(client):
    EntryFactory(issue=issue_in("draft", entries=0), title="草稿里的词", tags=["草稿标签"],
                 source=SourceFactory(name="草稿来源", slug="draft-source"))
    EntryFactory(issue=published(entries=0), title="公开的条目", tags=["草稿标签"])
    assert "找到 0 条" in page(client, "/search/", q="草稿里的词")
    assert "草稿里的词" not in page(client, "/tags/草稿标签/")
    assert client.get("/sources/draft-source/").status_code == 404


def test_cards_cached_for_the_tag_page_are_not_the_search_pages_highlighted_ones(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="一张卡片 量化", tags=["剪枝"])
    assert "一张卡片 量化" in page(client, "/tags/剪枝/")
    assert "一张卡片 <mark>量化</mark>" in page(client, "/search/", q="量化")
    assert "<mark>" not in page(client, "/tags/剪枝/", x="1")
    assert "<mark>一张卡片</mark> 量化" in page(client, "/search/", q="一张卡片")


def test_english_list_cards_on_english_pages(client):
    issue = published(entries=0, title="第一期", title_en="Issue one")
    EntryFactory(issue=issue, title="量化综述", title_en="A survey of quantization", tags=["量化"])
    body = page(client, "/en/search/", q="survey")
    assert "A <mark>survey</mark> of quantization" in body and "Issue one" in body
    assert 'href="/en/issues/' in body
    assert "量化综述" in page(client, "/tags/量化/")


def test_tag_source_and_search_pages_need_the_same_few_queries_however_many_entries(
    client, django_assert_max_num_queries,
):
    issue = published(entries=0)
    source = SourceFactory(slug="src")
    for n in range(25):
        EntryFactory(issue=issue, title=f"芯片 {n}", source=source, tags=["硬件", "量化"])
    for path, params in (("/tags/硬件/", {}), ("/sources/src/", {}), ("/search/", {"q": "芯片"})):
        client.get(path, params)
        params["x"] = "1"  # another address: not the stored page
        # The page cache's version; the tag or source; the count; the page's entries (their cards cached).
        with django_assert_max_num_queries(4):
            assert client.get(path, params).status_code == 200
