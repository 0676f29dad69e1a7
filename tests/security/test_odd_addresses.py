"""Odd addresses and parameters (NUL bytes, huge numbers, words for ids) are a 400 or a 404, never a 500.

The hostile-input probe, finding 13: PostgreSQL refuses a NUL in a string and
a number past bigint, so these failed there as server errors.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import EntryFactory, IssueFactory, SourceFactory, editor, published_issue

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775807"
HUGER = "99999999999999999999999"


@pytest.fixture
def site():
    issue = published_issue(entries=0)
    EntryFactory(issue=issue, title="Quantized INT8 paper", source=SourceFactory(name="量子位"), tags=["量化"])
    return issue


ANONYMOUS = [
    "/tags/%00/", "/tags/%00/feed/", "/tags/a%00b/", "/en/tags/%00/",
    "/sources/%00/", "/sources/%00/feed/", "/sources/x%00/feed/", "/en/sources/%00/",
    f"/entries/{HUGER}/", f"/entries/{HUGE}/",
    "/issues/2021-99-99/", "/issues/0000-00-00/",
    "/preview/%00/", f"/preview/{HUGER}/",
    "/tags/%E9%87%8F%E5%8C%96/?page=%00", f"/tags/%E9%87%8F%E5%8C%96/?page={HUGER}",
    f"/sitemap.xml?p={HUGER}", "/sitemap.xml?p=%00",
]


@pytest.mark.parametrize("path", ANONYMOUS)
def test_odd_public_addresses_are_not_server_errors(site, path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code)


@pytest.mark.parametrize("query", [
    {"q": "abc", "page": HUGE}, {"q": "abc", "page": HUGER}, {"q": "abc", "page": "-1"}, {"q": "量化", "page": HUGE},
])
def test_odd_page_numbers_of_a_search_answer_with_a_page(site, query):
    response = Client(raise_request_exception=False).get("/search/", query)
    assert response.status_code == 200


@pytest.mark.parametrize("query", [{"q": "\x00"}, {"q": "量化\x00"}, {"q": "abc", "page": "\x00"}, {"q\x00": "x"}])
def test_a_nul_in_a_query_is_a_bad_request(site, query):
    response = Client(raise_request_exception=False).get("/search/", query)
    assert response.status_code == 400


@pytest.mark.parametrize("path", [
    "/admin/issues/issue/?status=%00", "/admin/issues/issue/?year=%00", "/admin/entries/entry/?issue_status=%00",
    "/admin/entries/tag/suggest/?q=%00", "/admin/entries/entry/?q=%00",
    "/admin/issues/issue/abc/export/markdown/", f"/admin/issues/issue/{HUGER}/export/markdown/",
    "/admin/issues/issue/%00/export/wechat/", "/admin/issues/issue/abc/revisions/",
    "/admin/issues/issue/abc/change/",
])
def test_odd_ids_in_the_admin_are_not_server_errors(path):
    client = Client(raise_request_exception=False)
    client.force_login(editor())
    response = client.get(path)
    assert response.status_code in (302, 400, 404), (path, response.status_code)


@pytest.mark.parametrize("object_id", ["abc", HUGER, "%00"])
def test_odd_ids_in_workflow_and_preview_posts_are_not_server_errors(object_id):
    IssueFactory()
    client = Client(raise_request_exception=False)
    client.force_login(editor())
    for path in [
        f"/admin/issues/issue/{object_id}/transition/submit_for_review/",
        f"/admin/issues/issue/{object_id}/preview-links/new/",
        f"/admin/issues/issue/{object_id}/preview-links/1/revoke/",
    ]:
        response = client.post(path)
        assert response.status_code in (400, 404), (path, response.status_code)
