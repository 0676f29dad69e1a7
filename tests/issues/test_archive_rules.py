"""The archive's rules on text shaped like real files (the project's own words, no corpus text).

Labeled link lines, malformed entries, notes, boilerplate, strictness, and
hostile files: each rule of issues 20 and 21 (findings 8 to 10) on a small
sample, beside the corpus-wide tests in test_import.py and test_import_save.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from entries.models import Entry, Source
from issues.archive.parser import INDUSTRY, MAX_LINE_CHARS, PAPERS, WARMUP, ParseError, parse_text
from issues.models import Issue

HEAD = "# 嵌入式AI简报 (2024-06-01)\n\n"


def parsed_entry(body: str, section: str = "论文"):
    return parse_text(f"{HEAD}## {section}\n\n{body}", "x.md").entries[0]


# ---------------------------------------------------------------------------- link lines


@pytest.mark.parametrize("line, label, url", [
    ("代码1：https://github.com/a/one", "代码1", "https://github.com/a/one"),
    ("代码2: https://github.com/a/two", "代码2", "https://github.com/a/two"),
    ("演示：https://example.org/demo", "演示", "https://example.org/demo"),
    ("视频：https://example.org/v", "视频", "https://example.org/v"),
    ("项目地址：www.example.org", "项目地址", "http://www.example.org"),
    ("网站：https://example.org", "网站", "https://example.org"),
    ("回放：https://example.org/replay", "回放", "https://example.org/replay"),
    ("开源项目地址：https://github.com/a/b", "开源项目地址", "https://github.com/a/b"),
    ("框架：https://example.org/fw", "框架", "https://example.org/fw"),
    ("  代码：https://github.com/a/indented", "代码", "https://github.com/a/indented"),
    ("Slides : https://example.org/s.pdf", "Slides", "https://example.org/s.pdf"),
])
def test_any_labeled_link_line_becomes_an_extra_link(line, label, url):
    entry = parsed_entry(f"- [标题 | 某媒体](https://example.org/main)\n{line}\n摘要：正文。\n")
    assert entry.links == [{"label": label, "url": url}]
    assert entry.summary == "正文。"


def test_summary_marker_is_stripped_after_link_lines():
    entry = parsed_entry(
        "- [标题](https://example.org/main)\n代码1：https://github.com/a/one\n代码2：https://github.com/a/two\n"
        "摘要：微软提出一个方法。\n"
    )
    assert [link["label"] for link in entry.links] == ["代码1", "代码2"]
    assert entry.summary == "微软提出一个方法。"


def test_a_sentence_ending_in_a_link_stays_in_the_summary():
    entry = parsed_entry("- [标题](https://example.org/main)\n摘要：正文。\n另外，更多细节见：https://example.org/more\n")
    assert entry.links == []
    assert "更多细节见" in entry.summary


# ---------------------------------------------------------------------------- malformed entries


def test_a_link_cut_off_keeps_title_and_publisher_and_needs_attention():
    text = f"{HEAD}## 博文\n\n- [C/C++ 程序的性能分析方法 | 某技术号](\n摘要：\n- [下一条 | 某媒体](https://example.org/next)\n"
    parsed = parse_text(text, "cut.md")
    entry = parsed.entries[0]
    assert (entry.title, entry.publisher, entry.url, entry.venue) == ("C/C++ 程序的性能分析方法", "某技术号", "", "")
    assert entry.attention
    assert any(w.format("cut.md").startswith("cut.md:5: the link's parenthesis is never closed") for w in parsed.warnings)
    assert parsed.entries[1].title == "下一条"


def test_an_issue_with_an_entry_needing_attention_imports_as_a_draft(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(f"{HEAD}## 博文\n\n- [坏掉的链接 | 某技术号](\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_briefings", str(path), "--no-progress", stdout=out, stderr=err)
    entry = Entry.objects.get()
    assert entry.needs_attention and entry.title == "坏掉的链接" and entry.source.name == "某技术号"
    assert Issue.objects.get().status == Issue.Status.DRAFT
    assert "a.md:5: the link's parenthesis is never closed" in err.getvalue()
    assert "1 needing attention" in out.getvalue()


# ---------------------------------------------------------------------------- notes, intro, boilerplate


def test_a_paragraph_after_the_lead_is_a_note_not_part_of_the_lead():
    parsed = parse_text(f"{HEAD}> 导读：本期两条。\n\n另一段话，写给读者。\n\n## 论文\n- [T](https://example.org/t)\n", "x.md")
    assert parsed.lead == "本期两条。"
    assert parsed.notes == [{"section": WARMUP, "before": 0, "text": "另一段话，写给读者。"}]


def test_a_stray_copy_of_a_warmup_item_is_left_out_with_a_warning():
    parsed = parse_text(f"{HEAD}热身小新闻：\n\n- 甲公司：发布新芯片；\n甲公司：发布新芯片；\n- 乙公司：开源工具。\n", "x.md")
    first = parsed.entries_in(WARMUP)[0]
    assert first.summary == ""
    assert any(w.line == 6 and "repeats the warm-up item on line 5" in w.message for w in parsed.warnings)


def test_boilerplate_is_listed_in_the_import_output(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(
        f"{HEAD}## 论文\n\n- [T | 媒体](https://example.org/t)\n\n----\n\nEditor: someone\n\n![wechat_qrcode](../qr.jpg)\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_briefings", str(path), "--no-progress", stdout=out, stderr=err)
    assert "skipped boilerplate: lines 7–11 (footer)" in err.getvalue()
    assert "1 blocks of boilerplate skipped" in out.getvalue()


def test_strict_fails_for_lost_content_not_for_normalisation(tmp_path):
    harmless = tmp_path / "harmless.md"
    harmless.write_text(f"{HEAD}## 开源项目\n\n- [a/b：工具](https://github.com/a/b)\n代码：https://github.com/a/b\n", encoding="utf-8")
    call_command("import_briefings", str(harmless), "--strict", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    assert Issue.objects.count() == 1
    broken = tmp_path / "broken.md"
    broken.write_text(f"# 嵌入式AI简报 (2024-06-15)\n\n## 论文\n\n- [T | 媒体](\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.md:5"):
        call_command("import_briefings", str(broken), "--strict", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    assert Issue.objects.count() == 1


# ---------------------------------------------------------------------------- hostile files (issue 21, finding 8)


def test_a_deeply_nested_summary_imports(tmp_path):
    nested = "".join("  " * depth + "- 层\n" for depth in range(1, 120))
    path = tmp_path / "nested.md"
    path.write_text(f"{HEAD}## 论文\n\n- [T](https://example.org/t)\n摘要：\n{nested}", encoding="utf-8")
    call_command("import_briefings", str(path), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    assert Entry.objects.get().summary_html


@pytest.mark.parametrize("line", ["[x](" * (MAX_LINE_CHARS // 4 - 100), "[" * (MAX_LINE_CHARS - 100)])
@pytest.mark.parametrize("where", ["- {}\n", "热身：\n\n- {}\n", "## 论文\n- [t](https://example.org/t) {}\n"])
def test_long_lines_of_brackets_parse_in_linear_time(line, where):
    # Quadratic matching took minutes on such a line; one pass over it takes milliseconds.
    parsed = parse_text(HEAD + where.format(line), "x.md")
    assert parsed.entries


def test_an_overlong_line_or_file_fails_alone_with_its_line_and_the_next_file_imports(tmp_path, settings):
    (tmp_path / "a-long.md").write_text(f"{HEAD}## 论文\n\n- {'[x](' * 25_000}\n", encoding="utf-8")
    huge = tmp_path / "b-huge.md"
    with huge.open("w", encoding="utf-8") as handle:
        handle.write(HEAD + "## 论文\n\n")
        handle.write(("- [T](https://example.org/t)\n摘要：" + "很长的摘要。" * 100 + "\n") * 4000)
    (tmp_path / "c-good.md").write_text(f"# 嵌入式AI简报 (2024-07-01)\n\n## 论文\n\n- [T | 媒体](https://example.org/t)\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_briefings", str(tmp_path), "--no-progress", stdout=io.StringIO(), stderr=err)
    assert "a-long.md:5: the line is 100,002 characters long" in str(failure.value)
    assert "b-huge.md:1: the file is" in str(failure.value)
    assert list(Issue.objects.values_list("date", flat=True)) == [Issue.objects.get(date="2024-07-01").date]


def test_a_too_long_line_is_a_parse_error_naming_it():
    with pytest.raises(ParseError) as error:
        parse_text(f"{HEAD}## 论文\n\n- {'[' * (MAX_LINE_CHARS + 1)}\n", "x.md")
    assert error.value.line == 5


# ---------------------------------------------------------------------------- other schemes (finding 10)


def test_links_that_are_not_web_addresses_are_left_out_and_flagged(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(
        f"{HEAD}## 论文\n\n- [T | 媒体](javascript:alert(document.domain))\n代码：javascript://mp.weixin.qq.com/%0aalert(1)\n"
        "- [U | 媒体](https://example.org/u) [[坏]](data:text/html,x)\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    call_command("import_briefings", str(path), "--no-progress", stdout=io.StringIO(), stderr=err)
    for entry in Entry.objects.all():
        for url in entry.link_urls():
            assert url.startswith(("http://", "https://"))
    first = Entry.objects.get(title="T")
    assert first.needs_attention and first.url == ""
    assert "a.md:5:" in err.getvalue() and "is not a web address" in err.getvalue()


def test_saving_an_entry_with_a_script_link_is_refused(db):
    from django.core.exceptions import ValidationError

    from tests.factories import EntryFactory

    entry = EntryFactory(url="https://example.org/ok")
    entry.links = [{"label": "x", "url": "javascript:alert(1)"}]
    with pytest.raises(ValidationError):
        entry.save()
    entry.refresh_from_db()
    assert entry.links == []


# ---------------------------------------------------------------------------- import, then save


def import_text(tmp_path, text: str) -> Issue:
    path = tmp_path / "x.md"
    path.write_text(text, encoding="utf-8")
    call_command("import_briefings", str(path), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    return Issue.objects.get()


def test_a_title_with_its_own_bar_keeps_it_through_a_save(tmp_path):
    import_text(tmp_path, f"{HEAD}## 博文\n\n- [某实验室 | 自动定制高效网络结构(文末论文及源码) | 某视觉号](https://mp.weixin.qq.com/s/abc)\n")
    entry = Entry.objects.get()
    assert (entry.title, entry.source.name) == ("某实验室 | 自动定制高效网络结构(文末论文及源码)", "某视觉号")
    entry.save()
    entry.refresh_from_db()
    assert (entry.title, entry.source.name) == ("某实验室 | 自动定制高效网络结构(文末论文及源码)", "某视觉号")


def test_import_applies_link_recognition_as_a_save_would(tmp_path):
    import_text(tmp_path, (
        f"{HEAD}## 论文\n\n- [一篇论文](https://arxiv.org/abs/2009.00278v2)\n"
        "- [解读文章 | 某媒体](https://mp.weixin.qq.com/s/xyz)\n链接：https://arxiv.org/pdf/2010.01234v1.pdf\n"
        "## 开源项目\n\n- [owner/tool：一个工具](https://github.com/owner/tool)\n"
    ))
    paper = Entry.objects.get(title="一篇论文")
    assert (paper.url, paper.arxiv_id, paper.source.name) == ("https://arxiv.org/abs/2009.00278", "2009.00278", "arXiv")
    assert Entry.objects.get(title="解读文章").arxiv_id == "2010.01234"
    assert Entry.objects.get(title="owner/tool：一个工具").source.name == "GitHub"


def test_markdown_in_titles_is_rendered_on_pages_and_exports_and_plain_in_feeds(tmp_path, client):
    import feedparser

    from issues.archive.exporter import export_markdown, export_wechat

    issue = import_text(tmp_path, f"{HEAD}## 业界新闻\n\n- [成立全资子公司**某芯片**有限公司 | 某媒体](https://example.org/chip)\n")
    entry = Entry.objects.get()
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "<strong>某芯片</strong>" in page and "**" not in page
    assert "某芯片</strong>" in export_wechat(issue) and "**" not in export_wechat(issue)
    assert "**某芯片**" in export_markdown(issue)
    detail = client.get(entry.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="成立全资子公司某芯片有限公司">' in detail
    source_feed = feedparser.parse(client.get(entry.source.get_absolute_url() + "feed/").content)
    assert source_feed.entries[0].title == "成立全资子公司某芯片有限公司"


def test_wechat_export_writes_no_link_that_is_not_a_web_address(db):
    from issues.archive.exporter import export_wechat
    from tests.factories import EntryFactory, IssueFactory

    issue = IssueFactory()
    entry = EntryFactory(issue=issue, url="https://example.org/ok")
    # A row stored before links were checked on save.
    Entry.objects.filter(pk=entry.pk).update(
        url="javascript://mp.weixin.qq.com/%0aalert(1)", links=[{"label": "x", "url": "javascript:alert(1)"}],
    )
    assert "javascript:" not in export_wechat(issue)


def test_a_summary_over_the_editors_limit_fails_with_its_line(tmp_path):
    from briefing.limits import MARKDOWN_MAX_LENGTH

    path = tmp_path / "long.md"
    long_summary = "\n".join(["很长的一段摘要。" * 100] * (MARKDOWN_MAX_LENGTH // 800 + 2))
    path.write_text(f"{HEAD}## 论文\n\n- [T | 媒体](https://example.org/t)\n摘要：{long_summary}\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"long\.md:5: the entry's summary is [\d,]+ characters long"):
        call_command("import_briefings", str(path), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Issue.objects.exists()
