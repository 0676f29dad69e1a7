"""Authentication backends: login attempts are limited with django-axes."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginAttemptsBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come from a web request.

    Axes refuses any ``authenticate()`` call without a request. Those calls
    never come from the login form (Django's LoginView always passes the
    request) but from code on the server itself, such as management commands
    or the test client's ``login()``; there is no one to lock out there, so
    they go straight on to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
