"""Benchmark: the issue editor (the desk) opening and saving issues of 10, 40 and 80 entries.

In process, with Django's test client signed in as an editor, on the database
DATABASE_URL names (a throwaway test database, never the real one). For each
size it times opening the issue page, saving it with one entry's summary
changed, and saving it with one entry dragged to the top of its section, and
counts their queries. Run with `make bench-admin` (PostgreSQL); the table goes
to bench/results/admin-latest.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_briefing_bench_admin")
# Static files from the source folders: no collectstatic manifest is needed.
os.environ.setdefault("STATIC_MANIFEST", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SIZES = (10, 40, 80)
RESULTS = Path(__file__).resolve().parent / "results" / "admin-latest.md"


def build_issue(size: int, day: int):
    """A draft issue of ``size`` entries over every section, each with a source, two tags and a summary."""
    from entries.models import Entry, Source
    from issues.models import Issue

    issue = Issue.objects.create(date=datetime.date(2030, 1, 1) + datetime.timedelta(days=day))
    sections = list(Entry.Section)
    for n in range(size):
        entry = Entry.objects.create(
            issue=issue, section=sections[n % len(sections)], position=n, url=f"https://example.com/{size}/{n}",
            title=f"条目 {n}：端侧大模型推理框架的量化实践与性能评测",
            summary=f"要点：\n- 第一点 {n}\n- 第二点\n\n详见原文。",
            source=Source.objects.get_or_create(name=f"来源{n % 7}")[0],
        )
        entry.tags.set([f"标签{n % 5}", "量化"])
    return issue


def editor_client() -> Client:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("bench-editor", password="bench-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    client = Client()
    client.force_login(user)
    return client


def timed(action, repeat: int) -> tuple[float, int]:
    """Median milliseconds of ``action()`` over ``repeat`` runs, and the queries of the last."""
    timings, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return statistics.median(timings), queries


class FormReader(HTMLParser):
    """What a browser would post back from the page's issue form (id="issue_form"), unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self.in_form = self.in_template = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == "issue_form"
        elif tag == "template":
            self.in_template = True
        if tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value") or ""
        if not self.in_form or self.in_template or "name" not in attrs:
            return
        name = attrs["name"]
        if tag == "input" and attrs.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.data[name] = attrs.get("value") or ""
        elif tag == "input" and "checked" in attrs:
            self.data[name] = attrs.get("value") or "on"
        elif tag == "textarea":
            self.textarea, self.data[name] = name, ""
        elif tag == "select":
            self.select = name

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "template":
            self.in_template = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data) -> None:
        if self.textarea:
            # A browser drops the newline right after <textarea>.
            self.data[self.textarea] += data if self.data[self.textarea] else data.removeprefix("\n")


def form_data(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return reader.data


def measure(client: Client, issue, repeat: int) -> dict[str, tuple[float, int]]:
    def form_of(response) -> dict[str, str]:
        return form_data(response.content.decode())

    url = f"/admin/issues/issue/{issue.pk}/change/"
    client.get(url)  # warm-up: templates and permissions
    results = {"open": timed(lambda: client.get(url), repeat)}
    counter = iter(range(10**6))

    def save_one_change() -> None:
        data = form_of(client.get(url))
        data["entries-3-summary"] = f"要点：\n- 改过 {next(counter)} 次"
        response = client.post(url, data)
        assert response.status_code == 302, (response.status_code, response.content[:300])

    def save_drag() -> None:
        data = form_of(client.get(url))
        section = data["entries-0-section"]
        rows = [n for n in range(issue.entries.count()) if data[f"entries-{n}-section"] == section]
        rows.sort(key=lambda n: int(data[f"entries-{n}-position"]))
        for rank, n in enumerate([rows[-1], *rows[:-1]]):
            data[f"entries-{n}-position"] = str(rank)
        assert client.post(url, data).status_code == 302

    # Only the POST is timed: open the form first, outside the clock.
    results["save"] = timed_post(client, url, save_one_change, repeat)
    results["drag"] = timed_post(client, url, save_drag, repeat)
    return results


def timed_post(client: Client, url: str, action, repeat: int) -> tuple[float, int]:
    """Time ``action``'s POST alone: the GET that opens the form is left out of the clock and the count."""
    timings, queries = [], 0
    original_post = client.post

    def post(*args, **kwargs):
        nonlocal queries
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = original_post(*args, **kwargs)
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
        return response

    client.post = post
    try:
        for _ in range(repeat):
            action()
    finally:
        client.post = original_post
    return statistics.median(timings), queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each action (default 7)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        client = editor_client()
        for day, size in enumerate(SIZES):
            issue = build_issue(size, day)
            results = measure(client, issue, args.repeat)
            rows.append((size, results))
            print(f"{size:>3} entries: open {results['open'][0]:7.1f} ms ({results['open'][1]} queries), "
                  f"save {results['save'][0]:7.1f} ms ({results['save'][1]} queries), "
                  f"drag {results['drag'][0]:7.1f} ms ({results['drag'][1]} queries)", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    report = [
        "# The issue editor: open and save (`make bench-admin`)",
        "",
        f"{connection.vendor}, in process with Django's test client, median of {args.repeat} runs; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}.",
        "*save*: one entry's summary changed; *drag*: one entry moved to the top of its section.",
        "",
        "| entries | open ms | open queries | save ms | save queries | drag ms | drag queries |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, r in rows:
        report.append(
            f"| {size} | {r['open'][0]:.0f} | {r['open'][1]} | {r['save'][0]:.0f} | {r['save'][1]} "
            f"| {r['drag'][0]:.0f} | {r['drag'][1]} |"
        )
    forty = dict(rows)[40]
    targets = [
        ("40 entries open in at most 30 queries", forty["open"][1] <= 30),
        ("40 entries save in at most 80 queries", max(forty["save"][1], forty["drag"][1]) <= 80),
    ]
    report += ["", *[f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in targets], ""]
    RESULTS.write_text("\n".join(report), encoding="utf-8")
    print(f"Done: {len(rows)} issues measured; {sum(ok for _n, ok in targets)}/{len(targets)} targets met; "
          f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}.")


if __name__ == "__main__":
    main()
