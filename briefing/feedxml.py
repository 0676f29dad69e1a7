"""Text for the feeds' XML: what XML 1.0 cannot carry is dropped, and stored bodies go in already escaped.

Django's XML writer refuses the C0 control characters XML 1.0 has no place
for (everything below U+0020 but tab, newline and carriage return) by raising,
which turns the whole feed into a server error. Text pasted from a PDF or a
terminal brings them into titles and summaries, so the feeds drop them
instead.

The biggest part of an issue feed is the issues' stored bodies (about 250 KB
for twenty issues). They are escaped for XML once, when they are stored
(``xml_text``), and written as they are (``add_text_element``), not checked
and escaped again on every request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from django.utils.feedgenerator import SyndicationFeed
from django.utils.xmlutils import SimplerXMLGenerator

#: The characters XML 1.0 cannot hold, even as character references.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class XMLText(str):
    """Text already escaped for an XML element's content, holding nothing XML 1.0 cannot: written as it is."""

    __slots__ = ()


def without_control_characters(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return NOT_IN_XML.sub("", text)


def xml_text(text: str) -> XMLText:
    """``text`` (HTML, or anything else) as the content of an XML element: cleaned and escaped."""
    if isinstance(text, XMLText):
        return text
    return XMLText(escape(without_control_characters(text)))


def add_text_element(handler: SimplerXMLGenerator, name: str, text: XMLText, attrs: Mapping[str, str] | None = None) -> None:
    """Write ``<name>text</name>`` with ``text`` as it is: it was escaped by ``xml_text``."""
    handler.startElement(name, dict(attrs or {}))
    # The writer's only call that writes text unescaped; a body is no whitespace, but it is ready XML.
    handler.ignorableWhitespace(text)
    handler.endElement(name)


def _cleaned(value: Any) -> Any:
    if isinstance(value, XMLText) or not isinstance(value, (str, list, tuple)):
        return value
    if isinstance(value, str):
        return without_control_characters(value)
    return type(value)(_cleaned(item) for item in value)


class XMLSafeFeed(SyndicationFeed):
    """A feed generator that drops the characters XML 1.0 cannot hold from every text it is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed = {key: _cleaned(value) for key, value in self.feed.items()}

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **kwargs)
        self.items[-1] = {key: _cleaned(value) for key, value in self.items[-1].items()}
