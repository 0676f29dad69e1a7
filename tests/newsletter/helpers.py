"""Builders for the newsletter tests: subscribers in every state, and the links in their emails."""

from __future__ import annotations

import re

from newsletter.models import Subscriber

LINK = re.compile(r"https?://[^\s\"'<>]+")


def subscriber(email: str, status: str = Subscriber.Status.ACTIVE, edition: str = "zh-hans") -> Subscriber:
    """A subscriber recorded as if they had subscribed (and, for "active", confirmed)."""
    return Subscriber.objects.create(email=email, status=status, edition=edition)


def link_in(text: str, contains: str) -> str:
    """The first link in ``text`` whose address contains ``contains``."""
    for url in LINK.findall(text):
        if contains in url:
            return url
    raise AssertionError(f"no link with {contains!r} in:\n{text}")


def path_of(url: str) -> str:
    """``url`` without its scheme and host, for the test client."""
    return re.sub(r"^https?://[^/]+", "", url)
