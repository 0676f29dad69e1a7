"""Backup and restore: the documented command pair gives back the same public site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from entries.models import Entry, Source, Tag
from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, editor, published_issue

pytestmark = pytest.mark.django_db

# The backup command, exactly as the README gives it.
BACKUP_ARGS = [
    "--natural-foreign",
    "--exclude", "contenttypes", "--exclude", "auth.permission",
    "--exclude", "sessions", "--exclude", "axes",
]

RENDER_PAGES = """
import json, os
from django.test import Client
client = Client()
print(json.dumps({p: [client.get(p).status_code, client.get(p).content.decode()] for p in json.loads(os.environ["PAGES"])}))
"""


def manage(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300,
        env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "STATIC_MANIFEST": "0",
             "PUBLIC_CACHE_SECONDS": "0", **env},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a brand-new, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"briefing_restore_{uuid.uuid4().hex[:10]}"
    conninfo = dict(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER") or "postgres",
                    dbname="postgres", autocommit=True)
    with psycopg.connect(**conninfo) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{conninfo['user']}@{conninfo['host']}:{conninfo['port']}/{name}"
    finally:
        with psycopg.connect(**conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restoring_a_backup_into_an_empty_database_gives_the_same_public_pages(client, tmp_path, empty_database):
    for n in range(3):
        issue = published_issue(entries=0, title=f"Backed up issue {n}", lead=f"**导读** {n}")
        for k in range(3):
            EntryFactory(issue=issue, title=f"Entry {n}.{k}", tags=["量化", f"tag-{k}"], summary=f"摘要 *{n}.{k}*")
    draft = IssueFactory(title="Draft stays a draft")
    EntryFactory(issue=draft)
    boss = editor(username="restorer")
    review = IssueFactory(title="Review issue")
    EntryFactory(issue=review)
    workflow.submit_for_review(review, boss)

    pages = ["/", "/issues/", "/sitemap.xml", "/feed/", "/feed/atom/"]
    pages += [i.get_absolute_url() for i in Issue.objects.all()]
    pages += [e.get_absolute_url() for e in Entry.objects.all()]
    pages += [t.get_absolute_url() for t in Tag.objects.all()]
    pages += [s.get_absolute_url() for s in Source.objects.all()]
    before = {p: [client.get(p).status_code, client.get(p).content.decode()] for p in pages}
    assert sum(status == 200 for status, _ in before.values()) > 20

    backup = tmp_path / "briefing-backup.json.gz"
    call_command("dumpdata", *BACKUP_ARGS, output=str(backup), verbosity=0)
    assert backup.stat().st_size > 0

    manage("migrate", "--noinput", database_url=empty_database)
    manage("loaddata", str(backup), database_url=empty_database)
    rendered = manage("shell", "--no-imports", "-c", RENDER_PAGES, database_url=empty_database,
                      PAGES=json.dumps(pages))
    after = json.loads(rendered.stdout.strip().splitlines()[-1])

    different = [p for p in pages if before[p] != after[p]]
    assert not different, f"{len(different)} pages differ after restore, first: {different[:5]}"

    # The editorial state came back too: roles, workflow states and history.
    check = (
        "from issues.models import Issue; from django.contrib.auth.models import Group;"
        "print(sorted(Issue.objects.values_list('status', flat=True)),"
        " Group.objects.get(name='Editor').permissions.count(),"
        " Issue.objects.get(title='Review issue').transitions.count())"
    )
    result = manage("shell", "--no-imports", "-c", check, database_url=empty_database)
    statuses = sorted(Issue.objects.values_list("status", flat=True))
    expected = f"{statuses} {boss.groups.get().permissions.count()} 1"
    assert result.stdout.strip() == expected
