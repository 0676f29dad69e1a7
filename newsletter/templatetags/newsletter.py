"""``{% subscribe_form %}``: the subscribe form, in the footer of every public page and on /subscribe/."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.translation import get_language

from briefing.markdown import plain_text
from newsletter.forms import SubscribeForm, edition_choices

register = template.Library()


@register.inclusion_tag("newsletter/includes/subscribe_form.html")
def subscribe_form(form: SubscribeForm | None = None, prefix: str = "") -> dict:
    """The form (with ``form``'s values and errors, if given), its field ids prefixed with ``prefix``."""
    edition = (form.data.get("edition") if form is not None and form.is_bound else None) or get_language() or settings.LANGUAGE_CODE
    return {"form": form, "prefix": prefix, "editions": edition_choices(), "edition": edition}


LIST_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|blockquote|pre|tr|ul|ol)>|<br\s*/?>", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


@register.filter
def email_text(html) -> str:
    """Stored HTML as the plain-text part of an email: paragraphs on their own lines, list items as "- "."""
    text = plain_text(BLOCK_END.sub("\n", LIST_ITEM.sub("\n- ", str(html or ""))))
    return BLANK_LINES.sub("\n\n", text).strip()
