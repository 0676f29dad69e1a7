"""Deployment checks of our own, run by `python manage.py check --deploy`."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"


@register(Tags.security, deploy=True)
def check_secret_key_is_set(app_configs, **kwargs):
    if settings.SECRET_KEY == DEV_SECRET_KEY:
        return [Warning(
            "SECRET_KEY is the development key written in briefing/settings.py.",
            hint="Set the SECRET_KEY environment variable to a long random value.",
            id="briefing.W001",
        )]
    return []


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.PUBLIC_CACHE_SECONDS and backend.endswith("LocMemCache"):
        return [Warning(
            "Public pages and fragments are cached in each process's own memory: every "
            "gunicorn worker renders and keeps its own copy.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to share one cache between workers.",
            id="briefing.W002",
        )]
    return []


@register(Tags.security, deploy=True)
def check_client_addresses_behind_a_proxy(app_configs, **kwargs):
    if settings.HTTPS and not settings.TRUSTED_PROXY_COUNT:
        return [Warning(
            "HTTPS=1 says a proxy is in front of the site, but TRUSTED_PROXY_COUNT is 0: every login "
            "seems to come from the proxy's address, so a few wrong passwords lock a name out for everyone.",
            hint="Set TRUSTED_PROXY_COUNT=1 behind one proxy that appends to X-Forwarded-For "
                 "(docs/deployment.md).",
            id="briefing.W003",
        )]
    return []
