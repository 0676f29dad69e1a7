"""Benchmark: import the whole briefing corpus into an empty database.

    python bench/import_corpus.py --database sqlite
    python bench/import_corpus.py --database postgres     # a throwaway database bench_import

Prints the time, entries per second and the number of SQL queries, then the time to
parse hostile lines just under the parser's line limit (brackets that never close), which
is linear in their length. The
database is empty before each run: a temporary SQLite file, or a PostgreSQL
database created for the run and dropped afterwards (BENCH_POSTGRES_URL names
the server, default postgres://postgres@127.0.0.1:5432/postgres). The corpus
is read from BRIEFING_CORPUS, else ../shared/corpus next to the repository.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_import"


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--corpus", default=os.environ.get("BRIEFING_CORPUS") or str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=3, help="Runs, each into an emptied database (default 3).")
    args = parser.parse_args()

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"No corpus at {corpus}: set BRIEFING_CORPUS=/path/to/corpus.", file=sys.stderr)
        return 2

    tmp = None
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if args.database == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="bench-import-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    else:
        _postgres_admin(server, f"DROP DATABASE IF EXISTS {BENCH_DB}")
        _postgres_admin(server, f"CREATE DATABASE {BENCH_DB}")
        parts = urlsplit(server)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")

    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from entries.models import Entry, Source
        from issues.archive.importer import collect_paths, import_file
        from issues.models import Issue

        call_command("migrate", verbosity=0)
        paths = collect_paths([corpus])
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        times = []
        for run in range(args.repeat):
            Entry.objects.all().delete()
            Issue.objects.all().delete()
            Source.objects.all().delete()
            queries = 0
            with connection.execute_wrapper(count):
                start = time.perf_counter()
                for path in paths:
                    import_file(path)
                elapsed = time.perf_counter() - start
            times.append(elapsed)
            entries = Entry.objects.count()
            print(
                f"[{args.database}] run {run + 1}: {len(paths)} files, {entries} entries, "
                f"{Source.objects.count()} sources in {elapsed:.2f} s = {entries / elapsed:.0f} entries/s, "
                f"{queries} queries ({queries / len(paths):.1f} per file)"
            )
        best = min(times)
        print(
            f"[{args.database}] {connection.vendor} {connection.settings_dict['NAME']}: best of {len(times)} "
            f"{best:.2f} s, median {statistics.median(times):.2f} s, {entries / best:.0f} entries/s"
        )
        connection.close()
        hostile_lines()
    finally:
        if tmp is not None:
            tmp.cleanup()
        elif args.database == "postgres":
            _postgres_admin(server, f"DROP DATABASE IF EXISTS {BENCH_DB}")
    return 0


def hostile_lines() -> None:
    """Parse times of lines of unclosed brackets just under the line limit, where the entry, warm-up and extra-link code read them."""
    from issues.archive.parser import MAX_LINE_CHARS, parse_text

    head = "# 嵌入式AI简报 (2024-01-01)\n\n"
    for name, line in [("[x](", "[x](" * (MAX_LINE_CHARS // 4 - 25)), ("[", "[" * (MAX_LINE_CHARS - 100))]:
        for where, template in [("entry", "## 论文\n- {}\n"), ("warm-up", "热身：\n\n- {}\n"), ("after a link", "## 论文\n- [t](https://e.org) {}\n")]:
            start = time.perf_counter()
            parse_text(head + template.format(line), "hostile.md")
            print(f"[hostile] {len(line):,} characters of {name!r} as {where}: {1000 * (time.perf_counter() - start):.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
