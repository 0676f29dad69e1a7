"""Search on /en/: English text is found in the English edition and in the original."""

import datetime

import pytest
from django.db import connection
from django.db.models import F

from entries.models import Entry
from entries.search import LoweredContains, search_matches
from tests.factories import EntryFactory
from tests.public_content import published, unpublished_issues

pytestmark = pytest.mark.django_db


def titles(client, query: str, prefix: str = "/en") -> list[str]:
    response = client.get(f"{prefix}/search/", {"q": query})
    assert response.status_code == 200
    return [str(entry.text.title) for entry in response.context["entries"]]


@pytest.fixture
def archive():
    older = published(date=datetime.date(2020, 6, 1), entries=0)
    newer = published(date=datetime.date(2021, 8, 5), entries=0)
    EntryFactory(issue=newer, title="手机上的检测器", title_en="Detectors on phones",
                 summary="摘要：很快", summary_en="Anchor-free and fast on a Snapdragon.")
    EntryFactory(issue=older, title="YOLOX: Exceeding YOLO Series", summary="anchor-free 检测器")
    EntryFactory(issue=newer, title="量化综述", summary="只有中文", summary_en="A survey of quantization.")
    EntryFactory(issue=older, title="剪枝", summary="Pruning is 剪枝")
    return older, newer


def test_english_only_text_is_found_on_the_english_site(client, archive):
    assert titles(client, "Snapdragon") == ["Detectors on phones"]
    assert titles(client, "survey") == ["量化综述"]  # found by its English summary; no English title
    assert titles(client, "phones") == ["Detectors on phones"]


def test_english_terms_in_the_original_are_found_too(client, archive):
    assert set(titles(client, "anchor-free")) == {"Detectors on phones", "YOLOX: Exceeding YOLO Series"}
    assert titles(client, "pruning") == ["剪枝"]


def test_english_title_matches_rank_first(client, archive):
    # Same issue, and a section that reads earlier: only the English title match puts the other first.
    EntryFactory(issue=archive[1], section=Entry.Section.WARMUP, title="量化到手机", summary="about phones")
    assert titles(client, "phones") == ["Detectors on phones", "量化到手机"]


def test_chinese_site_finds_the_english_edition_too_and_shows_the_original(client, archive):
    assert titles(client, "Snapdragon", prefix="") == ["手机上的检测器"]
    assert titles(client, "量化", prefix="") == ["量化综述"]


def test_results_on_the_english_site_show_english_titles_marked_and_highlighted(client, archive):
    body = client.get("/en/search/", {"q": "phones"}).content.decode()
    assert "Detectors on <mark>phones</mark>" in body
    body = client.get("/en/search/", {"q": "剪枝"}).content.decode()
    assert '<h2 class="entry-title" lang="zh-Hans">' in body


def test_english_search_never_finds_unpublished_entries(client, archive):
    for issue in unpublished_issues():
        for entry in issue.entries.all():
            entry.title_en, entry.summary_en = "Hidden English title", "Hidden English summary"
            entry.save()
        # The hidden text is in their search text: only publication keeps them out.
        assert issue.entries.filter(search_text__contains="hidden english").exists()
    assert titles(client, "Hidden") == []
    assert titles(client, "SECRET") == []
    assert titles(client, "Hidden", prefix="") == []


def test_english_search_needs_few_queries(client, archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get("/en/search/", {"q": "anchor-free phones"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_postgresql_serves_the_english_fields_from_the_trigram_index(archive):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Entry.objects.filter(LoweredContains(F("search_text"), "Snapdragon")).explain()
    queryset = search_matches("Snapdragon")
    assert "entry_search_text_trgm" in plan, plan
    assert [entry.title for entry in queryset] == ["手机上的检测器"]
