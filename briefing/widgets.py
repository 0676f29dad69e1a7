"""Form widgets shared by the issue and entry editors."""

from __future__ import annotations

from django import forms
from markdownx.widgets import MarkdownxWidget


class PlainNewlinesMixin:
    """Text as stored: browsers send a textarea's line breaks as CRLF, the database holds LF.

    Without it, every multi-line summary an editor merely looked at would
    count as changed, be saved again and move its issue's ``content_changed_at``.
    """

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class Textarea(PlainNewlinesMixin, forms.Textarea):
    pass


class MarkdownWidget(PlainNewlinesMixin, MarkdownxWidget):
    """django-markdownx's editor with its live preview."""
