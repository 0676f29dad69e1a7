"""Public pages of entries, tags and sources."""

import datetime

import pytest

from entries.models import Entry

from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import full_issue, issue_in, published, settle_page_cache, unpublished_issues

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_entry_page_shows_the_entry_its_issue_and_related_entries_sharing_tags(client):
    issue = published(date=datetime.date(2021, 8, 5), entries=0)
    entry = EntryFactory(issue=issue, title="YOLOX 目标检测", tags=["目标检测", "YOLO"], summary="**快**")
    related = EntryFactory(issue=published(entries=0), title="NanoDet 也很快", tags=["目标检测"])
    unrelated = EntryFactory(issue=issue, title="毫不相关", tags=["剪枝"])
    hidden = EntryFactory(issue=issue_in(Issue.Status.DRAFT, entries=0), title="SECRET 草稿", tags=["目标检测"])
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert "<h1 class=\"entry-title\">" in page and "YOLOX 目标检测" in page
    assert "<strong>快</strong>" in page
    assert f'href="{issue.get_absolute_url()}"' in page
    assert related.title in page
    assert unrelated.title not in page
    assert hidden.title not in page


@pytest.mark.parametrize("status", [Issue.Status.DRAFT, Issue.Status.REVIEW, Issue.Status.SCHEDULED])
def test_entry_of_an_unpublished_issue_is_not_found(client, status):
    entry = issue_in(status).entries.first()
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_tag_page_lists_published_entries_newest_first_paginated(client):
    old = published(date=datetime.date(2020, 1, 1), entries=0)
    new = published(date=datetime.date(2021, 1, 1), entries=0)
    EntryFactory(issue=old, title="旧条目", tags=["量化"])
    for n in range(20):
        EntryFactory(issue=new, title=f"新条目 {n}", tags=["量化"])
    EntryFactory(issue=issue_in(Issue.Status.REVIEW, entries=0), title="SECRET 审阅中", tags=["量化"])
    first = text(client.get("/tags/%E9%87%8F%E5%8C%96/"))
    assert "标签：量化" in first
    assert "21 条" in first
    assert "新条目 0" in first and "旧条目" not in first
    assert 'rel="next" href="?page=2"' in first
    second = text(client.get("/tags/%E9%87%8F%E5%8C%96/?page=2"))
    assert "旧条目" in second and "新条目" not in second
    assert "SECRET" not in first + second
    assert 'href="/tags/%E9%87%8F%E5%8C%96/feed/"' in first


def test_tag_used_only_in_unpublished_issues_is_not_found(client):
    hidden = unpublished_issues()
    for issue in hidden:
        tag = issue.entries.first().tags.first()
        assert client.get(tag.get_absolute_url()).status_code == 404


def test_source_page_lists_its_published_entries(client):
    source = SourceFactory(name="机器之心", homepage="https://www.jiqizhixin.com")
    EntryFactory(issue=published(entries=0), source=source, title="公开条目")
    EntryFactory(issue=issue_in(Issue.Status.SCHEDULED, entries=0), source=source, title="SECRET 定时")
    page = text(client.get(source.get_absolute_url()))
    assert "来源：机器之心" in page and "公开条目" in page and "SECRET" not in page
    assert 'href="https://www.jiqizhixin.com" rel="noopener"' in page


def test_source_with_only_unpublished_entries_is_not_found(client):
    hidden = unpublished_issues()
    assert client.get(hidden[0].entries.first().source.get_absolute_url()).status_code == 404


def test_tag_index_counts_only_published_entries(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, tags=["量化"])
    EntryFactory(issue=issue, tags=["量化"])
    for status in (Issue.Status.DRAFT, Issue.Status.REVIEW, Issue.Status.SCHEDULED):
        EntryFactory(issue=issue_in(status, entries=0), tags=["量化", "SECRET"])
    page = text(client.get("/tags/"))
    assert "量化 <span class=\"count\">(2)</span>" in page
    assert "SECRET" not in page


def test_source_index_counts_only_published_entries(client):
    source = SourceFactory(name="机器之心")
    EntryFactory(issue=published(entries=0), source=source)
    EntryFactory(issue=issue_in(Issue.Status.DRAFT, entries=0), source=source)
    unpublished_issues()
    page = text(client.get("/sources/"))
    assert "机器之心" in page and "(1)" in page and "SECRET" not in page


def test_external_links_get_noopener_and_unsafe_links_are_dropped(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, summary="见 [论文](https://arxiv.org/abs/1) 和 https://github.com/x/y")
    # Saving refuses such a link; a row written before that rule may still hold one.
    Entry.objects.filter(pk=entry.pk).update(
        links=[{"label": "代码", "url": "https://github.com/x/y"}, {"label": "坏", "url": "javascript:alert(1)"}],
    )
    page = text(client.get(entry.get_absolute_url()))
    assert '<a href="https://arxiv.org/abs/1" rel="noopener noreferrer">论文</a>' in page
    assert '<a href="https://github.com/x/y" rel="noopener noreferrer">' in page
    assert "[坏]" not in page and "javascript:" not in page


def test_tag_and_entry_pages_need_few_queries_however_many_entries(client, django_assert_max_num_queries):
    full_issue(entries=5)
    settle_page_cache(client)
    with django_assert_max_num_queries(8) as few:
        assert client.get("/tags/%E9%87%8F%E5%8C%96/").status_code == 200
    full_issue(entries=40)
    settle_page_cache(client)
    with django_assert_max_num_queries(8) as many:
        assert client.get("/tags/%E9%87%8F%E5%8C%96/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    entry = full_issue(entries=40).entries.first()
    for url in (entry.get_absolute_url(), "/tags/", "/sources/", entry.source.get_absolute_url()):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_the_english_edition_names_extra_links_in_english(client):
    from tests.factories import EntryFactory, published_issue

    issue = published_issue(entries=0)
    EntryFactory(issue=issue, links=[
        {"label": "代码", "url": "https://github.com/example/fast"}, {"label": "机器之心解读", "url": "https://example.org/r"},
    ])
    original = issue.get_absolute_url()
    english = client.get("/en" + original).content.decode()
    assert ">[code]</a>" in english and ">[代码]</a>" not in english
    assert ">[机器之心解读]</a>" in english  # a label without an English word stays as written
    assert ">[代码]</a>" in client.get(original).content.decode()
