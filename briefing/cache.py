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

If the shared cache fails (Redis down), pages are rendered uncached and saves
go on: the site is slower, not broken.

Scheduled issues go public when their time comes, without any save. A page
is therefore never kept past the next scheduled publish time.

Code that writes content without model signals (``QuerySet.update()``,
``bulk_create()``) must call :func:`bump_content_version` itself.
"""

from __future__ import annotations

import hashlib
import time
from typing import Callable

from django.conf import settings
import logging

from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import cc_delim_re

logger = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"
# Models whose changes readers may see. Any model of these apps counts, so
# that models other apps add later (history, revisions…) are covered too.
CONTENT_APPS = {"issues", "entries", "taggit"}
# Headers that make a response unfit to share between readers.
_PRIVATE_CACHE_CONTROL = {"private", "no-store", "no-cache"}


def content_version() -> int:
    """The current content version; created (from the clock, so never a reused number) if missing."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, int(time.time() * 1000), timeout=None)
        version = cache.get(VERSION_KEY)
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


def _content_changed(sender, **kwargs) -> None:
    if sender._meta.app_label in CONTENT_APPS:
        _bump_now_and_after_commit()


def _tags_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_") and sender._meta.app_label in CONTENT_APPS:
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
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return f"public-pages:page:{language}:{request.get_host()}:{path}"


def _is_cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PUBLIC_CACHE_SECONDS:
        return False
    if any(request.path.startswith(prefix) for prefix in settings.PUBLIC_CACHE_EXCLUDE):
        return False
    # Anyone with a session may be staff, who see more than readers: never
    # serve them a stored page, nor store theirs.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _is_shareable_response(request: HttpRequest, response: HttpResponse) -> bool:
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


class PublicPageCacheMiddleware:
    """Serve and store anonymous readers' public pages (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_cacheable_request(request):
            return self.get_response(request)
        local = caches["pages"]
        shared = None if _same_cache(local, cache) else cache
        key = _page_key(request)
        try:
            version = content_version()
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
            response = stored[1]
            response["X-Cache"] = "hit"
            return response

        response = self.get_response(request)
        if _is_shareable_response(request, response):
            try:
                timeout = _page_timeout(version)
                if timeout > 0:
                    local.set(key, (version, response), timeout)
                    if shared is not None:
                        shared.set(key, (version, response), timeout)
            except Exception:  # noqa: BLE001
                logger.exception("Could not store %s in the public page cache", request.path)
            response["X-Cache"] = "miss"
        return response


def _page_timeout(version: int) -> int:
    """How long a page may be kept: PUBLIC_CACHE_SECONDS, but never past the next scheduled publish."""
    timeout = settings.PUBLIC_CACHE_SECONDS
    next_publish = _next_scheduled_publish(version)
    if next_publish is not None:
        timeout = max(0, min(timeout, int(next_publish - time.time())))
    return timeout


def _same_cache(a, b) -> bool:
    """Both local memory: the shared cache is this process's too, so keep pages once."""
    return type(a).__name__ == type(b).__name__ == "LocMemCache"
