"""Database settings: public pages' repeated queries are prepared on PostgreSQL, and a bad knob says so."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from tests.factories import published_issue

from .test_deploy import manage


@pytest.mark.django_db
@override_settings(PUBLIC_CACHE_SECONDS=0)
def test_issue_page_queries_are_prepared_once_per_connection_on_postgresql(client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres")
    issue = published_issue(entries=3)
    published_issue(entries=1)  # a neighbour, so the pager query runs too
    for _ in range(6):  # more than DATABASE_PREPARE_THRESHOLD's default of 5
        assert client.get(issue.get_absolute_url()).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "issues_issue"' in statement and "issues_issuebody" in statement for statement in prepared)


def test_a_bad_prepare_threshold_is_refused_with_a_message_naming_it():
    result = manage("check", env={"DATABASE_PREPARE_THRESHOLD": "sometimes"})
    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be a whole number or 'off', not 'sometimes'" in result.stderr
