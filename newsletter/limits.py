"""Limits on subscribe requests, counted in Django's cache: per address asked for, and per client.

Keys hold a keyed hash of the address, never the address. When the cache is
down the limits are not applied (subscribing still needs the emailed link).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from briefing.cache import outage

#: Confirmation emails one address may be sent: this many a day.
PER_ADDRESS = (3, 24 * 3600)
#: Subscribe requests one client (IP address) may make: this many an hour.
PER_CLIENT = (10, 3600)


def client_address(request: HttpRequest) -> str:
    """The reader's IP address, read as login lockouts read it (TRUSTED_PROXY_COUNT, briefing/settings.py)."""
    return get_client_ip_address(request) or ""


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
    if not outage.available():
        return True  # the cache is down: subscribing still needs the emailed link
    try:
        return _count(f"newsletter:limit:{kind}:{digest}", window) <= most
    except Exception as error:  # noqa: BLE001 - any failure of the cache server
        outage.failed(error)
        return True
