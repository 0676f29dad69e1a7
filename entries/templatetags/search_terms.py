"""Marking the terms a reader searched for."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: str, terms: list[str] | None) -> SafeString:
    """``text`` escaped, with each of ``terms`` wrapped in <mark>, ignoring case."""
    escaped = escape(text)
    terms = [escape(term) for term in terms or [] if term]
    if not terms:
        return escaped
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda match: f"<mark>{match.group(0)}</mark>", escaped))
