"""Middleware of our own that does not fit an app."""

from __future__ import annotations

import functools
from typing import Callable

from django.conf import settings
from django.contrib.messages.storage import default_storage
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import translation


@functools.lru_cache(maxsize=16)
def _admin_prefix(script_prefix: str) -> str | None:
    """Where the admin lives under ``script_prefix``: fixed while the process runs, so worked out once."""
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


class AdminLanguageMiddleware:
    """Let the admin follow the editor's browser (Accept-Language, or the language cookie).

    With ``i18n_patterns(prefix_default_language=False)``, LocaleMiddleware
    gives every path without a language prefix the default language, the
    admin's included, so an editor who reads English would never get it. The
    admin has no prefix to choose by, so there the browser decides; Chinese
    stays the default. Public pages go on choosing their language by URL only.
    Place it right after LocaleMiddleware, which adds ``Vary: Accept-Language``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin_prefix = _admin_prefix(get_script_prefix())
        if admin_prefix and request.path_info.startswith(admin_prefix):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class DropMessagesOnServerErrorMiddleware:
    """Never tell the user something was done when the request failed.

    The admin queues “… was changed successfully” inside its transaction,
    before the commit. If the commit then fails (the database went away),
    the request ends in a 500, yet the queued message would still be stored
    and shown on the next page. Listed after MessageMiddleware, this throws
    away what the failed request queued; messages from earlier requests stay.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and hasattr(request, "_messages"):
            request._messages = default_storage(request)
        return response


class PublicStatementTimeoutMiddleware:
    """Bound the database time of every anonymous request (PostgreSQL's ``statement_timeout``).

    A reader's request must never hold a worker and a database connection
    for long, whatever the content or the query string; staff, who are few
    and known, are not bounded (imports, long admin lists). A query cut off
    answers 503, "try again", not a 500. Listed after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.PUBLIC_STATEMENT_TIMEOUT_MS
        if not timeout or connection.vendor != "postgresql" or request.user.is_authenticated:
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout)}ms"])
        try:
            return self.get_response(request)
        finally:
            # The connection outlives the request (CONN_MAX_AGE): the next may be staff's.
            if connection.connection is not None:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("RESET statement_timeout")
                except DatabaseError:
                    # Not to be left with the bound on: a new connection starts without it.
                    if not connection.in_atomic_block:
                        connection.close()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and _is_query_canceled(exception):
            response = HttpResponse(
                "The site is busy; please try again in a moment.\n", status=503, content_type="text/plain; charset=utf-8",
            )
            response.headers["Retry-After"] = "5"
            return response
        return None


def _is_query_canceled(exception: Exception) -> bool:
    """Whether PostgreSQL cut the query off (``statement_timeout``)."""
    try:
        from psycopg.errors import QueryCanceled
    except ImportError:  # SQLite only: no psycopg, and no statement timeout either
        return False
    return isinstance(exception.__cause__, QueryCanceled)
