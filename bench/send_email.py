"""Benchmark: one issue emailed to 10,000 confirmed subscribers by one, then two, `db_worker` processes.

Builds a throwaway PostgreSQL test database (never the real one), records the
subscribers and a published issue of 30 entries, starts an aiosmtpd sink on
127.0.0.1 that counts what it receives, and for each run starts the workers
(`manage.py db_worker`, as in production), queues the issue's sending, and
waits until every delivery is finished. Reports messages per second, the time
from queueing to the last message, each worker's memory (RSS) when idle before
and after, and checks that every subscriber got exactly one message. Run with
`make bench-email`; writes bench/results/email-latest.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_briefing_bench_email")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

#: Finished within this many seconds, or the run fails.
TARGET_SECONDS = 60


class CountingSink:
    """An SMTP server's handler that keeps only how many messages each address got, and their size."""

    def __init__(self) -> None:
        self.per_address: Counter[str] = Counter()
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for address in envelope.rcpt_tos:
                self.per_address[address] += 1
            self.bytes += len(envelope.content)
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.per_address.clear()
            self.bytes = 0


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid``, in MiB (Linux's /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def database_url() -> str:
    """The URL of the database this process uses (its password too), for the workers started."""
    db = connection.settings_dict
    credentials = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def fill(subscribers: int) -> None:
    from newsletter.models import Subscriber

    now = timezone.now()
    Subscriber.objects.bulk_create([
        Subscriber(email=f"reader{n}@bench.example", edition="en" if n % 3 == 0 else "zh-hans",
                   status=Subscriber.Status.ACTIVE, confirmed_at=now)
        for n in range(subscribers)
    ], batch_size=2000)


def make_issue(n: int):
    """A published issue of 30 entries over every section, as big as a real one."""
    from entries.models import Entry
    from issues.models import Issue
    from tests.factories import EntryFactory

    issue = Issue.objects.create(date=datetime.date(2026, 1, 1) + datetime.timedelta(days=14 * n),
                                 headline="NanoDet/INT4/RISC-V", lead="本期 **30** 条。" * 5)
    sections = list(Entry.Section)
    for k in range(30):
        EntryFactory(issue=issue, section=sections[k % len(sections)], position=k, title_en=f"Entry {k} in English",
                     summary="本文提出一种面向 **移动端** 的 INT8 量化方法，在 ImageNet 上精度损失小于 0.5%。" * 4,
                     links=[{"label": "代码", "url": f"https://github.com/example/{k}"}], tags=["量化", f"topic-{k % 5}"])
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.PUBLISHED, publish_at=timezone.now())
    issue.refresh_from_db()
    return issue


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2",
             "--worker-id", f"bench-{n}", "--verbosity", "0"],
            cwd=ROOT, env=env,
        )
        for n in range(count)
    ]


def run(workers: int, subscribers: int, sink: CountingSink, smtp_port: int, n: int) -> dict:
    from newsletter import sending
    from newsletter.models import Delivery, Mailing

    issue = make_issue(n)
    Mailing.objects.create(issue=issue)
    sink.reset()
    env = {
        **os.environ, "DATABASE_URL": database_url(), "TASKS_BACKEND": "database", "DEBUG": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "NEWSLETTER_SENDING_TASKS": str(workers),
        "SITE_URL": "https://briefing.example.org", "LOG_LEVEL": "ERROR",
    }
    processes = start_workers(workers, env)
    try:
        time.sleep(3)  # booted and idle, polling the queue
        load_before = os.getloadavg()[0]
        memory_start = [rss_mib(p.pid) for p in processes]
        memory_tenth: list[float] = []
        started = time.perf_counter()
        sending.start_sending(issue.pk)
        deliveries = Delivery.objects.filter(issue=issue)
        last_report = 0.0
        while True:
            time.sleep(0.25)
            elapsed = time.perf_counter() - started
            done = deliveries.exclude(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]).count()
            total = deliveries.count()
            if not memory_tenth and done >= subscribers // 10:
                memory_tenth = [rss_mib(p.pid) for p in processes]  # the issue rendered, everything imported
            if elapsed - last_report >= 5:
                print(f"  {workers} worker(s): {done}/{total or subscribers} after {elapsed:.0f} s", flush=True)
                last_report = elapsed
            if total == subscribers and done == total:
                break
            if elapsed > 10 * TARGET_SECONDS:
                raise SystemExit(f"gave up after {elapsed:.0f} s: {done} of {subscribers} finished")
            if any(p.poll() is not None for p in processes):
                raise SystemExit("a worker exited")
        seconds = time.perf_counter() - started
        time.sleep(1)
        memory_end = [rss_mib(p.pid) for p in processes]
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=30)
    statuses = Counter(deliveries.values_list("status", flat=True))
    return {
        "workers": workers, "seconds": seconds, "rate": subscribers / seconds,
        "memory_start": memory_start, "memory_tenth": memory_tenth, "memory_end": memory_end, "load": load_before,
        "sent": statuses.get(Delivery.Status.SENT, 0), "statuses": dict(statuses),
        "received": sum(sink.per_address.values()), "addresses": len(sink.per_address),
        "twice": sum(1 for c in sink.per_address.values() if c > 1),
        "kib_per_message": sink.bytes / 1024 / max(1, sum(sink.per_address.values())),
    }


def report(results: list[dict], subscribers: int) -> str:
    lines = [
        "# `make bench-email`", "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; PostgreSQL; {subscribers:,} confirmed subscribers; "
        f"one issue of 30 entries; aiosmtpd sink on 127.0.0.1; {os.cpu_count()} CPUs shared with other work "
        "(the load average before each run says how much).", "",
        "| workers | load before | time to finish | messages/s | worker RSS idle → after 10% → end (MiB) | sent | received | twice | KiB/message | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        memory = ", ".join(f"{a:.0f} → {b:.0f} → {c:.0f}" for a, b, c in zip(r["memory_start"], r["memory_tenth"] or r["memory_start"], r["memory_end"]))
        ok = r["seconds"] <= TARGET_SECONDS and r["sent"] == subscribers and r["received"] == subscribers and not r["twice"]
        lines.append(
            f"| {r['workers']} | {r['load']:.1f} | {r['seconds']:.1f} s | {r['rate']:.0f} | {memory} | {r['sent']:,} | {r['received']:,} | "
            f"{r['twice']} | {r['kib_per_message']:.0f} | {'PASS' if ok else 'FAIL'} (≤ {TARGET_SECONDS} s, all once) |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    args = parser.parse_args()
    setup_test_environment()
    if connection.vendor != "postgresql":
        raise SystemExit("bench-email needs PostgreSQL: set DATABASE_URL")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    sink = CountingSink()
    from tests.newsletter.smtp import free_port

    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    results = []
    try:
        fill(args.subscribers)
        print(f"{args.subscribers:,} subscribers recorded; sending one issue to them.", flush=True)
        for n, workers in enumerate(int(w) for w in args.workers.split(",")):
            result = run(workers, args.subscribers, sink, port, n)
            results.append(result)
            print(f"  {workers} worker(s): {result['seconds']:.1f} s, {result['rate']:.0f} messages/s, "
                  f"received {result['received']:,}, twice {result['twice']}", flush=True)
    finally:
        controller.stop()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    text = report(results, args.subscribers)
    out = ROOT / "bench" / "results" / "email-latest.md"
    out.write_text(text)
    print(text)
    print(f"Done: {len(results)} run(s), written to {out.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
