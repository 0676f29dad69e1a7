"""Entries, sources and tags as editors and readers meet them."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from entries.forms import EntryForm, LinksField
from entries.links import normalize_url
from entries.models import Entry, Source, Tag
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, SourceFactory, published_issue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, slug", [("量化", "量化"), ("模型压缩", "模型压缩"), ("RISC-V", "risc-v"), ("INT8 量化", "int8-量化")])
def test_tag_slugs_keep_chinese_readable(name, slug):
    assert Tag.objects.create(name=name).slug == slug


def test_tags_differing_only_in_punctuation_get_unique_slugs():
    first = Tag.objects.create(name="C++")
    second = Tag.objects.create(name="C")
    assert first.slug and second.slug and first.slug != second.slug


def test_tagging_an_entry_with_chinese_names_creates_readable_tags():
    entry = EntryFactory()
    entry.tags.set(["量化", "模型压缩"])
    assert sorted(entry.tags.values_list("slug", flat=True)) == ["模型压缩", "量化"]


def test_source_slug_comes_from_its_name():
    assert Source.objects.create(name="机器之心").slug == "机器之心"
    assert Source.objects.create(name="Papers with Code").slug == "papers-with-code"


def test_summary_is_rendered_and_sanitized_on_save():
    entry = EntryFactory(summary="**粗体**<script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>粗体</strong>" in entry.summary_html
    assert "<script" not in entry.summary_html
    assert 'href="javascript:' not in entry.summary_html


def test_bare_urls_in_summaries_become_links():
    entry = EntryFactory(summary="代码：https://github.com/owner/repo")
    assert 'href="https://github.com/owner/repo"' in entry.summary_html


def test_non_http_url_is_refused_on_the_field():
    entry = EntryFactory.build(issue=IssueFactory(), url="ftp://example.com/x", source=None)
    with pytest.raises(ValidationError) as exc:
        entry.full_clean()
    assert "http://" in exc.value.message_dict["url"][0]


def test_an_entry_without_a_link_is_allowed_in_any_section_with_a_note():
    issue = IssueFactory()
    for section in Entry.Section:
        entry = Entry(issue=issue, section=section, title="公司：新闻一句话")
        entry.full_clean()
        with translation.override("en"):
            assert entry.notes() == ["No link: readers get the title and summary only."]
    assert EntryFactory.build(issue=issue).notes() == []


def test_owner_repo_title_in_open_source_projects_fills_the_link():
    entry = EntryFactory(section=Entry.Section.PROJECTS, url="", source=None, title="alibaba/MNN：轻量级推理引擎")
    assert entry.url == "https://github.com/alibaba/MNN"
    assert entry.source.name == "GitHub"
    assert entry.notes() == []


def test_same_link_twice_in_one_issue_is_an_error_naming_the_other_entry():
    first = EntryFactory(url="https://example.com/a", title="第一条")
    twin = Entry(issue=first.issue, section=Entry.Section.BLOGS, title="第二条", url="https://EXAMPLE.com/a/?utm_source=x")
    with pytest.raises(ValidationError) as exc:
        twin.full_clean()
    assert "第一条" in exc.value.message_dict["url"][0]


def test_link_used_in_an_earlier_issue_is_a_warning_naming_that_issue():
    old = EntryFactory(url="https://example.com/a")
    later_issue = IssueFactory()
    again = EntryFactory(issue=later_issue, url="https://example.com/a")
    again.full_clean()  # not an error
    warnings = again.duplicate_warnings()
    assert len(warnings) == 1 and old.issue.title in warnings[0] and old.issue.date.isoformat() in warnings[0]


def test_extra_links_are_edited_one_per_line_and_validated_with_their_line_number():
    field = LinksField(required=False)
    assert field.clean("代码: https://github.com/a/b\n论文：https://arxiv.org/abs/1234.5678") == [
        {"label": "代码", "url": "https://github.com/a/b"},
        {"label": "论文", "url": "https://arxiv.org/abs/1234.5678"},
    ]
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            field.clean("代码: https://github.com/a/b\nslides: javascript:alert(1)")
        assert "Line 2" in exc.value.messages[0]


def test_entry_form_reports_a_bad_url_on_its_field():
    form = EntryForm(data={"section": Entry.Section.PAPERS, "position": 1, "title": "t", "url": "javascript:alert(1)"})
    assert not form.is_valid()
    assert "url" in form.errors


def test_normalized_urls_ignore_case_trailing_slash_and_tracking():
    assert normalize_url("HTTP://Example.COM/a/?utm_source=wechat&b=1") == normalize_url("https://example.com/a?b=1")


def test_published_entries_are_only_those_of_public_issues():
    visible = published_issue(entries=2)
    hidden = IssueFactory()
    EntryFactory(issue=hidden)
    assert set(Entry.objects.published().values_list("issue", flat=True)) == {visible.pk}
    assert hidden.status == Issue.Status.DRAFT


def test_source_entry_counts_ignore_unpublished_entries():
    source = SourceFactory(name="量子位")
    EntryFactory(issue=published_issue(entries=0), source=source)
    EntryFactory(issue=IssueFactory(), source=source)
    assert Source.objects.with_published_entry_counts().get(pk=source.pk).entry_count == 1


def test_tag_suggestions_are_for_staff_and_put_prefix_matches_first(client):
    from tests.factories import contributor

    Tag.objects.create(name="低比特量化")
    Tag.objects.create(name="量化")
    assert client.get("/admin/entries/tag/suggest/?q=量化").status_code == 302
    client.force_login(contributor())
    assert client.get("/admin/entries/tag/suggest/?q=量化").json() == {"tags": ["量化", "低比特量化"]}
