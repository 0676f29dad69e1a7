"""The public page cache: anonymous readers get stored pages, and every change shows at once.

Readers far outnumber editors, and public pages change only when an editor
changes something. So each anonymous GET of a public page is stored whole,
under a key made of its full path and language, together with the site's
*content version* at the time. The content version is one number kept in the
cache; any save or delete of an issue, entry, source or tag, any change of an
entry's tags and every workflow transition (which saves the issue) bumps it,
and from then on every stored page is out of date and rendered afresh on its
next visit: nothing has to know which pages a change touches. Pages age
out after ``PUBLIC_CACHE_SECONDS``.

The version lives in the ``default`` cache (Redis in production), shared by
every worker, so a bump reaches them all at once. Pages are kept twice: in
the ``pages`` cache, each process's own memory, where a hit costs one small
round trip for the version and no transfer of the page; and in the shared
cache, so that a page one worker rendered is not rendered again by the next.

A hit must cost less than the cheapest uncached view, so the middleware sits
right after SecurityMiddleware, WhiteNoise and ConditionalGetMiddleware: a
hit skips sessions, locale, CSRF, authentication and messages altogether.
Hence what is stored is plain data (status, headers, body), taken as the
response left the inner middlewares, headers such as ``X-Frame-Options`` and
``Content-Language`` included; the outer ones (security headers, 304s) run
on every hit. The language of the key comes from the path, as
LocaleMiddleware (which has not run yet) would choose it with
``i18n_patterns(prefix_default_language=False)``. Each page is stored with
an ETag, so ConditionalGetMiddleware answers ``If-None-Match`` with 304
without hashing the body on every hit.

Pages worth compressing are stored gzip-compressed, once per fill: gzip
clients (every browser and feed reader) get the stored bytes as they are,
the rare others get them decompressed. Only what is stored is compressed:
public, anonymous pages that used no session, CSRF token or cookie, so
there is no secret in them for a BREACH attack to guess; staff pages and
anything else uncached are sent uncompressed.

Responses are never stored when the request carried a session cookie (its
owner may be staff, who see more than readers), nor when rendering them
touched the session, used the CSRF token, set a cookie or varied on Cookie.

If the shared cache fails (Redis down), pages are rendered uncached and saves
go on: the site is slower, not broken.

Scheduled issues go public when their time comes, without any save. A page
is therefore never kept past the next scheduled publish time.

Code that writes content without model signals (``QuerySet.update()``,
``bulk_create()``) must call :func:`bump_content_version` itself.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import time
from typing import Callable

from django.conf import settings
from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language_from_path

logger = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"
# Models whose changes readers may see. Any model of these apps counts, so
# that models other apps add later (history, revisions…) are covered too.
CONTENT_APPS = {"issues", "entries", "taggit"}
# Models of those apps that only staff see: writing them (check_links writes
# one row per link) must not make every stored page stale.
PRIVATE_MODELS = {"entries.linkcheck", "issues.previewlink", "issues.issuetransition"}
# Headers that make a response unfit to share between readers.
_PRIVATE_CACHE_CONTROL = {"private", "no-store", "no-cache"}


def content_version(backend: BaseCache | None = None) -> int:
    """The current content version; created (from the clock, so never a reused number) if missing.

    ``backend`` is the ``default`` cache, for a caller that already holds it.
    """
    backend = backend or cache
    version = backend.get(VERSION_KEY)
    if version is None:
        backend.add(VERSION_KEY, int(time.time() * 1000), timeout=None)
        version = backend.get(VERSION_KEY)
    return int(version)


def bump_content_version() -> None:
    """Make every stored public page stale: call after writing content without signals."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # the key is missing: a fresh one is new by construction
            content_version()
    except Exception:  # noqa: BLE001 - an unreachable cache must not stop an editor's save
        logger.exception("Could not bump the public page cache version")


def _bump_now_and_after_commit() -> None:
    # Now, so that the writer's own next request (and tests, which never
    # commit) sees the change; and again after commit, so that a page some
    # other request rendered from the not-yet-committed state, and stored
    # under the version of the first bump, is dropped too.
    bump_content_version()
    transaction.on_commit(bump_content_version)


def _is_content(model) -> bool:
    return model._meta.app_label in CONTENT_APPS and model._meta.label_lower not in PRIVATE_MODELS


def _content_changed(sender, **kwargs) -> None:
    if _is_content(sender):
        _bump_now_and_after_commit()


def _tags_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_") and _is_content(sender):
        _bump_now_and_after_commit()


def connect_signals() -> None:
    post_save.connect(_content_changed, dispatch_uid="briefing.cache.post_save")
    post_delete.connect(_content_changed, dispatch_uid="briefing.cache.post_delete")
    m2m_changed.connect(_tags_changed, dispatch_uid="briefing.cache.m2m_changed")


def _next_scheduled_publish(version: int) -> float | None:
    """When the next scheduled issue goes public (a Unix time), or None; cached per version."""
    key = f"public-pages:next-publish:{version}"
    now = time.time()
    cached = cache.get(key)
    if cached is not None and (cached == 0 or cached > now):
        return cached or None
    from issues.models import Issue

    upcoming = (
        Issue.objects.filter(status=Issue.Status.SCHEDULED, publish_at__gt=timezone.now())
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    value = upcoming.timestamp() if upcoming else 0
    cache.set(key, value, timeout=settings.PUBLIC_CACHE_SECONDS or None)
    return value or None


def _page_key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    # LocaleMiddleware has not run yet (a hit skips it). With
    # i18n_patterns(prefix_default_language=False) it takes the language from
    # the path prefix, else the default, and so do we.
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    # "page2": the stored form changed from a pickled response to StoredPage;
    # a new name keeps workers of either release from reading the other's.
    return f"public-pages:page2:{language}:{request.get_host()}:{path}"


def _is_cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PUBLIC_CACHE_SECONDS:
        return False
    if request.path.startswith(tuple(settings.PUBLIC_CACHE_EXCLUDE)):
        return False
    # Anyone with a session may be staff, who see more than readers: never
    # serve them a stored page, nor store theirs.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _is_shareable_response(request: HttpRequest, response: HttpResponse) -> bool:
    # CsrfViewMiddleware, which runs before this sees the response, answers
    # any use of the CSRF token with a cookie (and clears the request's flag
    # for it): response.cookies catches that, the flag only an unusual order.
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    # A page that used the CSRF token or the session belongs to one visitor.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False
    directives = {d.split("=")[0].strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    if directives & _PRIVATE_CACHE_CONTROL:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    return "cookie" not in vary and "*" not in vary


# A stored page: (content version, status, headers, body, body is gzip).
# A plain tuple, not a response or a class of ours, so that the local cache
# pickles and unpickles it in microseconds and a deploy that changes this
# module never meets a pickle it cannot load.
StoredPage = tuple[int, int, tuple[tuple[str, str], ...], bytes, bool]

# Headers recomputed for every response sent from a stored page.
_NOT_STORED_HEADERS = {"content-length", "content-encoding", "x-cache"}
# Below this, compressing saves less than it costs (GZipMiddleware's limit too).
_MIN_COMPRESS_LENGTH = 200


def _accepts_gzip(request: HttpRequest) -> bool:
    return bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def _store(version: int, response: HttpResponse) -> StoredPage:
    """The page to keep for ``response``: its ETag and Vary settled and its body compressed once."""
    body = response.content
    if not response.has_header("ETag"):
        # The plain body's hash, so that every worker gives the page the same
        # ETag; weak, because it stands for the gzip and the plain bytes alike.
        response.headers["ETag"] = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    gzipped = False
    if len(body) >= _MIN_COMPRESS_LENGTH and not response.has_header("Content-Encoding"):
        # Deterministic (mtime 0, no random padding): the page holds no secret.
        compressed = compress_string(body)
        if len(compressed) < len(body):
            body, gzipped = compressed, True
            patch_vary_headers(response, ("Accept-Encoding",))
            etag = response["ETag"]
            if etag.startswith('"'):
                response.headers["ETag"] = "W/" + etag
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in _NOT_STORED_HEADERS)
    return (version, response.status_code, headers, body, gzipped)


def _send(request: HttpRequest, page: StoredPage, state: str) -> HttpResponse:
    """A response made from a stored page, gzip for clients that accept it."""
    _, status, headers, body, gzipped = page
    response = HttpResponse(body, status=status, headers=dict(headers))
    if gzipped:
        if _accepts_gzip(request):
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.content = gzip.decompress(body)
    response.headers["Content-Length"] = str(len(response.content))
    response.headers["X-Cache"] = state
    return response


class PublicPageCacheMiddleware:
    """Serve and store anonymous readers' public pages (see the module docstring).

    List it right after ConditionalGetMiddleware: everything after it is
    skipped on a hit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_cacheable_request(request):
            return self.get_response(request)
        local = caches["pages"]
        # The backend itself, not the `cache` proxy: a hit takes every microsecond.
        default = caches["default"]
        shared = None if _same_cache(local, default) else default
        key = _page_key(request)
        try:
            version = content_version(default)
            stored = local.get(key)
            if (stored is None or stored[0] != version) and shared is not None:
                stored = shared.get(key)
                if stored is not None and stored[0] == version:
                    timeout = _page_timeout(version)
                    if timeout > 0:
                        local.set(key, stored, timeout)
        except Exception:  # noqa: BLE001 - a cache outage costs speed, never the page
            logger.exception("Public page cache unavailable; rendering %s uncached", request.path)
            return self.get_response(request)
        if stored is not None and stored[0] == version:
            return _send(request, stored, "hit")

        response = self.get_response(request)
        if not _is_shareable_response(request, response):
            return response
        page = _store(version, response)
        try:
            timeout = _page_timeout(version)
            if timeout > 0:
                local.set(key, page, timeout)
                if shared is not None:
                    shared.set(key, page, timeout)
        except Exception:  # noqa: BLE001
            logger.exception("Could not store %s in the public page cache", request.path)
        # Sent as a hit would be (same bytes, same headers), but from the
        # response itself, which keeps what the test client attaches to it.
        if page[4] and _accepts_gzip(request):
            response.content = page[3]
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(page[3]))
        response.headers["X-Cache"] = "miss"
        return response


def _page_timeout(version: int) -> int:
    """How long a page may be kept: PUBLIC_CACHE_SECONDS, but never past the next scheduled publish."""
    timeout = settings.PUBLIC_CACHE_SECONDS
    next_publish = _next_scheduled_publish(version)
    if next_publish is not None:
        timeout = max(0, min(timeout, int(next_publish - time.time())))
    return timeout


def _same_cache(a: BaseCache, b: BaseCache) -> bool:
    """Both local memory: the shared cache is this process's too, so keep pages once."""
    return isinstance(a, LocMemCache) and isinstance(b, LocMemCache)
