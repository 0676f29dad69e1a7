"""Text written into an HTML attribute is escaped there, whatever it was marked."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import EntryFactory, published_issue

pytestmark = pytest.mark.django_db

#: A headline that, left unescaped in a <meta content="…">, adds http-equiv="refresh" and redirects the reader.
REFRESH = '0;url=http://127.0.0.1:8112/x" http-equiv="refresh'


class _Metas(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            self.metas.append(dict(attrs))


def meta_tags(html: str) -> list[dict[str, str | None]]:
    parser = _Metas()
    parser.feed(html)
    return parser.metas


def descriptions(html: str) -> list[str]:
    return [
        meta["content"] for meta in meta_tags(html)
        if meta.get("name") in ("description", "twitter:description") or meta.get("property") == "og:description"
    ]


def assert_no_injected_attribute(html: str) -> None:
    for meta in meta_tags(html):
        assert "http-equiv" not in meta, meta
    found = descriptions(html)
    assert len(found) == 3 and all(text == REFRESH for text in found), found


@pytest.mark.parametrize("path_of", [lambda issue: "/", lambda issue: issue.get_absolute_url()])
def test_a_quote_in_a_headline_cannot_add_attributes_to_meta_tags(path_of):
    issue = published_issue(headline=REFRESH)
    response = Client().get(path_of(issue))
    assert response.status_code == 200
    assert_no_injected_attribute(response.content.decode())


def test_a_quote_in_the_english_headline_cannot_add_attributes_to_meta_tags():
    issue = published_issue(headline="普通标题", headline_en=REFRESH)
    for path in ("/en/", f"/en{issue.get_absolute_url()}"):
        response = Client().get(path)
        assert response.status_code == 200
        assert_no_injected_attribute(response.content.decode())


def test_a_quote_in_a_summary_cannot_add_attributes_to_the_entry_page_meta_tags():
    issue = published_issue(entries=0)
    entry = EntryFactory(issue=issue, summary=REFRESH)
    response = Client().get(entry.get_absolute_url())
    assert response.status_code == 200
    assert_no_injected_attribute(response.content.decode())


def test_an_ampersand_in_a_source_name_is_escaped_once_in_meta_tags():
    issue = published_issue(entries=0)
    entry = EntryFactory(issue=issue, source__name='A&B "Lab"')
    response = Client().get(entry.source.get_absolute_url())
    html = response.content.decode()
    assert 'A&amp;B &quot;Lab&quot;' in html
    assert "&amp;amp;" not in html
    assert all("A&B \"Lab\"" in text for text in descriptions(html))
