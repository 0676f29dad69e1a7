"""Anonymous requests have a bounded database time; staff requests do not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from briefing.middleware import set_statement_timeout
from tests.factories import editor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.briefing.timeout_urls"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"),
]


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: a cut-off query aborts no transaction
def test_an_anonymous_request_whose_query_runs_too_long_gets_a_503_not_a_hung_worker(settings):
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 200
    try:
        response = Client().get("/test/slow/")
    finally:
        set_statement_timeout(0)  # committed, unlike in other tests: not for the tests after this one
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_anonymous_queries_are_bounded_and_a_staff_request_after_them_is_not(settings):
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 1500
    assert Client().get("/test/statement-timeout/").content == b"1500ms"
    client = Client()
    client.force_login(editor())
    assert client.get("/test/statement-timeout/").content == b"0"
    assert Client().get("/test/statement-timeout/").content == b"1500ms"


def test_staff_requests_are_not_bounded(settings):
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 200
    client = Client()
    client.force_login(editor())
    assert client.get("/test/statement-timeout/").content == b"0"
    assert client.get("/test/slow/").status_code == 200
