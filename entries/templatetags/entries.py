"""Template helpers for entries."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: str, terms: Sequence[str]) -> SafeString:
    """``text`` escaped, with each of ``terms`` in it wrapped in ``<mark>``, ignoring case.

    The terms are found in the text itself, before escaping, so a term such
    as ``<`` or ``&`` is marked where the reader sees it, and a term such as
    ``amp`` or ``lt`` never matches inside an entity.
    """
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
