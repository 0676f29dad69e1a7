"""When PostgreSQL drops the site's connections, the site recovers and never claims a lost save."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from issues.models import Issue
from tests.factories import IssueFactory, EntryFactory, editor, published_issue
from tests.security.helpers import form_fields

from .server import Browser, Gunicorn, terminate_site_connections

# The server under test needs committed data; serialized_rollback brings back the
# roles the migrations created, which the flush after each such test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres")


def fetch_status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def test_site_recovers_by_itself_when_postgresql_drops_its_connections_under_load():
    issue = published_issue(entries=5, title="Survives restarts")
    with Gunicorn(workers=2) as server:
        page = server.url + issue.get_absolute_url()
        assert fetch_status(page) == 200
        statuses: list[int] = []
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                statuses.append(fetch_status(page))

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for thread in readers:
            thread.start()
        killed = 0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            time.sleep(0.25)
            killed += terminate_site_connections()
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
        assert killed >= 4, "the test must actually have dropped connections"
        assert len(statuses) > 20

        # Right after the last drop, every request succeeds: no worker keeps a dead connection.
        terminate_site_connections()
        after = [fetch_status(page) for _ in range(30)]
        assert after == [200] * 30
        # During the drops, at most the requests in flight at that moment failed.
        failures = [s for s in statuses if s != 200]
        assert len(failures) <= killed, (len(failures), killed, len(statuses))


DROP_CONNECTION = """
CREATE OR REPLACE FUNCTION briefing_test_drop_connection() RETURNS trigger AS $$
BEGIN
    PERFORM pg_terminate_backend(pg_backend_pid());
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


@pytest.mark.parametrize("moment", ["during the update", "at commit"])
def test_admin_never_reports_a_save_that_was_not_stored(moment):
    user = editor(username="careful")
    # The server hashes passwords the production way, not the suite's fast way.
    user.password = PBKDF2PasswordHasher().encode("pass-word-123", "saltsaltsalt", iterations=1000)
    user.save()
    issue = IssueFactory(title="Title before")
    EntryFactory(issue=issue)
    with Gunicorn(workers=1) as server:
        browser = Browser(server.url)
        browser.login("careful", "pass-word-123")
        change = reverse("admin:issues_issue_change", args=[issue.pk])
        status, page = browser.get(change)
        assert status == 200
        fields = form_fields(page, "issue_form")
        fields.update(title=["Title after"], _save=["Save"])

        with connection.cursor() as cursor:
            cursor.execute(DROP_CONNECTION)
            if moment == "at commit":
                cursor.execute(
                    "CREATE CONSTRAINT TRIGGER briefing_test_drop AFTER UPDATE ON issues_issue "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION briefing_test_drop_connection()"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER briefing_test_drop BEFORE UPDATE ON issues_issue "
                    "FOR EACH ROW EXECUTE FUNCTION briefing_test_drop_connection()"
                )
        try:
            status, _ = browser.post(change, fields)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER briefing_test_drop ON issues_issue")
                cursor.execute("DROP FUNCTION briefing_test_drop_connection()")

        assert status >= 500, "a save that was not stored must not look like a success"
        issue.refresh_from_db()
        assert issue.title == "Title before"
        # The next pages work, and none of them says the save went through.
        status, page = browser.get(reverse("admin:issues_issue_changelist"))
        assert status == 200
        assert "Title before" in page
        assert "successfully" not in page and "成功" not in page and 'class="success"' not in page
        status, page = browser.get(change)
        assert status == 200 and "successfully" not in page

        # Saving again once the database is back works, and says so.
        fields = form_fields(page, "issue_form")
        fields.update(title=["Title after"], _save=["Save"])
        status, page = browser.post(change, fields)
        assert status == 200 and "Title after" in page
        issue.refresh_from_db()
        assert issue.title == "Title after"


def test_issue_page_replaces_a_connection_postgresql_dropped_on_the_first_request_after(client, settings):
    # The page's query is its own health check (briefing/compiled.py): no
    # SELECT 1 goes first, and a dead connection is replaced within the request.
    import psycopg
    from django.db import close_old_connections

    settings.PUBLIC_CACHE_SECONDS = 0  # the page itself, not its cached copy
    issue = published_issue(entries=2, title="Back at once")
    page = issue.get_absolute_url()
    assert client.get(page).status_code == 200
    dropped = connection.connection.info.backend_pid
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname=params["NAME"], autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dropped])
    # What every request starts with: the kept connection is to be checked again.
    close_old_connections()

    response = client.get(page)
    assert response.status_code == 200 and "Back at once" in response.content.decode()
    assert connection.connection.info.backend_pid != dropped
