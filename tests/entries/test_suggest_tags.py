"""``suggest_tags``: tags proposed for untagged entries from the tags in use, accepted or rejected in the admin."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from entries.models import Entry, Tag, TagSuggestion
from entries.tagging import TagWords, match_entry
from issues.models import Issue
from tests.corpus import corpus_dir, requires_corpus
from tests.factories import EntryFactory, superuser

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("suggest_tags", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def patterns(*tags: Tag) -> list[TagWords]:
    return [TagWords.of(tag) for tag in tags]


def test_latin_words_match_whole_and_ignore_case_chinese_words_anywhere():
    npu = Tag(name="NPU", aliases="AIPU")
    quant = Tag(name="量化", aliases="quantization, -轻量化")
    assert match_entry("新款 npu 发布", "", patterns(npu)) == [(npu, "NPU")]
    assert match_entry("SNPUX 不是它", "", patterns(npu)) == []
    assert match_entry("INT8 量化实践", "", patterns(quant)) == [(quant, "量化")]
    assert match_entry("Post-training Quantization", "", patterns(quant)) == [(quant, "quantization")]
    # 轻量化 (lightweight) holds 量化 without meaning it.
    assert match_entry("轻量化网络设计", "", patterns(quant)) == []


def test_a_word_mentioned_once_in_a_summary_is_not_enough():
    npu = Tag(name="NPU")
    assert match_entry("某手机发布", "搭载 NPU。", patterns(npu)) == []
    assert match_entry("某手机发布", "搭载 NPU，NPU 算力翻倍。", patterns(npu)) == [(npu, "NPU")]


def test_suggestions_wait_for_an_editor_and_apply_writes_tags_search_text_and_pages(client):
    tagged = EntryFactory(title="已有标签的条目", tags=["量化"])
    entry = EntryFactory(title="一种新的量化方法")
    EntryFactory(title="与此无关")
    changed_at = Issue.objects.get(pk=entry.issue_id).content_changed_at

    summary = run()
    assert "1 entries matched, 1 new suggestions, 0 applied, 1 open." in summary
    suggestion = TagSuggestion.objects.get()
    assert (suggestion.entry, suggestion.tag.name, suggestion.term) == (entry, "量化", "量化")
    assert list(entry.tags.names()) == []

    assert "1 applied, 0 open." in run("--apply")
    entry.refresh_from_db()
    assert list(entry.tags.names()) == ["量化"]
    assert "量化" in entry.search_text.split("\n")
    assert Issue.objects.get(pk=entry.issue_id).content_changed_at > changed_at
    assert tagged.tags.count() == 1


def test_a_rejected_suggestion_is_not_made_again():
    EntryFactory(tags=["剪枝"])
    entry = EntryFactory(title="结构化剪枝")
    run()
    TagSuggestion.objects.get(entry=entry).reject()
    assert "0 new suggestions" in run()
    assert TagSuggestion.objects.get(entry=entry).status == TagSuggestion.Status.REJECTED


def test_editors_accept_or_reject_suggestions_in_the_admin(client):
    EntryFactory(tags=["NPU"])
    first = EntryFactory(title="一块 NPU 开发板")
    second = EntryFactory(title="NPU 的另一条新闻")
    run()
    client.force_login(superuser())
    page = client.get("/admin/entries/tagsuggestion/").content.decode()
    assert "一块 NPU 开发板" in page and "NPU 的另一条新闻" in page
    accept = TagSuggestion.objects.get(entry=first)
    reject = TagSuggestion.objects.get(entry=second)
    client.post("/admin/entries/tagsuggestion/", {"action": "accept", "_selected_action": [accept.pk]})
    client.post("/admin/entries/tagsuggestion/", {"action": "reject", "_selected_action": [reject.pk]})
    assert list(first.tags.names()) == ["NPU"] and list(second.tags.names()) == []
    assert TagSuggestion.objects.get(pk=reject.pk).status == TagSuggestion.Status.REJECTED


@requires_corpus
def test_the_corpus_gets_tags_from_the_demo_tags_and_their_aliases():
    call_command("load_demo", stdout=io.StringIO())
    call_command("import_briefings", str(corpus_dir()), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    corpus = Entry.objects.exclude(issue__date__year=2026)
    summary = run()
    matched = TagSuggestion.objects.filter(entry__in=corpus).values("entry").distinct().count()
    # About two entries in five: figures and a hand-checked sample are in docs/editors.md.
    assert matched > corpus.count() // 3
    assert "entries matched" in summary
