"""Rendered HTML fragments in Django's cache, keyed by what they are made from.

An issue's sections and an entry's card are the expensive parts of a page.
Each is cached under a key naming the object, the language, the time its
issue's content last changed (``Issue.content_changed_at``) and the deployed
code's version: an edit or a deploy gives new keys, so nothing is ever
invalidated and nothing stale is ever shown; old fragments simply expire.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .cache import cache_call
from .version import code_version

K = TypeVar("K", bound=Hashable)


def fragment_key(kind: str, *parts: object) -> str:
    """The cache key of a fragment of ``kind`` made from ``parts``, in the active language, for this code."""
    return ":".join(["fragment", kind, code_version(), get_language() or settings.LANGUAGE_CODE, *map(str, parts)])


def cached_fragments(
    keys: dict[K, str], render: Callable[[list[K]], dict[K, str]], lifetime: Callable[[], int] | None = None,
) -> dict[K, SafeString]:
    """The fragment of each item of ``keys`` (item → cache key): read with one ``get_many``.

    Those missing are made by ``render(missing items)`` and stored with one
    ``set_many``, for ``lifetime()`` seconds if given, else
    FRAGMENT_CACHE_SECONDS; an item ``render`` could not make (deleted
    meanwhile) is left out. The fragments are HTML rendered from escaped
    templates.
    """
    found = cache_call("get_many", list(keys.values()))
    missing = [item for item, key in keys.items() if key not in found]
    made: dict[K, str] = {}
    if missing:
        # Asked before rendering: what changes while they are rendered must still end them.
        timeout = lifetime() if lifetime else settings.FRAGMENT_CACHE_SECONDS
        made = render(missing)
        if made:
            cache_call("set_many", {keys[item]: html for item, html in made.items()}, timeout)
    return {
        item: mark_safe(found[key] if key in found else made[item])
        for item, key in keys.items() if key in found or item in made
    }


def changed_stamp(moment) -> str:
    """A datetime as part of a key: to the microsecond, whatever the time zone."""
    return f"{moment.timestamp():.6f}"


