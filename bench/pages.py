"""In-process timing of the search, tag and source pages over the benchmark's synthetic archive.

    .venv/bin/python bench/pages.py                    # build a throwaway database, time, drop it
    .venv/bin/python bench/pages.py --keep NAME        # build database NAME and keep it
    .venv/bin/python bench/pages.py --reuse NAME       # migrate NAME, time
    .venv/bin/python bench/pages.py --drop NAME        # drop database NAME

The archive is the one ``make bench`` serves, without its 100,000-character
entry (bench/synthetic.py: 1,000 published issues × 25 entries, 200 sources,
500 tags, the tag 量化 on every fifth entry), on PostgreSQL, followed by
``VACUUM ANALYZE``. Each page is requested through ``django.test.Client``
with the page cache off (``PUBLIC_CACHE_SECONDS=0``) and its fragments cached
by the first requests, as in ``make bench``'s "after an edit" mode: twice to
warm up, then ``--repeat`` times; the median and fastest times are printed
with the SQL queries of one request. This is far less disturbed by other work
on a shared machine than a load test, and is what a page costs a worker.
``--reuse`` lets the same data be timed before and after a change of code
(migrations run forward first).

Environment: BENCH_DATABASE_URL (the server, default
postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.run import AFTER_AN_EDIT, SERVER_URL, admin_connection, analyze, in_process  # noqa: E402 (after sys.path)

PATHS = [
    "/search/?q=" + urllib.parse.quote("量化"),
    "/search/?q=" + urllib.parse.quote("量化") + "&page=3",
    "/search/?q=" + urllib.parse.quote("推理框架"),
    "/search/?q=risc-v",
    "/search/?q=" + urllib.parse.quote("没有这个词xyz"),
    "/tags/liang-hua/",
    "/sources/source-007/",
]


def use_database(name: str) -> None:
    """Point Django at database ``name`` on the server, before ``django.setup()``."""
    parts = urllib.parse.urlsplit(SERVER_URL)
    os.environ["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def build() -> None:
    """Migrate, fill with the synthetic archive and analyze."""
    from django.core.management import call_command

    from bench import synthetic

    call_command("migrate", verbosity=0)
    began = time.monotonic()
    sources, tags = synthetic.make_sources_and_tags()
    synthetic.add_issues(0, 1000, sources, tags, 25)
    analyze()
    print(f"built 1,000 issues × 25 entries in {time.monotonic() - began:.0f} s")


def bring_up_to_date() -> None:
    """Run new migrations, as a deployment does, and analyze."""
    from django.core.management import call_command

    call_command("migrate", verbosity=1)
    analyze()


def time_pages(repeat: int) -> None:
    """Print the median and fastest in-process time and the queries of each page (bench/run.py's ``in_process``)."""
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    print(f"{'page':<48} {'status':>6} {'SQL':>4} {'median ms':>10} {'fastest':>8}")
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # whitenoise warns about a missing one
    # No collectstatic here: plain static URLs instead of the hashed manifest's.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(PUBLIC_CACHE_SECONDS=0, ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        for path in PATHS:
            status = Client().get(path).status_code
            queries, median, fastest = in_process(path, AFTER_AN_EDIT, repeat=repeat)
            print(f"{urllib.parse.unquote(path):<48} {status:>6} {queries:>4} {median:>10.1f} {fastest:>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--keep", metavar="NAME", help="build database NAME and keep it")
    group.add_argument("--reuse", metavar="NAME", help="time an existing database NAME (migrated forward first)")
    group.add_argument("--drop", metavar="NAME", help="drop database NAME")
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (default 30)")
    options = parser.parse_args()

    if options.drop:
        with admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{options.drop}" WITH (FORCE)')
        return 0
    name = options.reuse or options.keep or f"briefing_pages_{os.getpid()}_{int(time.time())}"
    if not options.reuse:
        with admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        use_database(name)
        if options.reuse:
            bring_up_to_date()
        else:
            build()
        time_pages(options.repeat)
    finally:
        if not (options.keep or options.reuse):
            from django.db import connections

            connections.close_all()
            with admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
