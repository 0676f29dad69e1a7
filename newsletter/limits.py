"""Limits on subscribe requests, counted in Django's cache: per address asked for, and per client.

Keys hold a keyed hash of the address, never the address. When the cache is
down the limits are not applied (subscribing still needs the emailed link).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from briefing.cache import cache_call

#: Confirmation emails one address may be sent: this many a day.
PER_ADDRESS = (3, 24 * 3600)
#: Subscribe requests one client (IP address) may make: this many an hour.
PER_CLIENT = (10, 3600)


def client_address(request: HttpRequest) -> str:
    """The reader's IP address: the proxy's record of it behind the TLS proxy (HTTPS=1), else the connection's."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        # gunicorn listens on 127.0.0.1 behind the proxy, which appends the
        # address it saw last: the right-most entry is the one to trust.
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window)
        return 1


def allow(kind: str, value: str, limit: tuple[int, int]) -> bool:
    """Count one more request of ``kind`` for ``value``; whether it is within ``limit`` (count, seconds)."""
    most, window = limit
    digest = salted_hmac("newsletter.limits", value.strip().lower()).hexdigest()[:32]
    return cache_call(_count, f"newsletter:limit:{kind}:{digest}", window, default=0) <= most
