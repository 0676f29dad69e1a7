"""What the security tests share: filling admin forms as a browser would, and judging HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings


class _FormParser(HTMLParser):
    """Collect what a browser would submit from the form with id ``form_id``.

    Forms nested inside it (which browsers ignore) are skipped, so are buttons
    and file inputs: the caller says which button it presses.
    """

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # forms open; 1 means inside the one we want, directly
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._textarea_text: list[str] = []
        self._select: str | None = None
        self._select_multiple = False
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_text: list[str] = []
        self._option_selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if self.inside:
                self.depth += 1
            elif a.get("id") == self.form_id:
                self.inside, self.depth = True, 1
            return
        if not self.inside or self.depth != 1:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, []
        elif tag == "select" and name:
            self._select, self._select_multiple, self._options = name, "multiple" in a, []
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.depth -= 1
            if self.depth == 0:
                self.inside = False
            return
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea_text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._select is not None and self._option_value is not None:
            self._options.append((self._option_value, self._option_selected))
            self._option_value = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._select_multiple and self._options:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea_text.append(data)


def form_fields(html: str, form_id: str) -> dict[str, list[str]]:
    parser = _FormParser(form_id)
    parser.feed(html)
    parser.close()
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


def submit_admin_form(client, url: str, changes: dict[str, str | list[str]], form_id: str | None = None, **extra):
    """GET an admin add/change page, fill it in like a person would, press Save, return the response."""
    page = client.get(url)
    assert page.status_code == 200, f"{url}: {page.status_code}"
    model_name = page.context["opts"].model_name if page.context and "opts" in page.context else None
    fields = form_fields(page.content.decode(), form_id or f"{model_name}_form")
    assert fields, f"no form found on {url}"
    for name, value in changes.items():
        fields[name] = value if isinstance(value, list) else [value]
    fields["_save"] = ["Save"]
    return client.post(url, fields, **extra)


# --- Is this HTML inert? --------------------------------------------------------------------

_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc", "lowsrc", "dynsrc", "ping"}
_NEVER_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
_SCRIPT_TYPES_THAT_DO_NOT_RUN = {"application/json", "application/ld+json", "text/template"}


def _as_browser_reads(url: str) -> str:
    """A URL as a browser parses it (WHATWG): C0 controls and spaces trimmed, tabs and newlines dropped."""
    return re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
                                        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")).lower()


class _InertChecker(HTMLParser):
    def __init__(self, allowed_script_prefixes: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_script_prefixes = allowed_script_prefixes
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        a = {name.lower(): (value or "") for name, value in attrs}
        if tag == "script":
            kind = a.get("type", "").strip().lower()
            if kind in _SCRIPT_TYPES_THAT_DO_NOT_RUN:
                return
            src = a.get("src", "")
            if not src or not src.startswith(self.allowed_script_prefixes):
                self.problems.append(f"executable <script{' src=' + src if src else ''}>")
            self._in_script = True
        if tag in _NEVER_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES or name.endswith(":href"):
                if _as_browser_reads(value).startswith(_DANGEROUS_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and re.search(r"expression\s*\(|javascript:|url\s*\(", value, re.I):
                self.problems.append(f"<{tag} style={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script body {data.strip()[:60]!r}")


def html_problems(html: str, allowed_script_prefixes: tuple[str, ...] = ()) -> list[str]:
    """Everything in ``html`` a browser could run: <script>, on* handlers, javascript:/data: URLs…"""
    checker = _InertChecker(allowed_script_prefixes)
    checker.feed(html)
    checker.close()
    return checker.problems


_HTML_ELEMENTS_IN_FEEDS = {"description", "summary", "content", "encoded", "subtitle"}


def xml_problems(xml: str) -> list[str]:
    """Problems in a feed or sitemap: in the XML itself, and in every HTML payload it carries."""
    problems = html_problems(xml)
    root = ET.fromstring(xml.encode())
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in _HTML_ELEMENTS_IN_FEEDS and element.text:
            problems += [f"in <{local}>: {p}" for p in html_problems(element.text)]
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] == "href" and _as_browser_reads(value).startswith(_DANGEROUS_SCHEMES):
                problems.append(f"<{local} href={value!r}>")
    return problems


# --- Crawling the public site -----------------------------------------------------------------

_SKIP_PREFIXES = ("/admin/", "/markdownx/", "/static/", "/media/", "/preview/")


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _same_site_path(link: str, base: str) -> str | None:
    absolute = urljoin("http://testserver" + base, link.strip())
    parts = urlsplit(absolute)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc not in {"testserver", site.netloc}:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(_SKIP_PREFIXES) else path


def links_in(body: str, content_type: str, base: str) -> list[str]:
    raw: list[str] = []
    if "xml" in content_type:
        try:
            root = ET.fromstring(body.encode())
        except ET.ParseError:
            return []
        for element in root.iter():
            local = element.tag.rsplit("}", 1)[-1]
            if local in ("loc", "link", "id", "guid", "comments") and element.text:
                raw.append(element.text.strip())
            if "href" in element.attrib:
                raw.append(element.attrib["href"])
    else:
        parser = _LinkParser()
        parser.feed(body)
        raw = parser.links
    return [p for p in (_same_site_path(link, base) for link in raw) if p]


START_PATHS = ["/", "/sitemap.xml", "/feed/", "/feed/atom/"]


def crawl(client, start: list[str] | None = None, limit: int = 2000) -> dict[str, tuple[int, str, str]]:
    """Every same-site page reachable from the start paths: {path: (status, content type, body)}.

    Start paths that do not answer 200 (a feed this build does not have yet)
    are simply not followed.
    """
    seen: dict[str, tuple[int, str, str]] = {}
    queue = list(start or START_PATHS)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path, follow=False)
        content_type = response.get("Content-Type", "")
        body = response.content.decode("utf-8", "replace") if not response.streaming else ""
        seen[path] = (response.status_code, content_type, body)
        if response.status_code in (301, 302) and response.get("Location"):
            target = _same_site_path(response["Location"], path)
            if target:
                queue.append(target)
        if response.status_code == 200 and ("html" in content_type or "xml" in content_type):
            queue.extend(p for p in links_in(body, content_type, path) if p not in seen)
    return seen
