"""Middleware of our own that does not fit an app."""

from __future__ import annotations

import functools
from typing import Callable

from django.conf import settings
from django.contrib.messages.storage import default_storage
from django.db import OperationalError, connection
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
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


class RejectNulBytesMiddleware:
    """Answer 400 to an address or query parameter holding a NUL byte.

    No real address or parameter holds one, and PostgreSQL refuses it in a
    query, so anything that passed one on (a list filter of the admin, a
    slug) failed with a 500. Listed early, before the page cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("A NUL byte has no place in an address.\n", content_type="text/plain; charset=utf-8")
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
        if connection.vendor == "postgresql":
            set_statement_timeout(0 if is_signed_in(request) else settings.PUBLIC_STATEMENT_TIMEOUT_MS)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and _is_query_canceled(exception):
            response = HttpResponse(
                "The site is busy; please try again in a moment.\n", status=503, content_type="text/plain; charset=utf-8",
            )
            response.headers["Retry-After"] = "5"
            return response
        return None


def is_signed_in(request: HttpRequest) -> bool:
    """Whether a user is signed in; without a session cookie the session is not even read
    (reading it would keep the page out of the public page cache)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


def set_statement_timeout(milliseconds: int) -> None:
    """Give this thread's PostgreSQL connection that ``statement_timeout`` (0: none), unless it has it already.

    The setting belongs to the database session, which outlives the request
    (CONN_MAX_AGE): it is set again only when the next request wants
    another, so most requests pay nothing for it.
    """
    if getattr(connection, "statement_timeout_ms", 0) == milliseconds and connection.connection is not None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(milliseconds)}ms"])
    connection.statement_timeout_ms = milliseconds


def _new_session_is_unbounded(sender, connection, **kwargs) -> None:
    connection.statement_timeout_ms = 0


connection_created.connect(_new_session_is_unbounded, dispatch_uid="briefing.middleware.statement_timeout")


def _is_query_canceled(exception: Exception) -> bool:
    """Whether PostgreSQL cut the query off (``statement_timeout``)."""
    try:
        from psycopg.errors import QueryCanceled
    except ImportError:  # SQLite only: no psycopg, and no statement timeout either
        return False
    return isinstance(exception.__cause__, QueryCanceled)
