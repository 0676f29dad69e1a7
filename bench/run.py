"""Benchmark and load test of Briefing behind gunicorn, on loopback only.

    .venv/bin/python bench/run.py            # `make bench`: build, measure, 60 s load
    .venv/bin/python bench/run.py --no-load  # measurements only
    .venv/bin/python bench/run.py --load-only  # `make load`: build, 60 s load

It creates a throwaway PostgreSQL database, fills it with a synthetic archive
(1,000 published issues × 25 entries, 200 sources, 500 tags), serves it with
gunicorn on 127.0.0.1 (production settings, BENCH=1 for /bench/ping/) and
loads it with wrk (or, where wrk is missing, a small Python generator), each
run bounded in time. It measures /bench/ping/ (a constant response through
the whole middleware stack) and a static file served by whitenoise, and the
home page, an issue page, a tag page, the RSS feed and a search, uncached and
cached, and writes the table to bench/results/. Every request, /bench/ping/'s
included, says ``Accept-Encoding: gzip``, as browsers and feed readers do.

Environment: BENCH_DATABASE_URL (server to create the database on, default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL (default
redis://127.0.0.1:6379/0; keys get a per-run prefix and expire), BENCH_SECONDS
(per measurement, default 6), BENCH_CONNECTIONS (default 8), LOAD_SECONDS
(default 60), LOAD_CONNECTIONS (default 32).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
sys.path.insert(0, str(BASE_DIR))

SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
LOAD_CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "32"))
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# Sent with every request of every row: browsers and feed readers all accept
# gzip, and the site stores its public pages compressed (briefing/cache.py).
ACCEPT_ENCODING = "gzip"


LOADAVG = os.getloadavg()



def analyze() -> None:
    """VACUUM ANALYZE after a bulk load, as autovacuum would soon do on a real site.

    Until then the planner has no statistics for the new rows and the trigram
    indexes' pending lists are unmerged, so it would ignore the search indexes.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


# --- The throwaway database -------------------------------------------------------------------

def admin_connection():
    """A connection to the server's maintenance database (BENCH_DATABASE_URL), for CREATE and DROP DATABASE."""
    import psycopg

    parts = urllib.parse.urlsplit(SERVER_URL)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=parts.username or "postgres",
        password=parts.password, dbname=parts.path.lstrip("/") or "postgres", autocommit=True,
    )


class ThrowawayDatabase:
    def __init__(self) -> None:
        parts = urllib.parse.urlsplit(SERVER_URL)
        self.name = f"briefing_bench_{os.getpid()}_{int(time.time())}"
        self.server = parts
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.name))

    def _admin(self):
        return admin_connection()

    def __enter__(self) -> "ThrowawayDatabase":
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- gunicorn ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], label: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}", "GUNICORN_LOG_LEVEL": "warning"}
        self.label = label
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = open(RESULTS / f"gunicorn-{self.label}.log.tmp", "w")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "briefing/gunicorn.conf.py", "briefing.wsgi:application"],
            cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if get(self.url + "/bench/ping/")[0] == 200:
                return self
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start; see {self.log.name}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def worker_pids(self) -> list[int]:
        """The master's children: its workers."""
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.process.pid}$", text, re.M):
                pids.append(int(status.parent.name))
        return pids

    def rss_mib(self) -> float:
        """Resident memory of the master and its workers."""
        pids = [self.process.pid, *self.worker_pids()]
        total = 0
        for pid in pids:
            try:
                match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            except OSError:
                continue
            total += int(match.group(1)) if match else 0
        return total / 1024


def get(url: str) -> tuple[int, bytes]:
    try:
        request = urllib.request.Request(url, headers={"Accept-Encoding": ACCEPT_ENCODING})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


# --- Load generators ----------------------------------------------------------------------------

@dataclass
class Result:
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0  # socket errors and timeouts
    bad_status: int = 0  # non-2xx/3xx
    tool: str = ""
    notes: list[str] = field(default_factory=list)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(url: str, seconds: float, connections: int, script: str | None = None) -> Result:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s",
            "-H", f"Accept-Encoding: {ACCEPT_ENCODING}"]  # wrk.format() in a script sends it too
    if script:
        args += ["-s", script]
    output = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    result = Result(tool="wrk")
    result.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    result.requests = int(re.search(r"(\d+) requests in", output).group(1))
    result.p50_ms = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    result.p99_ms = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        result.errors = sum(int(n) for n in socket_errors.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result.bad_status = int(bad.group(1)) if bad else 0
    return result


def run_python(url: str, seconds: float, connections: int, paths: list[str] | None = None) -> Result:
    """A bounded keep-alive load generator, for machines without wrk."""
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    lock = threading.Lock()
    counts = {"errors": 0, "bad": 0}
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        i = n
        mine = []
        while time.monotonic() < stop:
            path = paths[i % len(paths)] if paths else (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            i += connections
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": ACCEPT_ENCODING})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    with lock:
                        counts["bad"] += 1
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    result = Result(tool="python", errors=counts["errors"], bad_status=counts["bad"])
    result.requests = len(latencies)
    result.rps = len(latencies) / elapsed
    if latencies:
        result.p50_ms = latencies[len(latencies) // 2]
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return result


def measure(url: str, seconds: float = SECONDS, connections: int = CONNECTIONS) -> Result:
    # Warm up first, with the same load: every worker must have opened its
    # database connection and filled its own page cache before we count.
    if shutil.which("wrk"):
        run_wrk(url, 2, connections)
        return run_wrk(url, seconds, connections)
    run_python(url, 2, connections)
    return run_python(url, seconds, connections)


def measure_against_ping(server_url: str, path: str) -> tuple[Result, Result]:
    """The page, and /bench/ping/ measured right before it: other load on the machine drifts."""
    ping = measure(server_url + "/bench/ping/")
    return measure(server_url + path), ping


# --- SQL queries per request, measured in this process -----------------------------------------

def in_process(path: str, cached: bool, repeat: int = 30) -> tuple[int, float, float]:
    """SQL queries of one request, and the median and fastest of ``repeat`` requests (ms), without HTTP.

    Timed in this single thread, it is much less disturbed by other work on
    the machine than the figures under load; the fastest time least of all.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(PUBLIC_CACHE_SECONDS=600 if cached else 0, ALLOWED_HOSTS=["testserver"]):
        client = Client(HTTP_ACCEPT_ENCODING=ACCEPT_ENCODING)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        count = len(queries)  # now: the log it reads is reset by the next request
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
    return count, statistics.median(times), min(times)


# --- The run -------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    path: str
    mode: str
    result: Result | None
    queries: int | None
    ratio: float | None = None
    note: str = ""
    ping_rps: float | None = None
    inproc_ms: float | None = None
    inproc_min_ms: float | None = None


def table(rows: list[Row]) -> str:
    lines = [
        "| page | mode | req/s | p50 ms | p99 ms | SQL/req | /bench/ping/ req/s just before | ratio to it | in-process ms, median / fastest | errors | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        r = row.result
        if r is None:
            lines.append(f"| {row.name} `{row.path}` | {row.mode} | – | – | – | – | – | – | – | – | {row.note} |")
            continue
        ratio = f"{row.ratio:.0%}" if row.ratio is not None else ""
        queries = "" if row.queries is None else str(row.queries)
        lines.append(
            f"| {row.name} `{row.path}` | {row.mode} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {queries} | "
            f"{'' if row.ping_rps is None else f'{row.ping_rps:,.0f}'} | {ratio} | "
            f"{'' if row.inproc_ms is None else f'{row.inproc_ms:.2f} / {row.inproc_min_ms:.2f}'} | "
            f"{r.errors + r.bad_status} | {row.note} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-load", action="store_true", help="skip the 60 s load phase")
    parser.add_argument("--load-only", action="store_true", help="only the load phase")
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=25)
    options = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)

    redis_ok = False
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        redis_ok = True
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
        log(f"Redis at {REDIS_URL} not reachable ({exc}); caching in process memory, one worker")

    database = ThrowawayDatabase()
    static_root = Path(tempfile.mkdtemp(prefix="briefing-bench-static-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "DATABASE_URL"}},
        "DATABASE_URL": database.url,
        "DEBUG": "0",
        "BENCH": "1",
        "SECRET_KEY": "bench-only-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "STATIC_ROOT": str(static_root),
        "CONN_MAX_AGE": "600",
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}-{int(time.time())}",
        "LOG_LEVEL": "ERROR",
    }
    if redis_ok:
        env["REDIS_URL"] = REDIS_URL
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "briefing.settings"

    started = time.monotonic()
    with database:
        import django

        django.setup()
        from django.core.management import call_command

        from bench import synthetic
        from briefing.cache import bump_content_version
        from issues.models import Issue

        log(f"database {database.name}: migrating")
        call_command("migrate", verbosity=0)
        log("collectstatic (hashed, compressed names)")
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        static_path = "/static/" + manifest["css/site.css"]

        t0 = time.monotonic()
        sources, tags = synthetic.make_sources_and_tags()
        synthetic.add_issues(0, 100, sources, tags, options.entries)
        analyze()
        bump_content_version()
        log(f"built 100 issues in {time.monotonic() - t0:.1f} s")
        probe_issue = Issue.objects.order_by("date")[50]
        issue_path = probe_issue.get_absolute_url()
        rows: list[Row] = []
        uncached_env = {**env, "PUBLIC_CACHE_SECONDS": "0"}

        if not options.load_only:
            with Server(uncached_env, "uncached-100") as server:
                small, ping = measure_against_ping(server.url, issue_path)
                queries, ms, fastest = in_process(issue_path, cached=False)
                rows.append(Row("issue page", issue_path, "uncached, 100 issues", small, queries,
                                small.rps / ping.rps, ping_rps=ping.rps, inproc_ms=ms, inproc_min_ms=fastest))
                log(f"issue page at 100 issues: {small.rps:.0f} req/s, p50 {small.p50_ms:.1f} ms")

        t0 = time.monotonic()
        synthetic.add_issues(100, options.issues - 100, sources, tags, options.entries)
        analyze()
        bump_content_version()
        log(f"built {options.issues} issues × {options.entries} entries in "
            f"{time.monotonic() - t0:.1f} s more ({Issue.objects.count()} issues)")

        tag_path = "/tags/liang-hua/"
        pages = [
            ("home", "/"),
            ("issue page", issue_path),
            ("tag page", tag_path),
            ("RSS feed", "/feed/"),
            ("search", "/search/?q=" + urllib.parse.quote("量化")),
        ]
        missing: set[str] = set()
        summary: dict[str, object] = {"issues": Issue.objects.count(), "entries_per_issue": options.entries}

        if not options.load_only:
            with Server(uncached_env, "uncached-1000") as server:
                static, ping = measure_against_ping(server.url, static_path)
                summary["workers"] = len(server.worker_pids())
                rows.append(Row("minimal view", "/bench/ping/", "", ping, 0, 1.0,
                                inproc_ms=in_process("/bench/ping/", cached=False)[1],
                                inproc_min_ms=in_process("/bench/ping/", cached=False)[2]))
                rows.append(Row("static file (whitenoise)", static_path, "", static, 0, static.rps / ping.rps,
                                ping_rps=ping.rps))
                for name, path in pages:
                    status, _ = get(server.url + path)
                    if status != 200:
                        missing.add(path)
                        rows.append(Row(name, path, "uncached", None, None,
                                        note=f"skipped: answers {status} in this build"))
                        continue
                    result, ping = measure_against_ping(server.url, path)
                    queries, ms, fastest = in_process(path, cached=False)
                    rows.append(Row(name, path, "uncached", result, queries, result.rps / ping.rps,
                                    ping_rps=ping.rps, inproc_ms=ms, inproc_min_ms=fastest))
                    log(f"uncached {name}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms")

            with Server(env, "cached") as server:
                for name, path in pages:
                    if path in missing:
                        rows.append(Row(name, path, "cached", None, None, note="skipped: not in this build"))
                        continue
                    result, ping = measure_against_ping(server.url, path)
                    queries, ms, fastest = in_process(path, cached=True)
                    rows.append(Row(name, path, "cached", result, queries, result.rps / ping.rps,
                                    ping_rps=ping.rps, inproc_ms=ms, inproc_min_ms=fastest))
                    log(f"cached {name}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms")

        load_lines: list[str] = []
        if not options.no_load:
            load_lines = load_phase(env, pages, static_path, missing)

        elapsed = time.monotonic() - started

    shutil.rmtree(static_root, ignore_errors=True)
    report = render_report(rows, load_lines, summary, elapsed, issue_path)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    kind = "load" if options.load_only else "bench"
    (RESULTS / f"{kind}-{stamp}.md").write_text(report)
    (RESULTS / f"{kind}-latest.md").write_text(report)
    print()
    print(report)
    return 0 if "FAIL" not in report else 1


def load_phase(env: dict[str, str], pages, static_path: str, missing: set[str]) -> list[str]:
    """LOAD_SECONDS at LOAD_CONNECTIONS over a mix of public pages; no errors, stable memory."""
    from entries.models import Entry, Source, Tag
    from issues.models import Issue

    paths = [p for _, p in pages if p not in missing] + ["/issues/", static_path]
    paths += [i.get_absolute_url() for i in Issue.objects.order_by("?")[:60]]
    paths += [e.get_absolute_url() for e in Entry.objects.order_by("?")[:60]]
    paths += [t.get_absolute_url() for t in Tag.objects.filter(slug__startswith="topic")[:20]]
    paths += [s.get_absolute_url() for s in Source.objects.all()[:20]]
    lines = []
    with Server(env, "load") as server:
        paths = [p for p in paths if get(server.url + p)[0] == 200]
        log(f"load: {LOAD_SECONDS} s at concurrency {LOAD_CONNECTIONS} over {len(paths)} paths")
        samples: list[tuple[float, float]] = []
        began = time.monotonic()
        outcome: dict[str, Result] = {}

        def generate() -> None:
            if shutil.which("wrk"):
                script = RESULTS / "load-paths.lua.tmp"
                script.write_text(
                    "paths = {" + ",".join(json.dumps(p, ensure_ascii=False) for p in paths) + "}\n"
                    "counter = 0\n"
                    "request = function()\n  counter = counter + 1\n"
                    "  return wrk.format('GET', paths[(counter % #paths) + 1])\nend\n"
                )
                outcome["result"] = run_wrk(server.url + "/", LOAD_SECONDS, LOAD_CONNECTIONS, str(script))
            else:
                outcome["result"] = run_python(server.url + "/", LOAD_SECONDS, LOAD_CONNECTIONS, paths)

        thread = threading.Thread(target=generate)
        thread.start()
        while thread.is_alive():
            samples.append((time.monotonic() - began, server.rss_mib()))
            thread.join(timeout=5)
        result = outcome["result"]
        after = [get(server.url + p)[0] for p in paths[:20]]

    warm = [rss for t, rss in samples if t >= 10] or [samples[-1][1]]
    growth = (warm[-1] - warm[0]) / warm[0] if warm[0] else 0.0
    stable = growth < 0.20
    ok = result.errors == 0 and result.bad_status == 0 and all(s == 200 for s in after)
    lines.append(f"- {LOAD_SECONDS} s at concurrency {LOAD_CONNECTIONS} ({result.tool}) over {len(paths)} public paths "
                 f"(home, archive, issues, entries, tags, sources, feed/search where present, a static file)")
    lines.append(f"- {result.requests:,} requests, {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                 f"p99 {result.p99_ms:.1f} ms")
    lines.append(f"- socket errors/timeouts: {result.errors}, non-2xx/3xx responses: {result.bad_status} → "
                 f"{'PASS' if ok else 'FAIL'}")
    lines.append(f"- gunicorn memory (master + workers, RSS MiB) every 5 s: "
                 + ", ".join(f"{rss:.0f}" for _, rss in samples))
    lines.append(f"- growth after 10 s warm-up: {growth:+.1%} → {'PASS' if stable else 'FAIL'} (limit +20%)")
    return lines


def render_report(rows: list[Row], load_lines: list[str], summary: dict, elapsed: float, issue_path: str) -> str:
    import platform

    def find(name: str, mode: str) -> Row | None:
        return next((r for r in rows if r.name == name and r.mode == mode and r.result), None)

    checks = []
    issue_uncached = find("issue page", "uncached")
    if issue_uncached:
        checks.append(("uncached issue page ≥ 20% of the minimal view", issue_uncached.ratio >= 0.20,
                       f"{issue_uncached.ratio:.0%}"))
    cached = [r for r in rows if r.mode == "cached" and r.result]
    if cached:
        worst = min(cached, key=lambda r: r.ratio)
        checks.append(("cached pages ≥ 80% of the minimal view", worst.ratio >= 0.80,
                       f"lowest {worst.ratio:.0%} ({worst.name})"))
    # Judged apart: readers get the cached answer (the site caches pages and
    # feeds); the uncached one is what the first request after a change costs.
    for name in ("RSS feed", "search"):
        for mode, when in (("cached", "as served, from the page cache"),
                           ("uncached", "uncached: the first request after a change")):
            row = find(name, mode)
            label = f"p99 of {name} < 100 ms, {when}"
            if row:
                checks.append((label, row.result.p99_ms < 100, f"{row.result.p99_ms:.1f} ms"))
            else:
                checks.append((label, None, "not in this build: skipped"))
    small = find("issue page", "uncached, 100 issues")
    if small and issue_uncached:
        ratio = issue_uncached.inproc_min_ms / small.inproc_min_ms
        checks.append(("issue page does not slow down from 100 to 1,000 issues (fastest in-process time within "
                       "1.25×; under load the figures move with the machine's other work)", ratio <= 1.25,
                       f"in-process fastest {small.inproc_min_ms:.1f} → {issue_uncached.inproc_min_ms:.1f} ms, "
                       f"median {small.inproc_ms:.1f} → {issue_uncached.inproc_ms:.1f} ms, SQL "
                       f"{small.queries} → {issue_uncached.queries}; under load p50 {small.result.p50_ms:.0f} → "
                       f"{issue_uncached.result.p50_ms:.0f} ms, ratio to ping {small.ratio:.0%} → {issue_uncached.ratio:.0%}"))
    ping_row = find("minimal view", "")
    if ping_row and issue_uncached and ping_row.inproc_ms:
        checks.append(("(for reference) uncached issue page vs minimal view, in-process", None,
                       f"{ping_row.inproc_min_ms / issue_uncached.inproc_min_ms:.0%} of its speed (fastest times)"))

    out = [
        f"# Briefing {'benchmark' if rows else 'load test'}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Synthetic archive: {summary['issues']} published issues × {summary['entries_per_issue']} entries, "
        f"200 sources, 500 tags, on PostgreSQL. gunicorn on 127.0.0.1 with briefing/gunicorn.conf.py "
        f"({os.environ.get('REDIS_URL') and 'Redis cache' or 'in-process cache'}, "
        f"{summary.get('workers', 'its default number of')} sync workers); "
        f"{CONNECTIONS} connections × {SECONDS:g} s per row; {os.cpu_count()} CPUs shared by server, "
        f"database and load generator; Python {platform.python_version()}. Issue page: `{issue_path}`.",
        f"Every request (every row, /bench/ping/ too) sends `Accept-Encoding: {ACCEPT_ENCODING}`, as browsers "
        "and feed readers do.",
        "SQL/req counts the queries of one request to a warmed-up process (0 when served from the cache).",
        f"Load average of the machine (1 min) at the start and the end of the run: {LOADAVG[0]:.1f} → "
        f"{os.getloadavg()[0]:.1f} (other work on the machine skews every figure).",
        "",
    ]
    if rows:
        out += [table(rows), "", "## Targets", ""]
        for label, passed, detail in checks:
            verdict = ("skipped" if "skipped" in detail else "info") if passed is None else ("PASS" if passed else "FAIL")
            out.append(f"- {label}: {detail} → {verdict}")
    if load_lines:
        out += ["", "## Load", ""] + load_lines
    out += ["", f"Total time {elapsed:.0f} s."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
