"""Parse one briefing file (Jekyll Markdown) into plain data, without touching the database.

The format, as the editor wrote it for years::

    ---
    layout: default
    ---

    # 嵌入式AI简报 (2020-07-02)：headline/highlights
    **tagline**
    > 导读：the lead, possibly over several lines
    warm-up intro mentioning 热身 (or 开胃), then a list of short news items

    ## 业界新闻
    - [1812.00332] [title | publisher](url) [[extra]](url)
    代码：https://…
    摘要：the summary, over several lines, with nested lists and **bold**

    ## [往期回顾](…)          ← back-links and footer: not content

An entry is a list item at the start of a line inside a section; everything
up to the next such item belongs to it. Lines the parser does not understand
are kept where possible and always reported as warnings with their line
number; a file that cannot be read at all raises :class:`ParseError`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

# Section values mirror entries.models.Entry.Section; the parser stays free of Django.
WARMUP, INDUSTRY, APPLICATIONS, PAPERS, PROJECTS, BLOGS = 10, 20, 30, 40, 50, 60

# The headings as the briefing writes them; the first name of each is what the exporter writes.
SECTION_HEADINGS: dict[str, int] = {
    "业界新闻": INDUSTRY,
    "新闻": INDUSTRY,
    "应用": APPLICATIONS,
    "论文": PAPERS,
    "开源项目": PROJECTS,
    "开源": PROJECTS,
    "博文": BLOGS,
}
SECTION_NAMES: dict[int, str] = {INDUSTRY: "业界新闻", APPLICATIONS: "应用", PAPERS: "论文", PROJECTS: "开源项目", BLOGS: "博文"}

# Labels of "label：url" lines that are extra links of an entry rather than summary text.
LINK_LINE_LABELS = {
    "文章", "代码", "论文", "链接", "项目", "原文", "地址", "主页", "文档", "博客",
    "项目地址", "项目主页", "论文链接", "论文地址", "代码地址", "原文地址", "官方博客", "GitHub地址",
}

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}(?:v\d+)?$")
_H1 = re.compile(r"^#\s+(?P<text>.*?)\s*$")
_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_H2 = re.compile(r"^##\s+(?P<text>.*?)[\s#]*$")
_OTHER_HEADING = re.compile(r"^#{3,6}\s")
_RULE = re.compile(r"^\s{0,3}(?:-{3,}|\*{3,}|_{3,})\s*$")
# A list item that starts at the beginning of the line: "-", the en dash "–" real files use, "*", "+".
_ITEM = re.compile(r"^[-–*+][ \t\u3000]+(?P<text>.*)$")
_LEAD = re.compile(r"^>\s*导读\s*[：:]?\s*(?P<text>.*)$")
_QUOTE = re.compile(r"^>\s?(?P<text>.*)$")
_NOTE = re.compile(r"^(?:>\s*|<[^>]+>\s*)*注\s*[：:]")
_TAGLINE = re.compile(r"^\*\*[^*].*\*\*\s*$")
_WARMUP_INTRO = re.compile(r"(热身|开胃).*[：:]\s*$")
_SUMMARY = re.compile(r"^\s*摘要\s*[：:]?\s*")
_LINK_LINE = re.compile(r"^(?P<label>[^\s：:]{1,12})\s*[：:]\s*(?P<url>https?://\S+)\s*$")
_PUBLISHER = re.compile(r"^(?P<title>.*\S)\s*[|｜]\s*(?P<publisher>[^|｜]*\S)\s*$")
_TRAILING_PUNCTUATION = " \t\u3000;；,，"


@dataclass
class ParseWarning:
    """A line the parser did not fully understand: where, why, and the line itself."""

    line: int
    message: str
    text: str = ""

    def format(self, path: str) -> str:
        text = self.text.strip()
        if len(text) > 120:
            text = text[:117] + "…"
        return f"{path}:{self.line}: {self.message}" + (f": {text}" if text else "")


@dataclass
class ParsedEntry:
    section: int
    position: int
    title: str
    url: str = ""
    publisher: str = ""
    arxiv_id: str = ""
    venue: str = ""
    links: list[dict[str, str]] = field(default_factory=list)
    summary: str = ""
    line: int = 0


@dataclass
class ParsedIssue:
    path: str
    date: datetime.date
    title: str = ""
    headline: str = ""
    lead: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    heading_line: int = 1

    def formatted_warnings(self) -> list[str]:
        return [w.format(self.path) for w in self.warnings]

    def entries_in(self, section: int) -> list[ParsedEntry]:
        return [e for e in self.entries if e.section == section]


class ParseError(Exception):
    """The file cannot be imported at all; says which file and which line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


# --------------------------------------------------------------------------- reading files


def read_file(path: str | Path) -> str:
    """The text of a briefing file, or ParseError for empty, binary or non-UTF-8 files."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(name, 0, f"cannot read the file ({exc.strerror or exc})")
    if not data.strip():
        raise ParseError(name, 1, "the file is empty")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseError(name, line, "this is a binary file, not Markdown text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(name, line, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)")


def parse_file(path: str | Path) -> ParsedIssue:
    """Read and parse one briefing file."""
    return parse_text(read_file(path), str(path))


# --------------------------------------------------------------------------- inline Markdown


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    """Index of the bracket closing the one at ``start``, nesting respected; -1 if none."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _link_at(text: str, pos: int) -> tuple[str, str, int] | None:
    """A Markdown link ``[label](url)`` starting at ``pos``: (label, url, end) or None."""
    if pos >= len(text) or text[pos] != "[":
        return None
    close = _closing(text, pos, "[", "]")
    if close < 0 or close + 1 >= len(text) or text[close + 1] != "(":
        return None
    end = _closing(text, close + 1, "(", ")")
    if end < 0:
        return None
    return text[pos + 1 : close], _clean_url(text[close + 2 : end]), end + 1


def _clean_url(raw: str) -> str:
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    # A link title: [label](url "title")
    if " " in url and (url.endswith('"') or url.endswith("'")):
        url = url.split(" ", 1)[0]
    return url


def _link_label(label: str) -> str:
    """``[报道原文]`` written as ``[[报道原文]]``: the label without its brackets."""
    label = label.strip()
    while label.startswith("[") and label.endswith("]"):
        label = label[1:-1].strip()
    return label or "链接"


def _links_in(text: str) -> list[tuple[int, int, str, str]]:
    """Every ``[label](url)`` in ``text`` as (start, end, label, url)."""
    found = []
    i = 0
    while i < len(text):
        if text[i] == "[":
            link = _link_at(text, i)
            if link is not None:
                label, url, end = link
                found.append((i, end, label, url))
                i = end
                continue
        i += 1
    return found


def _split_publisher(title: str) -> tuple[str, str]:
    """``title | publisher``, split at the last bar; no bar means no publisher."""
    match = _PUBLISHER.match(title.strip())
    if not match:
        return title.strip(), ""
    return match["title"].strip(), " ".join(match["publisher"].replace("\u3000", " ").split())


_LIST_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:\d+[.)]|[-*+])[ \t]+\S")


def _tidy_lists(lines: list[str]) -> list[str]:
    """Make the lists inside a summary render as lists, keeping their nesting.

    Editors indent lists right under a paragraph line (often by four spaces,
    which Markdown would read as code, and without the blank line Markdown
    needs). Each such block is set off by blank lines and re-indented so its
    top level sits two spaces in: still a list, and never mistaken for a new
    entry. Doing it twice changes nothing, so export → import keeps it.
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _LIST_LINE.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        block = []
        while i < len(lines) and lines[i].strip() and (_LIST_LINE.match(lines[i]) or lines[i][:1].isspace()):
            block.append(lines[i].expandtabs(4))
            i += 1
        base = min(len(m["indent"]) for m in map(_LIST_LINE.match, block) if m)
        if out and out[-1].strip():
            out.append("")
        for line in block:
            lead = len(line) - len(line.lstrip(" "))
            out.append("  " + line[min(lead, base):])
        if i < len(lines) and lines[i].strip():
            out.append("")
    return out


# --------------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.warnings: list[ParseWarning] = []
        self.entries: list[ParsedEntry] = []
        self.counts: dict[int, int] = {}

    def warn(self, number: int, message: str, text: str = "") -> None:
        self.warnings.append(ParseWarning(number, message, text))

    # The issue itself --------------------------------------------------------

    def parse(self) -> ParsedIssue:
        start = self._skip_front_matter()
        h1_index, date, title, headline = self._heading(start)
        issue = ParsedIssue(path=self.path, date=date, title=title, headline=headline, heading_line=h1_index + 1)
        section: int | None = None
        lead: list[str] | None = None
        lead_open = False
        in_footer = False
        current: tuple[int, str, list[tuple[int, str]]] | None = None  # (line number, item text, body)

        def finish() -> None:
            nonlocal current
            if current is not None:
                self._entry(section if section is not None else WARMUP, *current)
            current = None

        for index in range(h1_index + 1, len(self.lines)):
            number = index + 1
            raw = self.lines[index]
            line = raw.rstrip()
            stripped = line.strip()

            heading = _H2.match(line)
            if heading:
                finish()
                lead_open = False
                name = " ".join(heading["text"].replace("\u3000", " ").split())
                if "往期回顾" in name:
                    in_footer = True
                    continue
                if name in SECTION_HEADINGS:
                    section = SECTION_HEADINGS[name]
                    in_footer = False
                    continue
                if in_footer:
                    continue
                fallback = section if section is not None else INDUSTRY
                self.warn(number, f"unknown section heading; its entries are filed under {SECTION_NAMES[fallback]}", line)
                section = fallback
                continue
            if in_footer:
                continue
            if _RULE.match(line):
                # The footer (editor, project, licence) follows a rule; a section heading may resume.
                finish()
                in_footer = True
                continue

            item = _ITEM.match(line)
            if section is None:
                # Between the H1 and the first section: tagline, lead, warm-up news.
                if item:
                    finish()
                    lead_open = False
                    current = (number, item["text"], [])
                    continue
                if not stripped:
                    lead_open = False
                    continue
                lead_match = _LEAD.match(line)
                if lead_match:
                    finish()
                    lead = [lead_match["text"].strip()]
                    lead_open = True
                    continue
                if _NOTE.match(stripped) or (_TAGLINE.match(stripped) and lead is None and not self.entries):
                    continue
                quoted = _QUOTE.match(line)
                if lead_open and quoted:
                    lead.append(quoted["text"].rstrip())
                    continue
                if _WARMUP_INTRO.search(stripped):
                    finish()
                    lead_open = False
                    continue
                if lead_open:
                    lead.append(line.rstrip())
                    continue
                if current is not None:
                    current[2].append((number, line))
                    continue
                if lead is not None and not self.entries:
                    # A further paragraph of the lead, after a blank line.
                    lead.extend(["", line])
                    lead_open = True
                    continue
                self.warn(number, "line not understood before the first section", line)
                continue

            # Inside a section.
            if item:
                finish()
                current = (number, item["text"], [])
                continue
            if _NOTE.match(stripped):
                continue
            if _OTHER_HEADING.match(line) and current is None:
                self.warn(number, "sub-heading not understood", line)
                continue
            if current is not None:
                current[2].append((number, line))
            elif stripped:
                self.warn(number, "text before the first entry of the section is not imported", line)
        finish()

        if lead is not None:
            issue.lead = "\n".join(lead).strip()
        issue.entries = self.entries
        if not self.entries:
            self.warn(h1_index + 1, "no entries found in this issue")
        self._check_duplicates()
        issue.warnings = sorted(self.warnings, key=lambda w: w.line)
        return issue

    def _skip_front_matter(self) -> int:
        for index, line in enumerate(self.lines):
            if not line.strip():
                continue
            if line.strip() == "---":
                for end in range(index + 1, len(self.lines)):
                    if self.lines[end].strip() == "---":
                        return end + 1
                raise ParseError(self.path, index + 1, "the front matter opened here is never closed with ---")
            return index
        raise ParseError(self.path, 1, "the file is empty")

    def _heading(self, start: int) -> tuple[int, datetime.date, str, str]:
        for index in range(start, len(self.lines)):
            match = _H1.match(self.lines[index])
            if not match:
                continue
            text = match["text"]
            date_match = _DATE.search(text)
            if not date_match:
                raise ParseError(
                    self.path, index + 1,
                    "the title has no date: expected a first heading such as “# 嵌入式AI简报 (2020-07-02)”",
                )
            try:
                date = datetime.date(int(date_match["y"]), int(date_match["m"]), int(date_match["d"]))
            except ValueError:
                raise ParseError(self.path, index + 1, f"“{date_match.group(0)}” is not a valid date")
            prefix = text[: date_match.start()].rstrip(" (（\u3000")
            rest = text[date_match.end():].lstrip(")）")
            headline = rest.strip(" \t\u3000：:").strip()
            title = f"{prefix} ({date.isoformat()})" if prefix else ""
            return index, date, title, headline
        first = next((i for i in range(start, len(self.lines)) if self.lines[i].strip()), start)
        raise ParseError(
            self.path, first + 1,
            "no dated title: expected a first heading such as “# 嵌入式AI简报 (2020-07-02)”",
        )

    # Entries -------------------------------------------------------------------

    def _entry(self, section: int, number: int, text: str, body: list[tuple[int, str]]) -> None:
        position = self.counts.get(section, 0) + 1
        self.counts[section] = position
        if section == WARMUP:
            entry = self._warmup_item(number, text)
        else:
            entry = self._entry_line(number, text)
        entry.section = section
        entry.position = position
        entry.line = number
        self._body(entry, body)
        if not entry.title:
            self.warn(number, "entry without a title", text)
        if not entry.url and section != WARMUP:
            self.warn(number, "entry without a link", text)
        self.entries.append(entry)

    def _entry_line(self, number: int, text: str) -> ParsedEntry:
        text = text.rstrip()
        entry = ParsedEntry(section=0, position=0, title="")
        venues: list[str] = []
        pos = 0
        main = None
        # Prefixes such as [1812.00332] or [SysML 2019], before the main link.
        while True:
            while pos < len(text) and text[pos] in " \t\u3000":
                pos += 1
            if pos >= len(text) or text[pos] != "[":
                break
            main = _link_at(text, pos)
            if main is not None:
                break
            close = _closing(text, pos, "[", "]")
            if close < 0:
                break
            prefix = text[pos + 1 : close].strip()
            pos = close + 1
            if ARXIV_ID.match(prefix):
                if entry.arxiv_id:
                    self.warn(number, f"second arXiv id “{prefix}” ignored; the entry keeps {entry.arxiv_id}", text)
                else:
                    entry.arxiv_id = prefix
            elif prefix:
                venues.append(prefix)
        entry.venue = ", ".join(venues)

        if main is not None:
            title, entry.url, pos = main
        else:
            # No link at all, e.g. "- title | publisher": the rest of the line is the title.
            title, pos = text[pos:].strip(), len(text)
            if title.startswith("[") and _closing(title, 0, "[", "]") < 0:
                self.warn(number, "the link's bracket is never closed; the rest of the line is the title", text)
                title = title[1:].strip().rstrip("|｜ ")
        entry.title, entry.publisher = _split_publisher(title)
        if not entry.url and re.match(r"^https?://\S+$", entry.title):
            self.warn(number, "the link has no address; its text, a web address, is used", text)
            entry.url = entry.title

        # After the main link: extra links, [[label]](url), [label](url) or a bare (url).
        leftover: list[str] = []
        rest = text[pos:]
        i = 0
        while i < len(rest):
            char = rest[i]
            if char in _TRAILING_PUNCTUATION + "。.":
                i += 1
                continue
            link = _link_at(rest, i)
            if link is not None:
                label, url, i = link
                self._extra_link(entry, number, _link_label(label), url, text)
                continue
            if char == "(":
                end = _closing(rest, i, "(", ")")
                inner = rest[i + 1 : end].strip() if end > 0 else ""
                if inner.startswith(("http://", "https://")):
                    self._extra_link(entry, number, "链接", _clean_url(inner), text)
                    i = end + 1
                    continue
            end = rest.find("[", i + 1)
            end = len(rest) if end < 0 else end
            leftover.append(rest[i:end].strip())
            i = end
        leftover_text = " ".join(part for part in leftover if part)
        if leftover_text:
            self.warn(number, "text after the links kept as the start of the summary", leftover_text)
            entry.summary = leftover_text
        return entry

    def _extra_link(self, entry: ParsedEntry, number: int, label: str, url: str, text: str) -> None:
        if not url:
            self.warn(number, f"extra link “{label}” has no address and is left out", text)
            return
        if url == entry.url or any(link["url"] == url for link in entry.links):
            self.warn(number, "the same link is written twice; kept once", url)
            return
        entry.links.append({"label": label, "url": url})

    def _warmup_item(self, number: int, text: str) -> ParsedEntry:
        text = text.strip().rstrip(_TRAILING_PUNCTUATION)
        entry = ParsedEntry(section=WARMUP, position=0, title="")
        if text.startswith("["):
            first = _link_at(text, 0)
            if first is not None:
                rest = text[first[2]:]
                links = _links_in(rest)
                outside = "".join(
                    rest[a:b] for a, b in zip([0] + [end for _, end, _, _ in links], [start for start, *_ in links] + [len(rest)])
                )
                if not outside.strip(_TRAILING_PUNCTUATION + "。."):
                    # "[news](url) [[more]](url)": the news is the link's text.
                    entry.title, entry.url = first[0].strip(), first[1]
                    for _, _, label, url in links:
                        self._extra_link(entry, number, _link_label(label), url, text)
                    return entry
        # Text with links inside: the title is the text as read, the links keep their addresses.
        links = _links_in(text)
        pieces, last = [], 0
        for start, end, label, url in links:
            pieces.append(text[last:start])
            pieces.append(label)
            last = end
        pieces.append(text[last:])
        entry.title = "".join(pieces).strip()
        for index, (_, _, label, url) in enumerate(links):
            if index == 0 and url:
                entry.url = url
            else:
                self._extra_link(entry, number, _link_label(label), url, text)
        return entry

    def _body(self, entry: ParsedEntry, body: list[tuple[int, str]]) -> None:
        """The lines under an entry: extra "label：url" lines and the summary."""
        summary: list[str] = [entry.summary] if entry.summary else []
        marker_seen = bool(summary)
        for number, line in body:
            line = line.rstrip()
            link = _LINK_LINE.match(line)
            if link and link["label"] in LINK_LINE_LABELS:
                self._extra_link(entry, number, link["label"], link["url"], line)
                continue
            if not marker_seen and line.strip():
                marker_seen = True
                marker = _SUMMARY.match(line)
                if marker:
                    line = line[marker.end():]
            summary.append(line)
        entry.summary = "\n".join(_tidy_lists(summary)).strip("\n").rstrip()

    def _check_duplicates(self) -> None:
        seen: dict[str, ParsedEntry] = {}
        for entry in self.entries:
            key = entry.url.strip()
            if not key:
                continue
            if key in seen:
                self.warn(
                    entry.line,
                    f"the same link as the entry on line {seen[key].line}; both are imported",
                    entry.url,
                )
            else:
                seen[key] = entry


def parse_text(text: str, path: str = "<text>") -> ParsedIssue:
    """Parse the text of one briefing file; ``path`` names it in warnings and errors."""
    if not text.strip():
        raise ParseError(path, 1, "the file is empty")
    return _Parser(text, path).parse()
