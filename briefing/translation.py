"""The English edition: English text where an editor wrote it, the Chinese original elsewhere.

Chinese is the original of every issue; English is optional, field by field.
Models list their translatable fields in ``english_fields`` and templates read
``obj.text.<field>``, which picks the English text when the reader is on the
English site and it exists, and otherwise the original. Each value carries
its language (``.lang``) so templates can mark it with a ``lang`` attribute.
"""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import get_language

ORIGINAL_LANGUAGE = "zh-Hans"
ENGLISH = "en"


class _KnowsItsLanguage:
    lang: str = ORIGINAL_LANGUAGE

    def __new__(cls, value: str, lang: str):
        obj = super().__new__(cls, value)
        obj.lang = lang
        return obj

    @property
    def is_original(self) -> bool:
        return self.lang == ORIGINAL_LANGUAGE


class LocalizedText(_KnowsItsLanguage, str):
    """A string that knows its language."""


class LocalizedHTML(_KnowsItsLanguage, SafeString):
    """Stored, sanitized HTML that knows its language."""


def reading_english(language: str | None = None) -> bool:
    return (language or get_language() or "").lower().startswith("en")


class _Texts:
    def __init__(self, obj, language: str | None) -> None:
        self._obj = obj
        self._english = reading_english(language)

    def __getattr__(self, field: str):
        english_field = self._obj.english_fields.get(field)
        if english_field is None:
            raise AttributeError(field)
        kind = LocalizedHTML if field.endswith("_html") else LocalizedText
        if self._english:
            value = getattr(self._obj, english_field) or ""
            if value.strip():
                return kind(value, ENGLISH)
        return kind(getattr(self._obj, field) or "", ORIGINAL_LANGUAGE)


class EnglishEditionMixin:
    """Gives a model ``.text``: its translatable fields in the reader's language."""

    english_fields: dict[str, str] = {}

    @property
    def text(self) -> _Texts:
        return _Texts(self, None)
