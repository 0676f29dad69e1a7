"""Template helpers for the English edition: marking text whose language is not the page's."""

from __future__ import annotations

import functools
import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from briefing.markdown import plain_text
from briefing.translation import ENGLISH, ORIGINAL_LANGUAGE

register = template.Library()

#: CJK ideographs, kana, hangul and full-width punctuation: text holding any is not English.
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def text_language(text: str) -> str:
    """The language of free text we hold no label for: the original's if it has CJK characters, else English."""
    return ORIGINAL_LANGUAGE if CJK.search(str(text or "")) else ENGLISH


#: Latin letters: an "original" with some and no CJK is English text (paper titles often are).
LATIN = re.compile(r"[A-Za-z]")


def _same_language(a: str, b: str) -> bool:
    return (a or "").lower() == (b or "").lower()


def value_language(value) -> str | None:
    """The language ``value`` (an ``obj.text.<field>``) is written in.

    English-edition text is English. The original is Chinese, except where an
    editor wrote it in English in the first place (a paper's own title such as
    "YOLOX: Exceeding YOLO Series in 2021"): with Latin letters and no CJK
    character, it is English.
    """
    lang = getattr(value, "lang", None)
    if lang == ORIGINAL_LANGUAGE and _written_in_english(str(value), isinstance(value, SafeString)):
        return ENGLISH
    return lang


@functools.lru_cache(maxsize=8192)
def _written_in_english(text: str, is_html: bool) -> bool:
    # Pages and feeds ask this of the same titles and leads on every request;
    # the answer depends on the text alone.
    plain = plain_text(text) if is_html else text
    return bool(LATIN.search(plain)) and not CJK.search(plain)


@register.filter
def plaintext(value) -> str:
    """Stored HTML as plain text that the template will escape: for meta descriptions."""
    return plain_text(value)


@register.filter
def lang_attr(value) -> SafeString:
    """`` lang="…"`` when ``value`` (an ``obj.text.<field>``) is not in the page's language, else nothing.

    Screen readers and browsers then read the Chinese original on the English
    site, or an English paper title on the Chinese site, in its own language.
    """
    lang = value_language(value)
    if not lang or _same_language(lang, get_language()):
        return mark_safe("")
    return format_html(' lang="{}"', lang)


@register.filter
def language_of(text: str) -> str:
    """The language code of untagged text such as a paper's abstract: "en" unless it holds CJK."""
    return text_language(text)


@register.filter
def text_lang_attr(text: str) -> SafeString:
    """`` lang="…"`` for untagged text (an archive line made of titles) when it is not in the page's language."""
    lang = text_language(text)
    if _same_language(lang, get_language()):
        return mark_safe("")
    return format_html(' lang="{}"', lang)
