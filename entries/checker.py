"""Checking that links still work: fetch each URL once, in parallel, and remember the answer.

``check_urls`` does the network part and touches no database (its worker
threads only fetch); ``record`` stores the results as ``LinkCheck`` rows from
the calling thread. The ``check_links`` command puts the two together.
"""

from __future__ import annotations

import datetime
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from django.utils import timezone

USER_AGENT = "BriefingLinkChecker/1.0 (+https://github.com/; checks links of a newsletter)"


@dataclass
class CheckResult:
    url: str
    ok: bool
    status_code: int | None
    final_url: str
    error: str
    elapsed_ms: int
    attempts: int
    checked_at: datetime.datetime

    @property
    def timed_out(self) -> bool:
        return self.error == "timed out"


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return True
    return isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, (TimeoutError, socket.timeout))


def check_url(url: str, *, timeout: float = 10.0, retries: int = 2, backoff: float = 0.5) -> CheckResult:
    """Fetch ``url`` (GET, following redirects) and say how it went.

    A timeout is retried up to ``retries`` more times, waiting ``backoff``
    seconds, then twice that, and so on; any other answer is final. ``timeout``
    bounds each network wait (connecting, and each read).
    """
    opener = urllib.request.build_opener()
    attempts = 0
    started = time.monotonic()
    while True:
        attempts += 1
        status, final_url, error = None, "", ""
        try:
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            with opener.open(request, timeout=timeout) as response:
                status, final_url = response.status, response.geturl()
        except urllib.error.HTTPError as exc:
            status, final_url = exc.code, exc.geturl() or url
            exc.close()
        except Exception as exc:  # noqa: BLE001 - every failure is an answer to record
            if _is_timeout(exc):
                if attempts <= retries:
                    time.sleep(backoff * 2 ** (attempts - 1))
                    continue
                error = "timed out"
            elif isinstance(exc, urllib.error.URLError):
                error = str(exc.reason)[:300]
            elif isinstance(exc, (http.client.HTTPException, OSError, ValueError)):
                error = f"{type(exc).__name__}: {exc}"[:300]
            else:
                raise
        return CheckResult(
            url=url, ok=status is not None and status < 400, status_code=status, final_url=final_url,
            error=error, elapsed_ms=int((time.monotonic() - started) * 1000), attempts=attempts,
            checked_at=timezone.now(),
        )


def check_urls(
    urls: Iterable[str],
    *,
    workers: int = 8,
    timeout: float = 10.0,
    retries: int = 2,
    backoff: float = 0.5,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check each distinct URL once, at most ``workers`` at a time; results in completion order."""
    unique = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
    results = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="check-links") as pool:
        futures = [pool.submit(check_url, url, timeout=timeout, retries=retries, backoff=backoff) for url in unique]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_result:
                on_result(result)
    return results


def record(results: Iterable[CheckResult]) -> int:
    """Store results as ``LinkCheck`` rows, replacing each URL's previous check."""
    from .models import LinkCheck

    count = 0
    for result in results:
        LinkCheck.objects.update_or_create(
            url_hash=LinkCheck.hash_url(result.url),
            defaults={
                "url": result.url, "ok": result.ok, "status_code": result.status_code,
                "final_url": result.final_url[:2000], "error": result.error, "checked_at": result.checked_at,
                "elapsed_ms": result.elapsed_ms, "attempts": result.attempts,
            },
        )
        count += 1
    return count


def issue_urls(issues) -> dict[str, list]:
    """Every link of the given issues (main and extra links) → the entries that carry it."""
    from .models import Entry

    urls: dict[str, list] = {}
    for entry in Entry.objects.filter(issue__in=issues).select_related("issue").order_by("issue__date", "section", "position"):
        for url in entry.link_urls():
            # Only web addresses are fetched and reported: a row from before links were checked on save may hold others.
            if url.lower().startswith(("http://", "https://")):
                urls.setdefault(url, []).append(entry)
    return urls
