"""Template helpers for entries."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django import template
import html as html_lib

from django.utils.html import escape
from django.utils.safestring import SafeData, SafeString, mark_safe

from briefing.translation import reading_english

from entries.links import link_label

register = template.Library()


_TAG = re.compile(r"(<[^>]*>)")


@register.filter
def http_links(links) -> list[dict]:
    """An entry's extra links that are web addresses (no javascript: or data: link reaches a page), labelled for the edition read."""
    english = reading_english()
    return [
        {**link, "label": link_label(link.get("label", ""), english)} for link in links or []
        if isinstance(link, dict) and str(link.get("url", "")).strip().lower().startswith(("http://", "https://"))
    ]


@register.filter
def highlight(text: str, terms: Sequence[str]) -> SafeString:
    """``text`` escaped, with each of ``terms`` in it wrapped in ``<mark>``, ignoring case.

    The terms are found in the text itself, before escaping, so a term such
    as ``<`` or ``&`` is marked where the reader sees it, and a term such as
    ``amp`` or ``lt`` never matches inside an entity. Stored HTML (a rendered
    title, marked safe) is marked in its text only, its tags kept.
    """
    if isinstance(text, SafeData):
        return mark_safe("".join(
            part if part.startswith("<") else highlight(html_lib.unescape(part), terms)
            for part in _TAG.split(str(text)) if part
        ))
    terms = sorted({term for term in terms or () if term}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(str(text)):
        parts += [escape(text[last:match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))
