import pytest
from django.core.management import call_command

from entries.models import Entry, Source, Tag
from issues.models import Issue, IssueTransition

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "issues": sorted(Issue.objects.values_list("date", "title", "status", "headline", "lead")),
        "entries": sorted(Entry.objects.values_list("issue__date", "section", "position", "title", "url", "summary")),
        "sources": Source.objects.count(),
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "transitions": IssueTransition.objects.count(),
    }


def test_demo_content_has_a_published_an_in_review_and_a_draft_issue(capsys):
    call_command("load_demo")
    assert set(Issue.objects.values_list("status", flat=True)) == {"published", "review", "draft"}
    assert Entry.objects.count() >= 25
    assert set(Entry.objects.values_list("section", flat=True)) == set(Entry.Section.values)
    assert "admin" in capsys.readouterr().out


def test_loading_the_demo_twice_changes_nothing():
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


def test_demo_has_a_partial_english_edition_on_the_published_issue(client):
    call_command("load_demo")
    issue = Issue.objects.get(status="published")
    assert issue.title_en and issue.lead_en
    translated = issue.entries.exclude(title_en="")
    assert 0 < translated.count() < issue.entries.count()
    assert issue.entries.exclude(abstract="").exists()
    page = client.get(f"/en{issue.get_absolute_url()}").content.decode()
    assert issue.title_en in page and 'lang="zh-Hans"' in page
