"""Entry.search_text: what search matches, following every change of what it is made of."""

import datetime

import pytest
from django.utils import timezone

from entries.models import Entry, Tag, search_text_of
from issues.archive.importer import import_file
from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import issue_in, published

pytestmark = pytest.mark.django_db


def titles(client, query: str, page: int | str = 1) -> list[str]:
    response = client.get("/search/", {"q": query, "page": page})
    assert response.status_code == 200
    return [entry.title for entry in response.context["entries"]]


def test_search_text_holds_every_searched_part_lower_cased_one_per_line():
    assert search_text_of(["RISC-V  向量\n扩展", "", "  ", "YOLOX", "机器之心"]) == "risc-v 向量 扩展\nyolox\n机器之心"


def test_search_text_is_written_on_save_and_follows_edits(client):
    entry = EntryFactory(issue=published(entries=0), title="剪枝入门", summary="稀疏", tags=["压缩"])
    assert Entry.objects.get(pk=entry.pk).search_text == search_text_of(["剪枝入门", "稀疏", entry.source.name, "压缩"])
    assert titles(client, "剪枝") == ["剪枝入门"]
    entry.title, entry.summary_en = "蒸馏入门", "Knowledge Distillation"
    entry.save()
    assert titles(client, "剪枝") == []
    assert titles(client, "蒸馏") == ["蒸馏入门"]
    assert titles(client, "distillation") == ["蒸馏入门"]


def test_save_with_update_fields_keeps_search_text_current(client):
    entry = EntryFactory(issue=published(entries=0), title="旧标题")
    entry.title = "新标题"
    entry.save(update_fields=["title"])
    assert titles(client, "新标题") == ["新标题"]
    assert titles(client, "旧标题") == []


def test_a_renamed_source_is_found_under_its_new_name_at_once(client):
    source = SourceFactory(name="机器之心")
    EntryFactory(issue=published(entries=0), title="一篇新闻", source=source)
    assert titles(client, "机器之心") == ["一篇新闻"]
    source.name = "量子位"
    source.save()
    assert titles(client, "量子位") == ["一篇新闻"]
    assert titles(client, "机器之心") == []


def test_an_entry_moved_to_another_source_is_found_under_that_one(client):
    entry = EntryFactory(issue=published(entries=0), title="一篇新闻", source=SourceFactory(name="机器之心"))
    entry.source = SourceFactory(name="量子位")
    entry.save()
    assert titles(client, "量子位") == ["一篇新闻"]
    assert titles(client, "机器之心") == []


def test_tags_added_removed_renamed_and_deleted_change_what_finds_an_entry(client):
    entry = EntryFactory(issue=published(entries=0), title="一篇论文", summary="")
    entry.tags.add("目标检测")
    assert titles(client, "目标检测") == ["一篇论文"]
    entry.tags.remove("目标检测")
    assert titles(client, "目标检测") == []
    entry.tags.set(["目标检测", "YOLO系列"])
    assert titles(client, "yolo系列") == ["一篇论文"]

    tag = Tag.objects.get(name="目标检测")
    tag.name = "检测器"
    tag.save()
    assert titles(client, "检测器") == ["一篇论文"]
    assert titles(client, "目标检测") == []

    Tag.objects.get(name="YOLO系列").delete()
    assert titles(client, "YOLO系列") == []
    entry.tags.clear()
    assert titles(client, "检测器") == []


def test_a_term_never_matches_across_two_parts(client):
    EntryFactory(issue=published(entries=0), title="模型", summary="量化方法", source=SourceFactory(name="来源"))
    assert titles(client, "模型量化") == []
    assert titles(client, "方法来源") == []
    assert titles(client, "模型 量化") == ["模型"]


def test_unpublished_entries_are_never_found_though_their_search_text_matches(client):
    hidden = {}
    for status in (Issue.Status.DRAFT, Issue.Status.REVIEW, Issue.Status.SCHEDULED):
        hidden[status] = EntryFactory(issue=issue_in(status, entries=0), title=f"量化 {status}", tags=["量化"])
    assert Entry.objects.filter(search_text__contains="量化").count() == 3
    assert titles(client, "量化") == []
    issue = hidden[Issue.Status.DRAFT].issue
    issue.status, issue.publish_at = Issue.Status.PUBLISHED, issue.publish_at or datetime.datetime(
        2020, 1, 1, tzinfo=datetime.timezone.utc)
    issue.save()
    assert titles(client, "量化") == [f"量化 {Issue.Status.DRAFT}"]


def test_search_follows_its_issue_through_publish_unpublish_and_reschedule_at_once(client):
    from issues import workflow
    from tests.factories import editor

    boss = editor()
    entry = EntryFactory(issue=issue_in(Issue.Status.REVIEW, entries=0), title="剪枝入门")
    issue = entry.issue
    assert titles(client, "剪枝") == []
    workflow.publish(issue, boss)
    assert titles(client, "剪枝") == ["剪枝入门"]
    workflow.unpublish(issue, boss)
    assert titles(client, "剪枝") == []
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    workflow.submit_for_review(issue, boss)
    workflow.publish(issue, boss, publish_at=tomorrow)
    assert titles(client, "剪枝") == []
    # Its time comes without any save.
    assert list(Entry.objects.published(now=tomorrow + datetime.timedelta(minutes=1))) == [entry]
    # Rescheduled to another day, and then published on time by publish_scheduled.
    workflow.unpublish(issue, boss)
    workflow.submit_for_review(issue, boss)
    workflow.publish(issue, boss, publish_at=tomorrow + datetime.timedelta(days=1))
    assert list(Entry.objects.published(now=tomorrow + datetime.timedelta(minutes=1))) == []
    later = tomorrow + datetime.timedelta(days=1, minutes=1)
    assert workflow.publish_due(now=later) == [issue]
    assert list(Entry.objects.published(now=later)) == [entry]


def test_a_redated_issue_moves_its_entries_in_search_order_at_once(client):
    older = published(entries=0, date=datetime.date(2021, 1, 1))
    newer = published(entries=0, date=datetime.date(2021, 6, 1))
    EntryFactory(issue=older, title="量化 一月")
    EntryFactory(issue=newer, title="量化 六月")
    assert titles(client, "量化") == ["量化 六月", "量化 一月"]
    older.date = datetime.date(2022, 1, 1)
    older.save()
    assert titles(client, "量化") == ["量化 一月", "量化 六月"]


def test_store_search_text_fills_entries_written_in_bulk(client):
    issue = published(entries=0)
    source = SourceFactory(name="来源甲")
    Entry.objects.bulk_create([Entry(issue=issue, title=f"批量 {n}", source=source, position=n) for n in range(3)])
    assert titles(client, "批量") == []
    assert Entry.objects.filter(issue=issue).store_search_text() == 3
    Issue.objects.filter(pk=issue.pk).content_changed()
    assert titles(client, "来源甲") == ["批量 0", "批量 1", "批量 2"]
    assert Entry.objects.filter(issue=issue).store_search_text() == 0


def test_page_numbers_out_of_range_or_not_numbers_behave_as_the_paginator_does(client):
    issue = published(entries=0)
    for n in range(25):
        EntryFactory(issue=issue, title=f"芯片 {n:02d}", position=n)
    assert titles(client, "芯片", page="x")[0] == "芯片 00"
    assert titles(client, "芯片", page=0) == [f"芯片 {n}" for n in range(20, 25)]
    response = client.get("/search/", {"q": "芯片", "page": 9})
    assert [entry.title for entry in response.context["entries"]] == [f"芯片 {n}" for n in range(20, 25)]
    assert response.context["page_obj"].number == 2
    assert response.context["page_obj"].paginator.count == 25
    response = client.get("/search/", {"q": "没有", "page": 3})
    assert response.context["page_obj"].number == 1
    assert response.context["page_obj"].paginator.count == 0


def test_a_page_of_results_costs_one_query_and_its_cards_two_more_when_not_cached(client, django_assert_num_queries):
    issue = published(entries=0)
    for n in range(25):
        EntryFactory(issue=issue, title=f"芯片 {n:02d}", position=n, tags=["硬件"])
    client.get("/search/", {"q": "芯片 硬件"})
    client.get("/search/", {"q": "芯片 硬件", "page": 2})
    # The page cache's version; the page's entries (what keys their cached cards) with the total.
    with django_assert_num_queries(2):
        # page=1: the first page again, under a page-cache key of its own.
        response = client.get("/search/", {"q": "芯片 硬件", "page": "1"})
    assert response.content.decode().count('<article class="entry"') == 20
    # Cards not cached yet (other terms marked): the entries read whole, and their tags.
    with django_assert_num_queries(4):
        response = client.get("/search/", {"q": "硬件"})
    assert len(response.context["cards"]) == 20


ARCHIVE_ISSUE = """\
# 嵌入式AI简报 (2024-05-01)：示例

## 论文

- [2101.00001] [A Tiny Model | 示例媒体](https://arxiv.org/abs/2101.00001)
摘要：一个示例。
"""


def test_imported_entries_are_found_and_follow_a_reimport(client, tmp_path):
    path = tmp_path / "a.md"
    path.write_text(ARCHIVE_ISSUE, encoding="utf-8")
    import_file(path)
    assert titles(client, "tiny") == ["A Tiny Model"]
    assert titles(client, "示例媒体") == ["A Tiny Model"]
    Entry.objects.get().tags.add("量化")
    path.write_text(ARCHIVE_ISSUE.replace("A Tiny Model", "A Tinier Model"), encoding="utf-8")
    import_file(path, replace=True)
    assert titles(client, "tinier 量化") == ["A Tinier Model"]
    assert titles(client, "tiny") == []
