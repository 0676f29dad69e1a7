"""Markdown rendering for everything staff write: summaries, leads, headlines.

Rendering happens once, when a model is saved (see ``save()`` of Entry and
Issue), and the sanitized HTML is stored. Pages, feeds and exports only ever
read the stored HTML, so a payload that slipped past the editor's eyes is
already inert by the time any reader sees it.
"""

import functools
import html as html_lib
import re

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
# No javascript:, data:, vbscript: or anything else that can run or smuggle content.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Bare URLs in summaries ("代码：https://github.com/…") are links to a reader;
# wrap them in Markdown's <…> autolink form unless they already are part of a link.
_BARE_URL = re.compile(r"(?<![(<\[\"'=/])\bhttps?://[^\s<>()\[\]（），。；、\"']+")


def _autolink(text: str) -> str:
    return _BARE_URL.sub(lambda m: f"<{m.group(0)}>", text)


def sanitize_html(html: str) -> str:
    """Strip everything that is not plain, safe formatting from an HTML fragment."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


#: How deep blocks may nest (markdown-it's levels: a list and its item are two,
#: a quote one): nine lists inside one another, eighteen quotes.
MAX_NESTING = 20

#: CommonMark, which renders in linear time and takes a list written right
#: under a line of text (要点：\n- …) as a list; GitHub's tables and
#: strikethrough; a line break where the writer broke the line. markdown-it
#: stops nesting at ``maxNesting``, so no input recurses without end, but it
#: leaves out whatever lies deeper. So it may go two levels past
#: ``MAX_NESTING``, enough to see that a text does: such a text is shown as
#: plain text instead (``render_markdown``), and forms refuse it
#: (``validate_markdown``).
MARKDOWN = MarkdownIt(
    "commonmark", {"breaks": True, "html": True, "maxNesting": MAX_NESTING + 2},
).enable(["table", "strikethrough"])
# Every link is rendered a link; the sanitizer then drops what is not http(s)
# or mailto, so a reader sees the words of a bad link, not its Markdown.
MARKDOWN.validateLink = lambda url: True


def _too_deep(tokens) -> bool:
    return any(token.level >= MAX_NESTING for token in tokens)


def is_nested_too_deep(text: str) -> bool:
    """Whether ``text`` nests blocks deeper than ``MAX_NESTING`` levels (one linear parse)."""
    return _too_deep(MARKDOWN.parse(text))


def validate_markdown(text: str) -> None:
    """Refuse Markdown nested deeper than ``MAX_NESTING``, which would be shown as plain text."""
    if text and is_nested_too_deep(text):
        raise ValidationError(
            _("Lists and quotes are nested too deep here: at most %(lists)d lists inside one another."),
            code="too_deep", params={"lists": MAX_NESTING // 2 - 1},
        )


def _plain_paragraphs(text: str) -> str:
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    return "\n".join("<p>" + html_lib.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs)


def render_markdown(text: str) -> str:
    """Render staff-written Markdown to sanitized HTML, safe to show to anyone.

    Text nested deeper than ``MAX_NESTING`` comes out as plain paragraphs,
    every word of it, rather than with its deepest part missing.
    """
    if not text or not text.strip():
        return ""
    env: dict = {}
    tokens = MARKDOWN.parse(_autolink(text), env)
    if _too_deep(tokens):
        return _plain_paragraphs(text)
    return sanitize_html(MARKDOWN.renderer.render(tokens, MARKDOWN.options, env)).strip()


def render_inline(text: str) -> str:
    """Render a one-line Markdown fragment (a headline) without the paragraph wrapper."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


#: What a title may hold: inline formatting, no links (the title is a link itself) and no images.
TITLE_TAGS = {"code", "del", "em", "s", "strong"}
#: Titles are Markdown without raw HTML: "<b>" in a title is text a reader sees as written.
TITLE_MARKDOWN = MarkdownIt("commonmark", {"html": False, "maxNesting": 20}).enable(["strikethrough"])


def render_title(text: str) -> str:
    """An entry's title as sanitized HTML: its inline Markdown (**bold**, `code`) rendered, nothing else.

    Only inline rules run, so a title such as "1. Intro" or "# tag" is text,
    not a list or a heading; links, images and any other tag become their text.
    """
    if not text or not text.strip():
        return ""
    return nh3.clean(TITLE_MARKDOWN.renderInline(text), tags=TITLE_TAGS, attributes={}, strip_comments=True).strip()


def plain_text(html: str) -> str:
    """The text of stored HTML, for descriptions and meta tags.

    Returns an ordinary (unsafe) string with entities decoded, so templates and
    ``format_html`` escape it once where it lands; Django's ``striptags`` keeps
    a safe string safe, which would let a quote in the text end an attribute.
    """
    return _plain_text(str(html or ""))


@functools.lru_cache(maxsize=4096)
def _plain_text(html: str) -> str:
    # A pure function of stored HTML that feeds and pages ask for again and
    # again (headlines, leads); strip_tags runs an HTML parser, so remember it.
    from django.utils.html import strip_tags

    # A plain str, never the SafeString it came in as: html.unescape() and
    # strip_tags() hand their input back as it is when there is nothing to do.
    return "" + html_lib.unescape(strip_tags(html))
