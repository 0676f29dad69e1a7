"""The public page cache: anonymous readers get stored pages, and every change shows at once.

Readers far outnumber editors, and public pages change only when an editor
changes something. So each anonymous GET of a public page is stored whole,
with the *content version* it was rendered at: the latest
``Issue.content_changed_at``, which moves in the same transaction as any
change readers can see (issues/models.py). A stored page is served only
while the version read from the database is still the one it was stored
with, so nothing is served once the change that withdrew it is committed,
whatever happened to the cache meanwhile.

Never stored: requests with a session cookie (staff see more than readers),
responses that touched the session, used the CSRF token, set a cookie or
vary on Cookie, and anything but a 200. A page is never kept past the next
scheduled publish, since a scheduled issue goes public on time without a save.

Pages are stored gzip-compressed, once, when they are stored: every browser
and feed reader accepts gzip, and a feed of twenty whole issues is a few
hundred kilobytes of HTML. Only pages fit to share are compressed: they hold
no session, CSRF token or cookie for a BREACH attack to guess; everything
else is sent as rendered.

If the cache server fails, the outage is logged once a minute, the cache
server is left alone for a few seconds at a time (:class:`CacheOutage`), and
meanwhile each process keeps pages and fragments in its own memory.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language_from_path

from issues.models import Issue

from .version import code_version

logger = logging.getLogger(__name__)

#: Cache-Control directives that make a response unfit to share between readers.
PRIVATE_CACHE_CONTROL = {"private", "no-store", "no-cache"}
#: This process's memory, used while the shared cache is down (settings.CACHES).
OUTAGE_CACHE = "outage"
#: This process's copies of the pages in the shared cache (settings.CACHES).
LOCAL_PAGES = "pages"
#: Recomputed for every response sent from a stored page.
NOT_STORED_HEADERS = {"content-length", "content-encoding", "x-cache"}
#: Below this, compressing saves less than it costs (GZipMiddleware's limit too).
MIN_COMPRESS_LENGTH = 200


class CacheOutage:
    """Keeps the site fast while the cache server is down: skip it for a while after a failure, log once a minute."""

    def __init__(self) -> None:
        self.retry_at = 0.0
        self.logged_at = -1e9
        self.lock = threading.Lock()

    def available(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.retry_at = now + settings.CACHE_RETRY_SECONDS
            if now - self.logged_at < settings.CACHE_OUTAGE_LOG_SECONDS:
                return
            self.logged_at = now
        logger.warning("The cache is unavailable (%s: %s); serving without it.", type(error).__name__, error)


outage = CacheOutage()


def cache_call(method: str, *args: Any) -> Any:
    """``method(*args)`` on the shared cache; on this process's own memory while that is down.

    Pages and fragments are as correct in a process's memory as in Redis (a
    page is checked against the content version on every hit, a fragment's
    key names what it was made from), so an outage costs each worker its
    own copies, not a render of every page on every request.
    """
    if outage.available():
        try:
            return getattr(caches["default"], method)(*args)
        except Exception as error:  # noqa: BLE001 - any failure of the cache server: go on without it
            outage.failed(error)
    return getattr(caches[OUTAGE_CACHE], method)(*args)


#: This process's last reading of the content version: (version, when read, on the monotonic clock).
_version_read: tuple[str, float] = ("", -1e9)


def content_version() -> str:
    """The version of everything readers see: when the latest change was committed.

    Read from the database (one indexed read, in plain SQL: building the
    ORM's aggregate would cost more than the database takes to answer it),
    at most once every ``PAGE_VERSION_SECONDS`` in each process: a round trip
    to the database on every hit would cost as much as the rest of the hit.
    """
    global _version_read
    version, read_at = _version_read
    now = time.monotonic()
    if version and now - read_at < settings.PAGE_VERSION_SECONDS:
        return version
    table = connection.ops.quote_name(Issue._meta.db_table)
    column = connection.ops.quote_name(Issue._meta.get_field("content_changed_at").column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({column}) FROM {table}")
        latest = cursor.fetchone()[0]
    version = str(latest) if latest else "-"
    _version_read = (version, now)
    return version


#: (content version, the next scheduled publish after it or None), worked out once per version.
_next_publish: tuple[str, datetime.datetime | None] = ("", None)


def next_scheduled_publish(version: str) -> datetime.datetime | None:
    """When the next scheduled issue goes public, or None."""
    global _next_publish
    known_version, moment = _next_publish
    now = timezone.now()
    if known_version != version or (moment is not None and moment <= now):
        moment = Issue.objects.next_publish_time()
        _next_publish = (version, moment)
    return moment


def seconds_until(limit: int, moment: datetime.datetime | None) -> int:
    """``limit`` seconds, or fewer so as to end by ``moment`` (when a scheduled issue goes public) if there is one."""
    if moment is None:
        return limit
    return min(limit, int((moment - timezone.now()).total_seconds()))


def page_timeout(version: str) -> int:
    """How long a page may be kept: PUBLIC_CACHE_SECONDS, but never past the next scheduled publish."""
    return seconds_until(settings.PUBLIC_CACHE_SECONDS, next_scheduled_publish(version))


#: The query parameters public pages read: a list's page number, a search's
#: terms, the sitemap's page. Any other (utm_…, fbclid) changes nothing on a
#: page, so it is no part of the page's key: a stream of made-up parameters
#: cannot fill the cache with copies of one page.
PAGE_PARAMETERS = ("page", "q", "p")


def page_query(request: HttpRequest) -> QueryDict:
    """The part of the request's query string that public pages read (``PAGE_PARAMETERS``), in a fixed order."""
    return QueryDict(urlencode([(name, value) for name in PAGE_PARAMETERS for value in request.GET.getlist(name)]))


def page_key(request: HttpRequest) -> str:
    """The page's key: the code's version (a deploy serves no page of old templates), host, language
    (as LocaleMiddleware, which has not run yet, will choose it), path and the parameters it reads."""
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    query = page_query(request).urlencode()
    path = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    return f"page:{code_version()}:{language}:{request.get_host()}:{path}"


def is_cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PUBLIC_CACHE_SECONDS:
        return False
    if request.path.startswith(tuple(settings.PUBLIC_CACHE_EXCLUDE)):
        return False
    # Anyone with a session may be staff, who see more than readers.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def is_shareable_response(request: HttpRequest, response: HttpResponse) -> bool:
    # CsrfViewMiddleware answers any use of the CSRF token with a cookie.
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False
    directives = {d.split("=")[0].strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    if directives & PRIVATE_CACHE_CONTROL:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    return "cookie" not in vary and "*" not in vary


def accepts_gzip(request: HttpRequest) -> bool:
    return bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))


#: A stored page: (content version, status, headers, body, whether the body is gzip). A plain
#: tuple: cheap to pickle, and no class of ours that a deploy could change under a stored page.
StoredPage = tuple[str, int, tuple[tuple[str, str], ...], bytes, bool]


def stored_page(version: str, response: HttpResponse) -> StoredPage:
    """What to keep of ``response``: its ETag settled and its body compressed, once."""
    body = response.content
    if not response.has_header("ETag"):
        # Of the plain body, weak: it stands for the gzip and the plain bytes alike.
        response.headers["ETag"] = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    compressed = False
    if len(body) >= MIN_COMPRESS_LENGTH and not response.has_header("Content-Encoding"):
        smaller = compress_string(body)
        if len(smaller) < len(body):
            body, compressed = smaller, True
            patch_vary_headers(response, ("Accept-Encoding",))
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in NOT_STORED_HEADERS)
    return (version, response.status_code, headers, body, compressed)


def send(request: HttpRequest, page: StoredPage, response: HttpResponse | None = None) -> HttpResponse:
    """``page`` as a response (gzip to clients that take it); ``response``, the one just rendered, reused on a miss."""
    _version, status, headers, body, compressed = page
    if response is None:
        response = HttpResponse(status=status, headers=dict(headers))
        response.headers["X-Cache"] = "hit"
    else:
        response.headers["X-Cache"] = "miss"
    if compressed and accepts_gzip(request):
        response.headers["Content-Encoding"] = "gzip"
    elif compressed:
        body = gzip.decompress(body)
    response.content = body
    response.headers["Content-Length"] = str(len(body))
    return response


class PublicPageCacheMiddleware:
    """Serve and store anonymous readers' public pages (see the module docstring).

    Listed right after ConditionalGetMiddleware: a hit skips everything below
    it (sessions, locale, CSRF, authentication), while the middlewares above
    add the security headers and answer If-None-Match on every hit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_cacheable_request(request):
            return self.get_response(request)
        # The page is rendered from what its key holds, no more: a stored page
        # never carries one reader's other parameters to the next.
        request.GET = page_query(request)
        key = page_key(request)
        version = content_version()
        # This process's own copy first: a hit then costs no round trip at all.
        local = caches[LOCAL_PAGES]
        stored = local.get(key)
        if stored is None or stored[0] != version:
            stored = cache_call("get", key)
            if stored is not None and stored[0] == version:
                local.set(key, stored, page_timeout(version))
        if stored is not None and stored[0] == version:
            return send(request, stored)

        response = self.get_response(request)
        if not is_shareable_response(request, response):
            return response
        page = stored_page(version, response)
        timeout = page_timeout(version)
        if timeout > 0:
            cache_call("set", key, page, timeout)
            caches[LOCAL_PAGES].set(key, page, timeout)
        # Sent as a hit will be: the same bytes and headers.
        return send(request, page, response)
