"""The site's URLs plus a page whose query outlasts any sane bound, for tests/briefing/test_statement_timeout.py."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from briefing.urls import urlpatterns as site_urlpatterns


def slow_query(request: HttpRequest) -> HttpResponse:
    """A page whose one query takes two seconds: a stand-in for a pathological search."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return HttpResponse("done")


def statement_timeout(request: HttpRequest) -> HttpResponse:
    """The bound the database applies to this request's queries."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return HttpResponse(cursor.fetchone()[0])


urlpatterns = [
    path("test/slow/", slow_query),
    path("test/statement-timeout/", statement_timeout),
    *site_urlpatterns,
]
