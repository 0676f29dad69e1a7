"""Views that exist only for the benchmark (BENCH=1)."""

from django.http import HttpRequest, HttpResponse


def ping(request: HttpRequest) -> HttpResponse:
    """A constant response: what the full middleware stack costs with no work behind it."""
    return HttpResponse(b"pong", content_type="text/plain")
