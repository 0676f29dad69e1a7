"""Middleware of our own that does not fit an app."""

from __future__ import annotations

from typing import Callable

from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse


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
