"""Parse one briefing file (Jekyll Markdown) into plain data, without touching the database.

The format, as the editor wrote it for years::

    ---
    layout: default
    ---

    # 嵌入式AI简报 (2020-07-02)：headline/highlights
    **tagline**
    > 导读：the lead, possibly over several lines
    warm-up intro mentioning 热身 (or 开胃), then a list of short news items
    > 注：a note to readers

    ## 业界新闻
    - [1812.00332] [title | publisher](url) [[extra]](url)
    代码：https://…
    摘要：the summary, over several lines, with nested lists and **bold**

    ## [往期回顾](…)          ← back-links and footer: boilerplate, skipped and reported

An entry is a list item at the start of a line inside a section; everything
up to the next such item belongs to it. Nothing a reader saw is dropped
silently: the tagline, the warm-up intro and notes (``> 注：…``, a paragraph
after the lead, text between entries) are kept with the issue; boilerplate
(back-issue links, the footer, QR codes, the licence) is listed in
``ParsedIssue.skipped`` with its lines; anything else the parser does not
fully understand is a warning with its line number.

Every step is linear in the size of the text: brackets are matched once per
line, lines and files have a size limit, and nothing recurses. A file that
cannot be read at all raises :class:`ParseError` with its file and line.
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

#: Labels the exporter writes as "label：url" lines under an entry (a digit may follow: 代码2).
#: Any other label is written as ``[[label]](url)`` after the title; both read back the same.
LINK_LINE_LABELS = {
    "文章", "代码", "论文", "链接", "项目", "原文", "地址", "主页", "文档", "博客", "视频", "演示", "网站",
    "回放", "框架", "项目地址", "项目主页", "论文链接", "论文地址", "代码地址", "原文地址", "官方博客",
    "GitHub地址", "开源项目地址", "视频回放",
}

#: The warm-up intro the exporter writes for an issue that has none of its own.
DEFAULT_WARMUP_INTRO = "热身新闻："

#: The largest file and line read: the real archive's files are tens of kilobytes.
MAX_FILE_BYTES = 2_000_000
MAX_LINE_CHARS = 20_000

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
_TAGLINE = re.compile(r"^\*\*(?P<text>[^*].*?)\*\*\s*$")
_WARMUP_INTRO = re.compile(r"(热身|开胃).*[：:]\s*$")
_SUMMARY = re.compile(r"^\s*摘要\s*[：:]?\s*")
# "label：url" with an ASCII or full-width colon, leading spaces allowed; a bare "www." host is a link too.
_LINK_LINE = re.compile(
    r"^\s*(?P<label>[^\s：:\[\]()（）<>*#>-][^：:\[\]()<>]{0,15}?)\s*[：:]\s*"
    r"(?P<url>(?:https?://|www\.)[^\s<>]+?)[\s。；;，,]*$"
)
# Sentence punctuation: a "label" holding it is prose that ends in a link, not a label.
_PROSE = re.compile(r"[，。、；;！？!?,]")
_NOT_LABELS = {"摘要", "标题"}
_IMAGE_LINE = re.compile(r"^\s*!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]*)\)\s*$")
_QR = re.compile(r"qr_?code|二维码|wechat_qrcode", re.IGNORECASE)
#: A note that only makes sense inside WeChat ("if a link won't open, tap 阅读原文 at the end").
_WECHAT_ONLY = re.compile(r"阅读原文")
_PUBLISHER = re.compile(r"^(?P<title>.*\S)\s*[|｜]\s*(?P<publisher>[^|｜]*\S)\s*$")
_TRAILING_PUNCTUATION = " \t\u3000;；,，"


@dataclass
class ParseWarning:
    """A line the parser did not fully understand: where, why, and the line itself.

    ``strict`` warnings are reader content lost or not understood: they fail
    a file imported with ``--strict``. The others say what was normalised.
    """

    line: int
    message: str
    text: str = ""
    strict: bool = True

    def format(self, path: str) -> str:
        text = self.text.strip()
        if len(text) > 120:
            text = text[:117] + "…"
        return f"{path}:{self.line}: {self.message}" + (f": {text}" if text else "")


@dataclass
class Skipped:
    """Lines of boilerplate the importer leaves out on purpose: the footer, back-issue links, QR codes."""

    first: int
    last: int
    what: str

    def format(self) -> str:
        lines = f"line {self.first}" if self.first == self.last else f"lines {self.first}–{self.last}"
        return f"{lines} ({self.what})"


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
    #: Why an editor must look at this entry ("" when nothing is wrong): its link was malformed.
    attention: str = ""


@dataclass
class ParsedIssue:
    path: str
    date: datetime.date
    title: str = ""
    headline: str = ""
    lead: str = ""
    tagline: str = ""
    warmup_intro: str = ""
    #: Text for readers outside the entries: {"section", "before" (entries of the section above it), "text"}.
    notes: list[dict] = field(default_factory=list)
    entries: list[ParsedEntry] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    heading_line: int = 1

    def formatted_warnings(self) -> list[str]:
        return [w.format(self.path) for w in self.warnings]

    def strict_warnings(self) -> list[ParseWarning]:
        return [w for w in self.warnings if w.strict]

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
    """The text of a briefing file, or ParseError for huge, empty, binary or non-UTF-8 files."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ParseError(name, 1, f"the file is {size:,} bytes; an issue is at most {MAX_FILE_BYTES:,}")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParseError(name, 0, f"cannot read the file ({exc.strerror or exc})")
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(name, 1, f"the file is larger than {MAX_FILE_BYTES:,} bytes")
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


class _Brackets:
    """Where each ``[`` and ``(`` of a text closes, found in one pass.

    Nesting is respected per kind of bracket and a backslash escapes the next
    character. Finding every link of a line is then linear in its length, even
    for a line of a hundred thousand ``[``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.closes: dict[int, int] = {}
        stacks: dict[str, list[int]] = {"[": [], "(": []}
        pairs = {"]": "[", ")": "("}
        i, n = 0, len(text)
        while i < n:
            char = text[i]
            if char == "\\":
                i += 2
                continue
            if char in stacks:
                stacks[char].append(i)
            elif char in pairs and stacks[pairs[char]]:
                self.closes[stacks[pairs[char]].pop()] = i
            i += 1

    def closing(self, start: int) -> int:
        """Index of the bracket closing the one at ``start``; -1 if none."""
        return self.closes.get(start, -1)

    def link_at(self, pos: int) -> tuple[str, str, int] | None:
        """A Markdown link ``[label](url)`` starting at ``pos``: (label, url, end) or None."""
        text = self.text
        if pos >= len(text) or text[pos] != "[":
            return None
        close = self.closing(pos)
        if close < 0 or close + 1 >= len(text) or text[close + 1] != "(":
            return None
        end = self.closing(close + 1)
        if end < 0:
            return None
        return text[pos + 1 : close], _clean_url(text[close + 2 : end]), end + 1

    def links(self) -> list[tuple[int, int, str, str]]:
        """Every ``[label](url)`` as (start, end, label, url)."""
        found = []
        text = self.text
        i = text.find("[")
        while 0 <= i < len(text):
            link = self.link_at(i)
            if link is not None:
                label, url, end = link
                found.append((i, end, label, url))
                i = text.find("[", end)
            else:
                i = text.find("[", i + 1)
        return found


def _clean_url(raw: str) -> str:
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    # A link title: [label](url "title")
    if " " in url and (url.endswith('"') or url.endswith("'")):
        url = url.split(" ", 1)[0]
    return url


def web_address(url: str) -> str:
    """A bare ``www.`` host as a web address (``http://www.…``); anything else as it is."""
    return f"http://{url}" if url.lower().startswith("www.") else url


def _link_label(label: str) -> str:
    """``[报道原文]`` written as ``[[报道原文]]``: the label without its brackets."""
    label = label.strip()
    while label.startswith("[") and label.endswith("]"):
        label = label[1:-1].strip()
    return label or "链接"


def is_line_label(label: str) -> bool:
    """Whether the exporter writes a link with this label as a "label：url" line (代码, 代码2, 论文链接…)."""
    return label.rstrip("0123456789") in LINK_LINE_LABELS


def link_line(line: str) -> tuple[str, str] | None:
    """(label, url) of a "label：url" line such as ``代码：https://…`` or ``  项目地址: www.opencv.org``."""
    match = _LINK_LINE.match(line)
    if not match:
        return None
    label = match["label"].strip()
    if label in _NOT_LABELS or _PROSE.search(label) or re.match(r"^\d+[.)、]", label):
        return None
    return label, web_address(match["url"])


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


def _same_text(a: str, b: str) -> bool:
    """Whether two lines say the same thing, list markers, spacing and end punctuation aside."""
    def bare(text: str) -> str:
        text = _ITEM.sub(r"\g<text>", text.strip())
        return "".join(text.split()).rstrip(_TRAILING_PUNCTUATION + "。.")
    return bool(bare(a)) and bare(a) == bare(b)


# --------------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.warnings: list[ParseWarning] = []
        self.entries: list[ParsedEntry] = []
        self.notes: list[dict] = []
        self.skipped: list[Skipped] = []
        self.counts: dict[int, int] = {}
        for index, line in enumerate(self.lines):
            if len(line) > MAX_LINE_CHARS:
                raise ParseError(path, index + 1, f"the line is {len(line):,} characters long; at most {MAX_LINE_CHARS:,} are read")

    def warn(self, number: int, message: str, text: str = "", *, strict: bool = True) -> None:
        self.warnings.append(ParseWarning(number, message, text, strict))

    def skip(self, number: int, what: str) -> None:
        """Record line ``number`` as boilerplate, joined to the block before it when it continues it."""
        last = self.skipped[-1] if self.skipped else None
        if last is not None and last.what == what and not any(
            line.strip() for line in self.lines[last.last : number - 1]
        ):
            last.last = number
        else:
            self.skipped.append(Skipped(number, number, what))

    def note(self, section: int, lines: list[str]) -> None:
        text = "\n".join(lines).strip("\n")
        if text.strip():
            self.notes.append({"section": section, "before": self.counts.get(section, 0), "text": text})

    # The issue itself --------------------------------------------------------

    def parse(self) -> ParsedIssue:
        start = self._skip_front_matter()
        h1_index, date, title, headline = self._heading(start)
        issue = ParsedIssue(path=self.path, date=date, title=title, headline=headline, heading_line=h1_index + 1)
        section: int | None = None
        lead: list[str] | None = None
        lead_open = False
        footer: str = ""  # what kind of boilerplate the lines are in, "" outside it
        current: tuple[int, str, list[tuple[int, str]]] | None = None  # (line number, item text, body)
        note: list[str] | None = None  # the lines of a note being read
        note_section = WARMUP

        def finish() -> None:
            nonlocal current
            if current is not None:
                self._entry(section if section is not None else WARMUP, *current)
            current = None

        def end_note() -> None:
            nonlocal note
            if note is not None:
                self.note(note_section, note)
            note = None

        def start_note(where: int, line: str) -> None:
            nonlocal note, note_section
            end_note()
            finish()
            note, note_section = [line], where

        for index in range(h1_index + 1, len(self.lines)):
            number = index + 1
            line = self.lines[index].rstrip()
            stripped = line.strip()

            heading = _H2.match(line)
            if heading:
                end_note()
                finish()
                lead_open = False
                name = " ".join(heading["text"].replace("\u3000", " ").split())
                if "往期回顾" in name:
                    footer = "往期回顾"
                    self.skip(number, footer)
                    continue
                if name in SECTION_HEADINGS:
                    section = SECTION_HEADINGS[name]
                    footer = ""
                    continue
                if footer:
                    self.skip(number, footer)
                    continue
                fallback = section if section is not None else INDUSTRY
                self.warn(number, f"unknown section heading; its entries are filed under {SECTION_NAMES[fallback]}", line)
                section = fallback
                continue
            if footer:
                if stripped:
                    self.skip(number, footer)
                continue
            if _RULE.match(line):
                # The footer (editor, project, licence) follows a rule; a section heading may resume.
                end_note()
                finish()
                footer = "footer"
                self.skip(number, footer)
                continue
            if _NOTE.match(stripped) and _WECHAT_ONLY.search(stripped):
                end_note()
                finish()
                self.skip(number, "WeChat instruction")
                continue
            image = _IMAGE_LINE.match(line)
            if image and _QR.search(image["alt"] + image["src"]):
                end_note()
                finish()
                self.skip(number, "QR code")
                continue

            if note is not None:
                if stripped and not _ITEM.match(line) and not _LEAD.match(line) and not (
                    section is None and _WARMUP_INTRO.search(stripped)
                ):
                    note.append(line)
                    continue
                end_note()
                if not stripped:
                    continue

            item = _ITEM.match(line)
            here = section if section is not None else WARMUP
            if section is None:
                # Between the H1 and the first section: tagline, lead, warm-up news, notes.
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
                tagline = _TAGLINE.match(stripped)
                if tagline and lead is None and not self.entries and current is None and not issue.tagline:
                    issue.tagline = tagline["text"].strip()
                    continue
                if _NOTE.match(stripped):
                    start_note(WARMUP, line)
                    continue
                quoted = _QUOTE.match(line)
                if lead_open and quoted:
                    lead.append(quoted["text"].rstrip())
                    continue
                if _WARMUP_INTRO.search(stripped) and not issue.warmup_intro:
                    finish()
                    lead_open = False
                    issue.warmup_intro = "" if stripped == DEFAULT_WARMUP_INTRO else stripped
                    continue
                if lead_open:
                    lead.append(line.rstrip())
                    continue
                if current is not None:
                    self._warmup_line(current, number, line)
                    continue
                if quoted and lead is not None and not self.entries and not self.notes and issue.warmup_intro == "":
                    # A further quoted paragraph of the lead, after a blank line.
                    lead.extend(["", quoted["text"].rstrip()])
                    lead_open = True
                    continue
                # Any other text is a paragraph for readers: kept as a note where it stands.
                start_note(WARMUP, line)
                continue

            # Inside a section.
            if item:
                finish()
                current = (number, item["text"], [])
                continue
            if _NOTE.match(stripped):
                start_note(here, line)
                continue
            if current is not None:
                current[2].append((number, line))
            elif stripped:
                if _OTHER_HEADING.match(line):
                    self.warn(number, "sub-heading kept as a note of the section", line, strict=False)
                start_note(here, line)
        end_note()
        finish()

        if lead is not None:
            issue.lead = "\n".join(lead).strip()
        issue.entries = self.entries
        issue.notes = self.notes
        issue.skipped = self.skipped
        if not self.entries:
            self.warn(h1_index + 1, "no entries found in this issue")
        self._check_duplicates()
        issue.warnings = sorted(self.warnings, key=lambda w: w.line)
        return issue

    def _warmup_line(self, current: tuple[int, str, list[tuple[int, str]]], number: int, line: str) -> None:
        """A line under a warm-up item: a stray copy of it is left out, anything else kept as its summary."""
        if _same_text(line, current[1]):
            self.warn(number, f"repeats the warm-up item on line {current[0]}; left out", line, strict=False)
            return
        self.warn(number, f"text under the warm-up item on line {current[0]} kept as its summary", line, strict=False)
        current[2].append((number, line))

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
        if not entry.url and section != WARMUP and not entry.attention:
            self.warn(number, "entry without a link", text, strict=False)
        self.entries.append(entry)

    def _attention(self, entry: ParsedEntry, number: int, message: str, text: str) -> None:
        """A malformed entry: imported with what could be read, and flagged for an editor."""
        self.warn(number, message + "; the entry is marked as needing attention", text)
        entry.attention = entry.attention or message

    def _entry_line(self, number: int, text: str) -> ParsedEntry:
        text = text.rstrip()
        brackets = _Brackets(text)
        entry = ParsedEntry(section=0, position=0, title="")
        venues: list[str] = []
        pos = 0
        main = None
        broken = False
        # Prefixes such as [1812.00332] or [SysML 2019], before the main link.
        while True:
            while pos < len(text) and text[pos] in " \t\u3000":
                pos += 1
            if pos >= len(text) or text[pos] != "[":
                break
            main = brackets.link_at(pos)
            if main is not None:
                break
            close = brackets.closing(pos)
            if close < 0:
                break
            if close + 1 < len(text) and text[close + 1] == "(":
                # "[title | publisher](" with no closing parenthesis: a link whose address is cut off.
                broken = True
                break
            prefix = text[pos + 1 : close].strip()
            pos = close + 1
            if ARXIV_ID.match(prefix):
                if entry.arxiv_id:
                    venues.append(prefix)
                    self.warn(number, f"second arXiv id “{prefix}” kept with the venue; the entry's id is {entry.arxiv_id}", text, strict=False)
                else:
                    entry.arxiv_id = prefix
            elif prefix:
                venues.append(prefix)
        entry.venue = ", ".join(venues)

        if broken:
            close = brackets.closing(pos)
            title = text[pos + 1 : close]
            address = text[close + 2 :].strip()
            entry.url = address if re.fullmatch(r"https?://\S+", address) else ""
            self._attention(entry, number, "the link's parenthesis is never closed", text)
            pos = len(text)
        elif main is not None:
            title, entry.url, pos = main
            if not entry.url and re.match(r"^https?://\S+$", title.strip()):
                self.warn(number, "the link has no address; its text, a web address, is used", text, strict=False)
                entry.url = title.strip()
            elif not entry.url:
                self._attention(entry, number, "the link has no address", text)
        else:
            # No link at all, e.g. "- title | publisher": the rest of the line is the title.
            unclosed = pos < len(text) and text[pos] == "[" and brackets.closing(pos) < 0
            title, pos = text[pos:].strip(), len(text)
            if unclosed:
                self._attention(entry, number, "the link's bracket is never closed; the rest of the line is the title", text)
                title = title[1:].strip().rstrip("|｜ ")
        entry.title, entry.publisher = _split_publisher(title)

        # After the main link: extra links, [[label]](url), [label](url) or a bare (url).
        leftover: list[str] = []
        rest = text[pos:]
        rest_brackets = _Brackets(rest)
        i = 0
        while i < len(rest):
            char = rest[i]
            if char in _TRAILING_PUNCTUATION + "。.":
                i += 1
                continue
            link = rest_brackets.link_at(i)
            if link is not None:
                label, url, i = link
                self._extra_link(entry, number, _link_label(label), url, text)
                continue
            if char == "(":
                end = rest_brackets.closing(i)
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
            self.warn(number, "text after the links kept as the start of the summary", leftover_text, strict=False)
            entry.summary = leftover_text
        return entry

    def _extra_link(self, entry: ParsedEntry, number: int, label: str, url: str, text: str) -> None:
        if not url:
            self.warn(number, f"extra link “{label}” has no address and is left out", text)
            return
        if url == entry.url or any(link["url"] == url for link in entry.links):
            self.warn(number, "the same link is written twice; kept once", url, strict=False)
            return
        entry.links.append({"label": label, "url": url})

    def _warmup_item(self, number: int, text: str) -> ParsedEntry:
        text = text.strip().rstrip(_TRAILING_PUNCTUATION)
        brackets = _Brackets(text)
        entry = ParsedEntry(section=WARMUP, position=0, title="")
        if text.startswith("["):
            first = brackets.link_at(0)
            if first is not None:
                links = [(s - first[2], e - first[2], label, url) for s, e, label, url in brackets.links() if s >= first[2]]
                rest = text[first[2]:]
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
        links = brackets.links()
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
        """The lines under an entry: "label：url" lines become extra links, the rest is the summary."""
        summary: list[str] = [entry.summary] if entry.summary else []
        marker_seen = bool(summary)
        for number, line in body:
            line = line.rstrip()
            link = link_line(line)
            if link is not None:
                self._extra_link(entry, number, link[0], link[1], line)
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
                    entry.url, strict=False,
                )
            else:
                seen[key] = entry


def parse_text(text: str, path: str = "<text>") -> ParsedIssue:
    """Parse the text of one briefing file; ``path`` names it in warnings and errors."""
    if not text.strip():
        raise ParseError(path, 1, "the file is empty")
    return _Parser(text, path).parse()
