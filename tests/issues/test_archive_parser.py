"""Reading one briefing file into plain data: what an editor's Markdown turns into.

The sample below is the project's own writing, shaped like the archive's files
(including what real files get wrong); no corpus text is copied here.
"""

from __future__ import annotations

import datetime

import pytest

from issues.archive.parser import (
    BLOGS, INDUSTRY, PAPERS, PROJECTS, WARMUP, ParseError, parse_file, parse_text,
)

SAMPLE = """\
---
layout: default
---

# 嵌入式AI简报 (2024-03-09)：测试芯片/小模型/量化工具  

**示例标语**  
<font>注：这是一条说明</font>

> 导读：本期5条，示例导读。
第二行导读，带[链接](https://example.org/lead)。

好了，先是一些热身小新闻：

- 甲公司：发布了一款示例芯片；
– 乙公司：[开源了示例工具](https://example.org/tool)，速度更快；
- [丙公司公布季度数据](https://example.org/q)。

> 注：示例注释

## 业界新闻  

- [示例芯片发布会 | 示例媒体](https://mp.weixin.qq.com/s/AAAA?x=1&y=2)  
摘要：第一段摘要，**加粗**内容。  
第二段继续。  
    1. 嵌套列表一；
    2. 嵌套列表二。
- [没有链接的新闻 | 示例媒体]()
摘要 没有冒号的摘要。

## 论文

- [2101.00001] [A Small Model for Tiny Chips | 示例媒体](https://arxiv.org/abs/2101.00001) [[解读]](https://example.org/read) [代码解读](https://example.org/code-read)
代码：https://github.com/example/tiny
论文：https://arxiv.org/abs/2101.00001v2
摘要：关于小模型的论文。
- [ICLR 2024][2102.00002v3] [Quantize Everything](https://arxiv.org/abs/2102.00002)

## 开源项目

> 注：每条内容前缀为仓库名。

- [example/tiny：一个示例仓库 | 示例社区](https://github.com/example/tiny)
项目：https://example.org/tiny
- [example/tiny：同一个仓库又出现了一次](https://github.com/example/tiny)
这一行不是摘要标记但也是摘要。

## 博文

- 没有方括号的博文 | 某博客  
摘要：正文。
奇怪的一行 | 在博文末尾

## [往期回顾](https://example.org/archive)

- [2024-02-24](https://example.org/2024-02-24.md)

----

Editor: someone
"""


@pytest.fixture
def parsed():
    return parse_text(SAMPLE, "sample.md")


def by_line(parsed, number):
    return next(e for e in parsed.entries if e.line == number)


def test_date_title_and_headline_come_from_the_h1(parsed):
    assert parsed.date == datetime.date(2024, 3, 9)
    assert parsed.title == "嵌入式AI简报 (2024-03-09)"
    assert parsed.headline == "测试芯片/小模型/量化工具"


def test_lead_keeps_its_lines_and_links(parsed):
    assert parsed.lead == "本期5条，示例导读。\n第二行导读，带[链接](https://example.org/lead)。"


def test_warmup_news_become_entries_with_their_links(parsed):
    warmup = parsed.entries_in(WARMUP)
    assert [e.title for e in warmup] == [
        "甲公司：发布了一款示例芯片",
        "乙公司：开源了示例工具，速度更快",
        "丙公司公布季度数据",
    ]
    assert [e.url for e in warmup] == ["", "https://example.org/tool", "https://example.org/q"]


def test_every_list_item_of_a_section_is_an_entry_in_order(parsed):
    counts = {section: len(parsed.entries_in(section)) for section in (INDUSTRY, PAPERS, PROJECTS, BLOGS)}
    assert counts == {INDUSTRY: 2, PAPERS: 2, PROJECTS: 2, BLOGS: 1}
    assert [e.position for e in parsed.entries_in(PAPERS)] == [1, 2]


def test_title_and_publisher_split_at_the_last_bar(parsed):
    first = parsed.entries_in(INDUSTRY)[0]
    assert (first.title, first.publisher) == ("示例芯片发布会", "示例媒体")
    assert first.url == "https://mp.weixin.qq.com/s/AAAA?x=1&y=2"


def test_summary_keeps_paragraphs_nested_lists_and_bold(parsed):
    first = parsed.entries_in(INDUSTRY)[0]
    # The list is set off by a blank line and brought two spaces in, so that it renders as a list.
    assert first.summary == "第一段摘要，**加粗**内容。\n第二段继续。\n\n  1. 嵌套列表一；\n  2. 嵌套列表二。"


def test_lists_in_summaries_render_as_lists_with_their_nesting():
    from briefing.markdown import render_markdown

    text = "# 简报 (2024-01-01)\n## 博文\n- [T](https://example.org/t)\n摘要：看这里：\n    1. 一\n        - 一点一\n    2. 二\n之后的话。\n"
    summary = parse_text(text, "x.md").entries[0].summary
    html = render_markdown(summary)
    assert "<ol>" in html and "<ul>" in html and "<code>" not in html
    assert "<p>之后的话。</p>" in html
    again = parse_text(f"# 简报 (2024-01-01)\n## 博文\n- [T](https://example.org/t)\n摘要：{summary}\n", "x.md")
    assert again.entries[0].summary == summary


def test_summary_marker_without_colon_is_understood(parsed):
    second = parsed.entries_in(INDUSTRY)[1]
    assert second.summary == "没有冒号的摘要。"
    assert second.url == ""


def test_arxiv_id_venue_and_extra_links_are_read(parsed):
    paper, other = parsed.entries_in(PAPERS)
    assert paper.arxiv_id == "2101.00001"
    assert paper.venue == ""
    assert paper.links == [
        {"label": "解读", "url": "https://example.org/read"},
        {"label": "代码解读", "url": "https://example.org/code-read"},
        {"label": "代码", "url": "https://github.com/example/tiny"},
        {"label": "论文", "url": "https://arxiv.org/abs/2101.00001v2"},
    ]
    assert paper.summary == "关于小模型的论文。"
    assert (other.venue, other.arxiv_id, other.publisher) == ("ICLR 2024", "2102.00002v3", "")


def test_entry_without_brackets_keeps_title_and_publisher(parsed):
    blog = parsed.entries_in(BLOGS)[0]
    assert (blog.title, blog.publisher, blog.url) == ("没有方括号的博文", "某博客", "")
    assert blog.summary == "正文。\n奇怪的一行 | 在博文末尾"


def test_project_link_lines_and_plain_summary(parsed):
    first, second = parsed.entries_in(PROJECTS)
    assert first.links == [{"label": "项目", "url": "https://example.org/tiny"}]
    assert second.summary == "这一行不是摘要标记但也是摘要。"


def test_back_links_and_footer_are_not_entries(parsed):
    assert all("2024-02-24" not in e.url for e in parsed.entries)
    assert len(parsed.entries) == 3 + 7


def test_problems_are_reported_with_their_line(parsed):
    messages = parsed.formatted_warnings()
    assert any(m.startswith("sample.md:28: the link has no address; the entry is marked as needing attention") for m in messages)
    assert any(m.startswith("sample.md:45: the same link as the entry on line 43") for m in messages)
    assert any(m.startswith("sample.md:50: entry without a link") for m in messages)


def test_text_outside_entries_is_kept_as_notes_where_it_stands():
    text = "# 嵌入式AI简报 (2024-01-01)\n\n这一行写给读者\n\n## 论文\n\n开头的说明\n- [T](https://example.org/t)\n"
    parsed = parse_text(text, "odd.md")
    assert parsed.warnings == []
    assert parsed.notes == [
        {"section": WARMUP, "before": 0, "text": "这一行写给读者"},
        {"section": PAPERS, "before": 0, "text": "开头的说明"},
    ]
    assert len(parsed.entries) == 1


def test_notes_tagline_and_warmup_intro_are_kept(parsed):
    assert parsed.tagline == "示例标语"
    assert parsed.warmup_intro == "好了，先是一些热身小新闻："
    assert parsed.notes == [
        {"section": WARMUP, "before": 0, "text": "<font>注：这是一条说明</font>"},
        {"section": WARMUP, "before": 3, "text": "> 注：示例注释"},
        {"section": PROJECTS, "before": 0, "text": "> 注：每条内容前缀为仓库名。"},
    ]


def test_boilerplate_is_skipped_and_reported_with_its_lines(parsed):
    assert [s.format() for s in parsed.skipped] == ["lines 54–60 (往期回顾)"]


def test_a_note_that_only_makes_sense_in_wechat_is_skipped_and_reported():
    text = (
        "# 嵌入式AI简报 (2024-01-01)\n\n> 注：个别链接打不开，请点击文末【阅读原文】跳转\n\n"
        "## 论文\n- [T](https://example.org/t)\n\n> 注：个别链接打不开，请点击文末阅读原文跳转\n> 注：给读者的话\n"
    )
    parsed = parse_text(text, "wechat.md")
    assert [s.format() for s in parsed.skipped] == ["line 3 (WeChat instruction)", "line 8 (WeChat instruction)"]
    assert parsed.notes == [{"section": PAPERS, "before": 1, "text": "> 注：给读者的话"}]
    assert [e.title for e in parsed.entries_in(PAPERS)] == ["T"]


def test_unknown_section_heading_is_a_warning_and_keeps_its_entries():
    text = "# 嵌入式AI简报 (2024-01-01)\n\n## 论文\n- [A](https://example.org/a)\n## 杂项\n- [B](https://example.org/b)\n"
    parsed = parse_text(text, "x.md")
    assert [e.title for e in parsed.entries_in(PAPERS)] == ["A", "B"]
    assert parsed.warnings[0].line == 5


def test_link_text_that_is_an_address_becomes_the_link():
    parsed = parse_text("# 简报 (2024-01-01)\n## 开源项目\n- [https://github.com/example/x]()\n", "x.md")
    assert parsed.entries[0].url == "https://github.com/example/x"
    assert parsed.warnings


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("---\nlayout: default\n---\n\n## 论文\n- [A](https://example.org)\n", 5, "no dated title"),
        ("# 嵌入式AI简报\n\n## 论文\n", 1, "the title has no date"),
        ("# 嵌入式AI简报 (2024-13-40)\n", 1, "is not a valid date"),
        ("   \n\n", 1, "the file is empty"),
        ("---\nlayout: default\n\n# 简报 (2024-01-01)\n", 1, "never closed"),
    ],
)
def test_files_that_cannot_be_read_raise_with_their_line(text, line, message):
    with pytest.raises(ParseError) as exc:
        parse_text(text, "bad.md")
    assert exc.value.line == line
    assert message in str(exc.value)
    assert str(exc.value).startswith(f"bad.md:{line}:")


def test_binary_and_non_utf8_files_are_refused_with_their_line(tmp_path):
    binary = tmp_path / "image.md"
    binary.write_bytes(b"# x\n\x89PNG\x00\x00")
    with pytest.raises(ParseError, match="binary"):
        parse_file(binary)
    latin = tmp_path / "latin.md"
    latin.write_bytes("# 嵌入式AI简报 (2024-01-01)\n\n## 论文\n".encode() + "- [caf\xe9](https://x.org)\n".encode("latin-1"))
    with pytest.raises(ParseError) as exc:
        parse_file(latin)
    assert exc.value.line == 4
    assert "not UTF-8" in str(exc.value)
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse_file(empty)


def test_windows_line_endings_and_byte_order_mark_are_accepted(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes("\ufeff# 嵌入式AI简报 (2024-01-01)\r\n\r\n## 论文\r\n- [A | B](https://example.org/a)\r\n摘要：C\r\n".encode())
    parsed = parse_file(path)
    assert [(e.title, e.publisher, e.summary) for e in parsed.entries] == [("A", "B", "C")]


def test_an_issue_without_entries_is_a_warning():
    parsed = parse_text("---\nlayout: default\n---\n# 嵌入式AI简报 (2024-01-01)\n\n## 论文\n", "none.md")
    assert parsed.formatted_warnings() == ["none.md:4: no entries found in this issue"]
