"""Feeds that survive what XML 1.0 cannot carry.

Django's XML writer refuses the C0 control characters XML 1.0 has no place
for (everything below U+0020 but tab, newline and carriage return) by raising,
which turns the whole feed into a server error. Text pasted from a PDF or a
terminal brings them into titles and summaries, so the feeds drop them
instead.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.feedgenerator import SyndicationFeed

#: The characters XML 1.0 cannot hold, even as character references.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def without_control_characters(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return NOT_IN_XML.sub("", text)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_cleaned(item) for item in value)
    return value


class XMLSafeFeed(SyndicationFeed):
    """A feed generator that drops the characters XML 1.0 cannot hold from every text it is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed = {key: _cleaned(value) for key, value in self.feed.items()}

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **kwargs)
        self.items[-1] = {key: _cleaned(value) for key, value in self.items[-1].items()}
