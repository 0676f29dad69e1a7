"""The site's URLs plus public-looking pages that belong to one visitor, for tests/briefing/test_cache.py.

Today no public page uses the CSRF token, the session or a cookie; these
stand for the first one that will, so the cache is seen to keep them private.
"""

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import path

from briefing.urls import urlpatterns as site_urlpatterns

FILLER = "<p>" + "A public-looking page. " * 40 + "</p>"


def csrf_form(request: HttpRequest) -> HttpResponse:
    """A page with a form: its token is this visitor's."""
    return HttpResponse(f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>{FILLER}')


def reads_session(request: HttpRequest) -> HttpResponse:
    """A page that reads the session (an empty one for a reader without a cookie)."""
    return HttpResponse(f"<p>visits: {request.session.get('visits', 0)}</p>{FILLER}")


def sets_cookie(request: HttpRequest) -> HttpResponse:
    """A page that sets a cookie on its visitor."""
    response = HttpResponse(f"<p>welcome</p>{FILLER}")
    response.set_cookie("seen", "1")
    return response


urlpatterns = [
    path("csrf-form/", csrf_form),
    path("reads-session/", reads_session),
    path("sets-cookie/", sets_cookie),
] + site_urlpatterns
