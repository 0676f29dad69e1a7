"""Write an issue back out: as the briefing's own Markdown, or as WeChat article HTML.

The Markdown is the format the parser reads, so import → export → import
gives the same issue. The WeChat HTML is one fragment with inline styles
only, because the WeChat editor strips stylesheets, classes and scripts, and
it writes links out as text because WeChat articles drop links to other sites.

Either format can be written in English (``language="en"``): the English
edition's title, headline, lead, entry titles and summaries where an editor
wrote them, the Chinese original elsewhere. The format's own markers (导读,
摘要, section names) stay as they are, so the file still reads back.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from django.conf import settings
from django.utils import translation

from briefing.templatetags.seo import http_url
from entries.links import analyze_link, is_wechat
from entries.models import Entry
from issues.models import Issue

from .parser import DEFAULT_WARMUP_INTRO, SECTION_NAMES, WARMUP, is_line_label

WARMUP_INTRO = DEFAULT_WARMUP_INTRO


def _entries(issue: Issue) -> list[Entry]:
    return list(issue.entries.select_related("source").order_by("section", "position", "pk"))


def _heading_text(issue: Issue) -> str:
    title = issue.text.title or issue.default_title()
    date = issue.date.isoformat()
    if f"({date})" not in title:
        title = f"{title} ({date})"
    return title


# --------------------------------------------------------------------------- Markdown


def _md_link(label: str, url: str) -> str:
    return f"[{label}]({url})"


def _split_links(links: list[dict]) -> tuple[list[dict], list[dict]]:
    """Links written after the title, and the trailing ones written as "label：url" lines.

    Only the longest tail of links whose labels are line labels becomes lines,
    so that reading the file back gives the links in the same order.
    """
    cut = len(links)
    while cut > 0 and is_line_label(links[cut - 1].get("label", "")):
        cut -= 1
    return links[:cut], links[cut:]


def _written_publisher(entry: Entry) -> str:
    """The publisher written after the title: none where the link alone gives the source (GitHub, arXiv)."""
    if not entry.source_id:
        return ""
    if analyze_link(entry.url).source_name == entry.source.name and entry.source.name in ("GitHub", "arXiv"):
        return ""
    return entry.source.name


def _entry_markdown(entry: Entry) -> list[str]:
    inline, lines = _split_links(entry.links or [])
    if not entry.url and entry.section != WARMUP:
        # After a title without a link, extra links read back only as "label：url" lines.
        inline, lines = [], list(entry.links or [])
    title = str(entry.text.title)
    if entry.section == WARMUP:
        head = _md_link(title, entry.url) if entry.url else title
    else:
        prefixes = "".join(f"[{p}] " for p in (entry.venue, entry.arxiv_id) if p)
        publisher = _written_publisher(entry)
        label = f"{title} | {publisher}" if publisher else title
        # An entry without a link is written as plain text, as the archive writes it: "[title]()" would be a broken link.
        head = prefixes + (_md_link(label, entry.url) if entry.url or entry.needs_attention else label)
    for link in inline:
        head += " " + _md_link(f"[{link.get('label') or '链接'}]", link.get("url", ""))
    out = [f"- {head}"]
    out.extend(f"{link['label']}：{link['url']}" for link in lines)
    summary = entry.text.summary.strip("\n").rstrip()
    if summary:
        lines = summary.split("\n")
        if not lines[0].startswith("摘要") and any(line.startswith("摘要") for line in lines[1:]):
            # "标题：…" then "摘要：…": the summary carries its own marker.
            out.append(summary)
        elif lines[0][:1].isspace():
            out += ["摘要：", summary]
        else:
            out.append(f"摘要：{summary}")
    return out


def _hard_breaks(lines: list[str]) -> list[str]:
    """End lines with two spaces, as the briefing does, so that GitHub keeps its line breaks."""
    return [f"{line}  " if line.strip() else line for line in "\n".join(lines).split("\n")]


def _with_notes(issue: Issue, section: int, entries: list[Entry], *, from_index: int = 0) -> list[str]:
    """A section's entries, with the notes to readers where they stood among them (from entry ``from_index`` on)."""
    notes = [note for note in issue.notes_in(section) if note.get("before", 0) >= from_index]
    out: list[str] = []
    for index in range(len(entries) + 1):
        for note in notes:
            if note.get("before", 0) == index or (index == len(entries) and note.get("before", 0) > index):
                if out and out[-1].strip():
                    out.append("")
                out += [note.get("text", ""), ""]
        if index < len(entries):
            out.extend(_hard_breaks(_entry_markdown(entries[index])))
    return out


def export_markdown(issue: Issue) -> str:
    """The issue in the briefing's own Markdown format (the one ``import_briefings`` reads)."""
    heading = _heading_text(issue)
    if issue.text.headline:
        heading += f"：{issue.text.headline}"
    out = ["---", "layout: default", "---", "", f"# {heading}", ""]
    tagline = issue.tagline or getattr(settings, "BRIEFING_TAGLINE", "")
    if tagline:
        out += [f"**{tagline}**", ""]
    if issue.text.lead.strip():
        lead_lines = issue.text.lead.strip().split("\n")
        out.append(f"> 导读：{lead_lines[0]}")
        out.extend(f"> {line}".rstrip() for line in lead_lines[1:])
        out.append("")
    entries = _entries(issue)
    warmup = [e for e in entries if e.section == WARMUP]
    top_notes = [note for note in issue.notes_in(WARMUP) if note.get("before", 0) == 0]
    for note in top_notes:
        out += [note.get("text", ""), ""]
    if warmup or issue.warmup_intro:
        # The notes above the first item were written above the intro.
        out += [issue.warmup_intro or WARMUP_INTRO, ""]
        out += _with_notes(issue, WARMUP, warmup, from_index=1)
        out.append("")
    for value, name in SECTION_NAMES.items():
        items = [e for e in entries if e.section == value]
        if not items and not issue.notes_in(value):
            continue
        out += [f"## {name}", ""]
        out += _with_notes(issue, value, items)
        out.append("")
    out += ["----", ""]
    if issue.is_public:
        out += [f"{settings.SITE_URL}{issue.get_absolute_url()}", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- WeChat HTML

FONT = "font-size:15px;line-height:1.75;color:#333333;"
STYLES = {
    "p": "margin:0 0 8px 0;" + FONT,
    "ul": "margin:0 0 8px 0;padding-left:20px;" + FONT,
    "ol": "margin:0 0 8px 0;padding-left:20px;" + FONT,
    "li": "margin:0 0 4px 0;",
    "strong": "font-weight:bold;color:#222222;",
    "b": "font-weight:bold;color:#222222;",
    "em": "font-style:italic;",
    "i": "font-style:italic;",
    "code": "font-family:Menlo,Consolas,monospace;font-size:13px;background-color:#f5f5f5;padding:0 2px;",
    "pre": "font-family:Menlo,Consolas,monospace;font-size:13px;background-color:#f5f5f5;padding:8px;"
           "white-space:pre-wrap;word-break:break-all;margin:0 0 8px 0;",
    "blockquote": "margin:0 0 8px 0;padding:4px 12px;border-left:3px solid #dddddd;color:#666666;",
    "img": "max-width:100%;height:auto;",
    "a": "color:#576b95;text-decoration:none;",
    "table": "border-collapse:collapse;margin:0 0 8px 0;font-size:14px;",
    "td": "border:1px solid #dddddd;padding:4px;",
    "th": "border:1px solid #dddddd;padding:4px;font-weight:bold;",
    "h3": "font-size:16px;font-weight:bold;margin:8px 0;",
    "h4": "font-size:15px;font-weight:bold;margin:8px 0;",
    "h5": "font-size:15px;font-weight:bold;margin:8px 0;",
    "h6": "font-size:15px;font-weight:bold;margin:8px 0;",
    "hr": "border:0;border-top:1px solid #eeeeee;margin:12px 0;",
}
URL_TEXT = "color:#888888;font-size:13px;word-break:break-all;"
VOID = {"br", "hr", "img"}


def wechat_keeps_link(url: str) -> bool:
    """WeChat articles keep links to other WeChat articles only."""
    return is_wechat(url)


class _WeChatHTML(HTMLParser):
    """Re-write stored, sanitized HTML with inline styles, and links to other sites as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str | None] = []  # the href of each open <a>, None when kept as a link

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        style = STYLES.get(tag, "")
        if tag == "a":
            href = attrs.get("href") or ""
            if href and wechat_keeps_link(href):
                self.out.append(f'<a href="{escape(href)}" style="{STYLES["a"]}">')
                self.links.append(None)
            else:
                self.links.append(href)
                self.out.append(f'<span style="{STYLES["a"]}">')
            return
        kept = ""
        if tag == "img":
            kept = "".join(f' {name}="{escape(attrs[name])}"' for name in ("src", "alt") if attrs.get(name))
        style_attr = f' style="{style}"' if style else ""
        self.out.append(f"<{tag}{kept}{style_attr}>")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag == "a":
            href = self.links.pop() if self.links else None
            if href is None:
                self.out.append("</a>")
            else:
                self.out.append("</span>")
                text = "".join(self.out[-3:])
                if href not in text:
                    self.out.append(f'<span style="{URL_TEXT}">（{escape(href)}）</span>')
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))


def wechat_fragment(html: str) -> str:
    """``html`` (already sanitized) with inline styles and written-out links."""
    parser = _WeChatHTML()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def _url_line(label: str, url: str) -> str:
    if not http_url(url):
        return ""
    if wechat_keeps_link(url):
        target = f'<a href="{escape(url)}" style="{STYLES["a"]}">查看文章</a>'
    else:
        target = f'<span style="{URL_TEXT}">{escape(url)}</span>'
    return f'<p style="margin:0 0 4px 0;font-size:13px;line-height:1.6;color:#888888;">{escape(label)}：{target}</p>'


def export_wechat(issue: Issue) -> str:
    """The issue as one HTML fragment to paste into the WeChat editor: inline styles only."""
    entries = _entries(issue)
    out = ['<section style="margin:0;padding:0;font-family:-apple-system,BlinkMacSystemFont,\'PingFang SC\','
           '\'Microsoft YaHei\',sans-serif;' + FONT + '">']
    out.append(
        '<h1 style="font-size:20px;font-weight:bold;line-height:1.4;margin:0 0 12px 0;color:#222222;">'
        f"{escape(_heading_text(issue))}</h1>"
    )
    if issue.text.headline_html:
        out.append(f'<p style="margin:0 0 12px 0;font-size:15px;color:#576b95;font-weight:bold;">'
                   f"{wechat_fragment(issue.text.headline_html)}</p>")
    if issue.text.lead_html:
        out.append('<section style="margin:0 0 16px 0;padding:8px 12px;background-color:#f7f7f7;'
                   'border-left:3px solid #576b95;">')
        out.append(wechat_fragment(issue.text.lead_html))
        out.append("</section>")
    sections = [(WARMUP, WARMUP_INTRO.rstrip("：:"))] + list(SECTION_NAMES.items())
    for value, name in sections:
        items = [e for e in entries if e.section == value]
        if not items:
            continue
        out.append(
            '<h2 style="font-size:18px;font-weight:bold;margin:24px 0 12px 0;padding:0 0 4px 0;'
            f'border-bottom:2px solid #576b95;color:#222222;">{escape(name)}</h2>'
        )
        if value == WARMUP:
            out.append(f'<ul style="{STYLES["ul"]}">')
            for entry in items:
                out.append(f'<li style="{STYLES["li"]}">{wechat_fragment(entry.text.title_html)}')
                for label, url in [("链接", entry.url)] + [(l.get("label", ""), l.get("url", "")) for l in entry.links]:
                    if http_url(url):
                        out.append(f'<span style="{URL_TEXT}">（{escape(url)}）</span>')
                out.append("</li>")
            out.append("</ul>")
            continue
        for number, entry in enumerate(items, start=1):
            out.append('<section style="margin:0 0 18px 0;">')
            prefix = "".join(f"[{escape(p)}] " for p in (entry.venue, entry.arxiv_id) if p)
            out.append(
                '<p style="margin:0 0 4px 0;font-size:16px;font-weight:bold;line-height:1.5;color:#222222;">'
                f"{number}. {prefix}{wechat_fragment(entry.text.title_html)}</p>"
            )
            if entry.source_id:
                out.append(f'<p style="margin:0 0 4px 0;font-size:13px;color:#888888;">{escape(entry.source.name)}</p>')
            if http_url(entry.url):
                out.append(_url_line("链接", entry.url))
            for link in entry.links or []:
                if http_url(link.get("url")):
                    out.append(_url_line(link.get("label") or "链接", link["url"]))
            if entry.text.summary_html:
                out.append(wechat_fragment(entry.text.summary_html))
            out.append("</section>")
    out.append("</section>")
    return "\n".join(out) + "\n"


FORMATS = {
    "markdown": (export_markdown, "text/markdown; charset=utf-8", "{date}.md"),
    "wechat": (export_wechat, "text/html; charset=utf-8", "{date}-wechat.html"),
}


#: The languages an issue can be exported in: the Chinese original, or the English edition.
LANGUAGES = ("zh-hans", "en")


def export_language(language: str | None) -> str:
    """``language`` as one of ``LANGUAGES`` ("zh-Hans" → "zh-hans"); empty means the original."""
    code = (language or LANGUAGES[0]).strip().lower()
    if code not in LANGUAGES:
        raise ValueError(f"Unknown export language “{language}”: use one of {', '.join(LANGUAGES)}.")
    return code


def export_issue(issue: Issue, fmt: str, language: str | None = None) -> str:
    """The issue in ``fmt`` ("markdown" or "wechat"), in ``language`` ("zh-hans", the default, or "en")."""
    try:
        writer = FORMATS[fmt][0]
    except KeyError:
        raise ValueError(f"Unknown export format “{fmt}”: use one of {', '.join(FORMATS)}.")
    with translation.override(export_language(language)):
        return writer(issue)


def export_filename(issue: Issue, fmt: str, language: str | None = None) -> str:
    name = FORMATS[fmt][2].format(date=issue.date.isoformat())
    if export_language(language) == "en":
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-en{dot}{ext}"
    return name
