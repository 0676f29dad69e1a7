"""Exporting the English edition: export_issue --language en and the admin's ?language=en."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.urls import reverse

from entries.models import Entry
from issues.archive.exporter import export_issue, export_markdown
from issues.archive.importer import import_parsed
from issues.archive.parser import parse_text
from tests.factories import EntryFactory, IssueFactory, SourceFactory, superuser
from tests.issues.test_export import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory(headline="小模型/新芯片", headline_en="Small models/new chips", lead="本期两条。",
                         title_en="Embedded AI Briefing")
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=1, title="微型网络", title_en="Tiny Nets",
                 source=SourceFactory(name="示例社区"), url="https://arxiv.org/abs/2101.00001",
                 summary="第一段，**重点**。", summary_en="First paragraph, **the point**.")
    EntryFactory(issue=issue, section=Entry.Section.BLOGS, position=1, title="只有中文的博文",
                 url="https://example.org/blog", summary="中文摘要。")
    return issue


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_issue", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_english_markdown_uses_english_where_written_and_the_original_elsewhere(issue):
    text = run(issue.date.isoformat(), "--format", "markdown", "--language", "en")
    assert f"# Embedded AI Briefing ({issue.date.isoformat()})：Small models/new chips" in text
    assert "> 导读：本期两条。" in text  # no English lead: the original
    assert "[Tiny Nets | 示例社区](https://arxiv.org/abs/2101.00001)" in text
    assert "摘要：First paragraph, **the point**." in text
    assert "[只有中文的博文 | " in text and "摘要：中文摘要。" in text
    assert "微型网络" not in text and "小模型" not in text


def test_english_markdown_still_parses_as_the_briefings_format(issue):
    parsed = parse_text(export_issue(issue, "markdown", "en"), "english.md")
    titles = [entry.title for entry in parsed.entries]
    assert titles == ["Tiny Nets", "只有中文的博文"]


def test_default_export_is_the_chinese_original_and_round_trips(issue):
    before = snapshot(issue)
    original = run(issue.date.isoformat(), "--format", "markdown")
    assert original == run(issue.date.isoformat(), "--format", "markdown", "--language", "zh-Hans")
    assert original == export_markdown(issue)
    assert "Tiny Nets" not in original and "微型网络" in original
    result = import_parsed(parse_text(original, "own.md"), publish=False)
    assert not result.changed, result.changes
    assert snapshot(issue) == before


def test_english_wechat_export(issue):
    html = run(issue.date.isoformat(), "--format", "wechat", "--language", "en")
    assert "Tiny Nets" in html and "<strong" in html and "the point" in html
    assert "只有中文的博文" in html and "中文摘要" in html


def test_unknown_language_is_refused_with_the_choices(issue):
    with pytest.raises(CommandError, match="invalid choice: 'fr'"):
        run(issue.date.isoformat(), "--language", "fr")
    with pytest.raises(ValueError, match="zh-hans, en"):
        export_issue(issue, "markdown", "fr")
    help_text = load_command_class("issues", "export_issue").create_parser("manage.py", "export_issue").format_help()
    assert "--language" in help_text


def test_admin_download_takes_a_language(client, issue):
    client.force_login(superuser())
    url = reverse("admin:issues_issue_export", args=[issue.pk, "markdown"])
    response = client.get(url, {"language": "en"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{issue.date.isoformat()}-en.md"'
    assert response.content.decode() == export_issue(issue, "markdown", "en")
    assert "Tiny Nets" in response.content.decode()
    assert client.get(url).content.decode() == export_issue(issue, "markdown")
    assert client.get(url, {"language": "fr"}).status_code == 404


def test_issue_admin_page_offers_the_english_download(client, issue):
    client.force_login(superuser())
    page = client.get(reverse("admin:issues_issue_change", args=[issue.pk])).content.decode()
    url = reverse("admin:issues_issue_export", args=[issue.pk, "markdown"]) + "?language=en"
    assert f'href="{url}"' in page
