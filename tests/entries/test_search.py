"""Search: Chinese and English terms, ordering, pagination, and nothing unpublished."""

import datetime

import pytest
from django.db import connection
from django.db.models import F

from entries.models import Entry
from entries.search import LoweredContains, parse_terms, search_matches
from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import issue_in, published, unpublished_issues

pytestmark = pytest.mark.django_db


def titles(client, query: str, page: int = 1) -> list[str]:
    response = client.get("/search/", {"q": query, "page": page})
    assert response.status_code == 200
    return [entry.title for entry in response.context["entries"]]


@pytest.fixture
def archive():
    older = published(date=datetime.date(2020, 6, 1), entries=0)
    newer = published(date=datetime.date(2021, 8, 5), entries=0)
    EntryFactory(issue=older, title="模型量化入门", summary="基础知识")
    EntryFactory(issue=newer, title="端侧推理综述", summary="涵盖剪枝与量化两种方法")
    EntryFactory(issue=newer, title="国产芯片跑大模型", summary="NPU 实测")
    EntryFactory(issue=newer, title="RISC-V 向量扩展上的推理", summary="编译器后端", tags=["RISC-V"])
    EntryFactory(issue=older, title="YOLOX: Exceeding YOLO Series in 2021", summary="anchor-free 检测器")
    EntryFactory(issue=newer, title="低比特部署", summary="用 INT8 推理，速度翻倍")
    EntryFactory(issue=newer, title="一篇新闻", summary="普通内容", source=SourceFactory(name="机器之心"))
    EntryFactory(issue=older, title="边缘设备上的检测", summary="没有关键词", tags=["目标检测"])
    return older, newer


def test_two_character_chinese_terms_are_found(client, archive):
    assert set(titles(client, "量化")) == {"模型量化入门", "端侧推理综述"}
    assert titles(client, "芯片") == ["国产芯片跑大模型"]


def test_english_terms_are_found_whatever_their_case_and_punctuation(client, archive):
    assert titles(client, "RISC-V") == ["RISC-V 向量扩展上的推理"]
    assert titles(client, "yolox") == ["YOLOX: Exceeding YOLO Series in 2021"]
    assert titles(client, "int8") == ["低比特部署"]


def test_longer_chinese_terms_source_names_and_tags_are_found(client, archive):
    assert titles(client, "向量扩展") == ["RISC-V 向量扩展上的推理"]
    assert titles(client, "机器之心") == ["一篇新闻"]
    assert titles(client, "目标检测") == ["边缘设备上的检测"]


def test_title_matches_come_before_summary_matches_and_newer_before_older(client, archive):
    # The title match is in the older issue, the summary match in the newer one.
    assert titles(client, "量化") == ["模型量化入门", "端侧推理综述"]
    newest = published(date=datetime.date(2022, 1, 1), entries=0)
    EntryFactory(issue=newest, title="量化感知训练")
    assert titles(client, "量化") == ["量化感知训练", "模型量化入门", "端侧推理综述"]


def test_a_title_match_comes_first_whatever_the_case_of_the_term(client, archive):
    older, newer = archive
    EntryFactory(issue=newer, title="单阶段检测器对比", summary="和 yolox 比较")
    # The title holds YOLOX in capitals, in the older issue; the newer entry only in its summary.
    assert titles(client, "yolox") == ["YOLOX: Exceeding YOLO Series in 2021", "单阶段检测器对比"]
    assert titles(client, "YoloX") == ["YOLOX: Exceeding YOLO Series in 2021", "单阶段检测器对比"]


def test_every_term_must_match(client, archive):
    assert titles(client, "推理 RISC-V") == ["RISC-V 向量扩展上的推理"]
    assert titles(client, "量化 剪枝") == ["端侧推理综述"]


def test_search_never_finds_unpublished_entries(client, archive):
    unpublished_issues()
    for status in (Issue.Status.DRAFT, Issue.Status.REVIEW, Issue.Status.SCHEDULED):
        EntryFactory(issue=issue_in(status, entries=0), title=f"量化 {status}")
    # The marker is in the hidden entries' titles, summaries, sources and tags.
    for query in ("SECRET", "SECRET source", "SECRET-tag", "SECRET summary"):
        response = client.get("/search/", {"q": query})
        assert response.context["page_obj"].paginator.count == 0, query
        assert "找到 0 条" in response.content.decode()
    assert set(titles(client, "量化")) == {"模型量化入门", "端侧推理综述"}


def test_results_are_paginated_and_keep_the_query(client):
    issue = published(entries=0)
    for n in range(25):
        EntryFactory(issue=issue, title=f"芯片 {n:02d}", position=n)
    assert len(titles(client, "芯片")) == 20
    assert len(titles(client, "芯片", page=2)) == 5
    page = client.get("/search/", {"q": "芯片"}).content.decode()
    assert "找到 25 条" in page
    assert 'rel="next" href="?q=%E8%8A%AF%E7%89%87&amp;page=2"' in page


def test_empty_query_finds_nothing_and_says_what_search_covers(client, archive):
    response = client.get("/search/", {"q": "  "})
    assert response.status_code == 200
    assert list(response.context["entries"]) == []
    assert "搜索所有已发布条目的标题、摘要、来源与标签" in response.content.decode()


def test_search_results_page_is_not_indexed_and_shows_the_query_escaped(client, archive):
    page = client.get("/search/", {"q": '<script>alert(1)</script>'}).content.decode()
    assert '<meta name="robots" content="noindex, follow">' in page
    assert "<script>alert(1)</script>" not in page


def test_parse_terms_splits_on_whitespace_and_drops_repeats():
    assert parse_terms("  量化  RISC-V 量化 risc-v ") == ["量化", "RISC-V"]
    assert parse_terms("") == []
    assert len(parse_terms(" ".join(str(n) for n in range(20)))) == 8


def test_search_needs_few_queries(client, archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get("/search/", {"q": "量化 推理"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_postgresql_answers_longer_terms_from_the_trigram_index(archive):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
        assert {row[0] for row in cursor.fetchall()} == {"entry_search_text_trgm"}
        # C.UTF-8 classifies CJK characters as letters, so pg_trgm makes trigrams of them;
        # plain C does not, and Chinese terms would then be answered by scans (see README).
        cursor.execute("SELECT coalesce(array_length(show_trgm('模型压缩'), 1), 0), current_setting('lc_ctype')")
        trigrams, ctype = cursor.fetchone()
        assert trigrams > 0, f"LC_CTYPE {ctype} makes pg_trgm ignore Chinese: create the database with C.UTF-8"
    for term in ("向量扩展", "机器之心", "目标检测", "RISC-V"):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = Entry.objects.filter(LoweredContains(F("search_text"), term)).explain()
        # With sequential scans priced out, a term is answered from the one trigram index
        # (sources and tags included): the planner can use it, so it will when it matters.
        assert "entry_search_text_trgm" in plan, plan
    assert [entry.title for entry in search_matches("向量扩展")] == ["RISC-V 向量扩展上的推理"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pairs index exists on PostgreSQL only")
def test_postgresql_answers_two_character_terms_from_the_index_of_character_pairs(archive):
    EntryFactory(issue=archive[1], title="端侧 AI 芯片", summary="")
    for term in ("芯片", "AI", "量化"):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = Entry.objects.filter(LoweredContains(F("search_text"), term)).explain()
        assert "entry_search_text_bigrams" in plan, plan
    # The pairs answer exactly: no false match from characters that are only near each other.
    assert "端侧 AI 芯片" in [entry.title for entry in search_matches("芯片")]
    assert "端侧 AI 芯片" in [entry.title for entry in search_matches("ai")]
    assert list(search_matches("片端")) == []


def test_search_marks_the_terms_in_result_titles(client, archive):
    page = client.get("/search/", {"q": "risc-v 推理"}).content.decode()
    assert "<mark>RISC-V</mark> 向量扩展上的<mark>推理</mark>" in page


def test_like_wildcards_in_a_term_are_matched_literally(client, archive):
    EntryFactory(issue=archive[1], title="剪枝 50% 之后", summary="")
    assert titles(client, "50%") == ["剪枝 50% 之后"]
    assert titles(client, "%") == ["剪枝 50% 之后"]
    assert titles(client, "_") == []


def test_wildcards_in_a_term_do_not_rank_a_title_first(client, archive):
    older, newer = archive
    # As a LIKE pattern, int_8 would match the title "int48 对比", which only mentions it in its summary.
    EntryFactory(issue=newer, title="int48 对比", summary="和 int_8 格式比较")
    EntryFactory(issue=older, title="INT_8 量化格式", summary="")
    assert titles(client, "int_8") == ["INT_8 量化格式", "int48 对比"]


def test_a_two_character_search_over_a_huge_summary_answers_within_the_public_time_bound(client, settings):
    # The pairs of a 100,000-character text were once computed in quadratic
    # time: one such entry took 30 s to save and to match. Within the public
    # statement timeout, the page now answers and finds it.
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 3000
    issue = published(entries=0)
    EntryFactory(issue=issue, title="长文", summary="量化" * 25_000 + "zz" + "推理" * 25_000)
    EntryFactory(issue=issue, title="短文", summary="没有")
    assert titles(client, "zz") == ["长文"]
    assert titles(client, "量化") == ["长文"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pairs index is PostgreSQL's")
def test_the_pairs_index_holds_every_pair_of_adjacent_characters_once():
    text = "量化芯片 ai 量化"
    with connection.cursor() as cursor:
        cursor.execute("SELECT briefing_bigrams(%s)", [text])
        pairs = cursor.fetchone()[0]
    assert sorted(pairs) == sorted({text[i:i + 2] for i in range(len(text) - 1)})
    with connection.cursor() as cursor:
        cursor.execute("SELECT briefing_bigrams('a'), briefing_bigrams('')")
        assert cursor.fetchone() == ([], [])
