"""Taking issues back out: Markdown in the briefing's format, WeChat HTML, and the admin downloads."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.urls import reverse

from entries.models import Entry
from issues.archive.exporter import export_markdown, export_wechat
from issues.archive.importer import import_file, import_parsed
from issues.archive.parser import parse_text
from issues.models import Issue
from tests.corpus import corpus_files, requires_corpus
from tests.factories import EntryFactory, IssueFactory, SourceFactory, UserFactory, superuser

pytestmark = pytest.mark.django_db


def snapshot(issue: Issue) -> dict:
    """Everything an import sets, as plain values."""
    issue.refresh_from_db()
    return {
        "issue": (issue.date, issue.title, issue.headline, issue.lead, issue.status, issue.publish_at,
                  issue.tagline, issue.warmup_intro, issue.notes),
        "entries": [
            (e.section, e.position, e.title, e.url, e.source.name if e.source else None,
             e.arxiv_id, e.venue, e.links, e.summary, e.needs_attention, e.attention_note)
            for e in issue.entries.select_related("source").order_by("section", "position")
        ],
    }


@requires_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_round_trip_import_export_import_gives_the_same_issue(path):
    result = import_file(path)
    issue = Issue.objects.get(date=result.date)
    before = snapshot(issue)
    sources_before = sorted(Issue.objects.get(pk=issue.pk).entries.exclude(source=None).values_list("source__name", flat=True))

    exported = export_markdown(issue)
    again = import_parsed(parse_text(exported, f"{path.name} (exported)"), replace=True)

    assert not again.changed, again.changes
    assert snapshot(issue) == before
    assert Issue.objects.count() == 1
    assert sorted(issue.entries.exclude(source=None).values_list("source__name", flat=True)) == sources_before


@pytest.fixture
def issue():
    issue = IssueFactory(headline="小模型/新芯片", lead="本期两条。\n第二行导读。")
    source = SourceFactory(name="示例社区")
    EntryFactory(
        issue=issue, section=Entry.Section.WARMUP, position=1, title="某公司：发布示例芯片", url="", source=None,
        summary="",
    )
    EntryFactory(
        issue=issue, section=Entry.Section.PAPERS, position=1, title="Tiny Nets", source=source,
        url="https://arxiv.org/abs/2101.00001", arxiv_id="2101.00001", venue="ICLR 2024",
        links=[{"label": "解读", "url": "https://mp.weixin.qq.com/s/example"},
               {"label": "代码", "url": "https://github.com/example/tiny"}],
        summary="第一段，**重点**。\n看 [项目主页](https://example.org/home) 了解更多。\n\n  1. 一\n  2. 二",
    )
    EntryFactory(
        issue=issue, section=Entry.Section.BLOGS, position=1, title="<script>alert(1)</script>", source=None,
        url="https://example.org/blog", summary="<b onclick='x()'>粗</b>",
    )
    return issue


def test_markdown_export_is_the_briefings_format(issue):
    text = export_markdown(issue)
    assert f"# {issue.title}：小模型/新芯片" in text
    assert "> 导读：本期两条。\n> 第二行导读。" in text
    assert "- 某公司：发布示例芯片" in text
    assert "## 论文" in text and "## 博文" in text and "## 业界新闻" not in text
    assert ("- [ICLR 2024] [2101.00001] [Tiny Nets | 示例社区](https://arxiv.org/abs/2101.00001) "
            "[[解读]](https://mp.weixin.qq.com/s/example)") in text
    assert "代码：https://github.com/example/tiny" in text
    assert "摘要：第一段，**重点**。" in text


def test_markdown_export_of_own_issue_reads_back_the_same(issue):
    before = snapshot(issue)
    result = import_parsed(parse_text(export_markdown(issue), "own.md"), publish=False, replace=True)
    assert not result.changed, result.changes
    assert snapshot(issue) == before


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_wechat_export_uses_inline_styles_only(issue):
    html = export_wechat(issue)
    parser = _Tags()
    parser.feed(html)
    tags = parser.tags
    assert tags[0][0] == "section"
    assert not any(tag in {"style", "script", "link", "div"} for tag, _ in tags)
    assert not any(set(attrs) - {"style", "href", "src", "alt"} for _, attrs in tags)
    assert all("style" in attrs for tag, attrs in tags if tag != "br")
    assert "<script>" not in html and "onclick" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_wechat_export_has_sections_entries_and_summaries(issue):
    html = export_wechat(issue)
    assert re.search(r"<h2 [^>]*>论文</h2>", html)
    assert re.search(r"<h2 [^>]*>博文</h2>", html)
    assert "[ICLR 2024] [2101.00001] Tiny Nets" in html
    assert "示例社区" in html
    assert re.search(r"<strong [^>]*>重点</strong>", html)
    assert re.search(r"<ol [^>]*>", html)


def test_wechat_export_writes_links_to_other_sites_as_text(issue):
    html = export_wechat(issue)
    assert 'href="https://github.com' not in html and 'href="https://example.org' not in html
    assert "https://github.com/example/tiny" in html
    assert "https://example.org/home" in html
    # WeChat keeps links to its own articles.
    assert 'href="https://mp.weixin.qq.com/s/example"' in html


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_issue", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_command_prints_or_writes_a_file(issue, tmp_path):
    out, _ = run(issue.date.isoformat(), "--format", "markdown")
    assert out == export_markdown(issue)
    target = tmp_path / "issue.html"
    _, err = run(issue.date.isoformat(), "--format", "wechat", "-o", str(target))
    assert target.read_text(encoding="utf-8") == export_wechat(issue)
    assert str(target) in err


def test_export_command_errors_say_what_is_wrong(issue):
    with pytest.raises(CommandError, match="not a date"):
        run("yesterday")
    with pytest.raises(CommandError, match="no issue dated 1999-01-01"):
        run("1999-01-01")
    help_text = load_command_class("issues", "export_issue").create_parser("manage.py", "export_issue").format_help()
    assert "--format" in help_text and "wechat" in help_text


def test_issue_admin_page_offers_both_downloads(client, issue):
    client.force_login(superuser())
    page = client.get(reverse("admin:issues_issue_change", args=[issue.pk]))
    markdown_url = reverse("admin:issues_issue_export", args=[issue.pk, "markdown"])
    wechat_url = reverse("admin:issues_issue_export", args=[issue.pk, "wechat"])
    assert markdown_url in page.content.decode() and wechat_url in page.content.decode()

    response = client.get(markdown_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"] == f'attachment; filename="{issue.date.isoformat()}.md"'
    assert response.content.decode() == export_markdown(issue)

    response = client.get(wechat_url)
    assert response["Content-Disposition"] == f'attachment; filename="{issue.date.isoformat()}-wechat.html"'
    assert response.content.decode() == export_wechat(issue)

    assert client.get(reverse("admin:issues_issue_export", args=[issue.pk, "pdf"])).status_code == 404


def test_downloads_need_permission_to_view_the_issue(client, issue):
    url = reverse("admin:issues_issue_export", args=[issue.pk, "markdown"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(username="staff-without-rights"))
    assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------- export -o (issue 21, finding 12)


def test_export_refuses_an_existing_file_unless_forced(issue, tmp_path):
    target = tmp_path / "issue.md"
    target.write_text("an editor's notes", encoding="utf-8")
    with pytest.raises(CommandError, match="exists.*--force"):
        run(issue.date.isoformat(), "-o", str(target))
    assert target.read_text(encoding="utf-8") == "an editor's notes"
    run(issue.date.isoformat(), "-o", str(target), "--force")
    assert target.read_text(encoding="utf-8") == export_markdown(issue)


def test_export_never_writes_through_a_symbolic_link(issue, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "issue.md"
    link.symlink_to(victim)
    with pytest.raises(CommandError, match="symbolic link"):
        run(issue.date.isoformat(), "-o", str(link))
    run(issue.date.isoformat(), "-o", str(link), "--force")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == export_markdown(issue)


def test_a_failed_write_leaves_the_existing_file_whole(issue, tmp_path):
    import resource
    import signal

    target = tmp_path / "issue.md"
    target.write_text("the previous export", encoding="utf-8")
    # A real write failure: files may not grow past 64 bytes in this process (EFBIG).
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, limits[1]))
    try:
        with pytest.raises(CommandError, match="Cannot write"):
            run(issue.date.isoformat(), "-o", str(target), "--force")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    assert target.read_text(encoding="utf-8") == "the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue.md"]
