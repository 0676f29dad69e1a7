"""Login lockouts behind the TLS proxy: by user name and the reader's own address (the hostile-input probe, finding 11).

Behind the documented proxy every connection comes from 127.0.0.1; the
client's address is in X-Forwarded-For, which the proxy appends to. Without a
trusted proxy configured the header is the client's own word and is ignored.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse

from briefing.settings import client_address_settings
from tests.factories import contributor

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def through_proxy(address: str, sent: str | None = None) -> Client:
    """A browser at ``address`` reaching gunicorn through nginx (``$proxy_add_x_forwarded_for``).

    ``sent`` is an X-Forwarded-For the browser itself sent, which nginx keeps in front.
    """
    forwarded = f"{sent}, {address}" if sent else address
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)


def sign_in(client: Client, username: str, password: str) -> int:
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}).status_code


@pytest.fixture
def behind_proxy(settings):
    for name, value in client_address_settings(1).items():
        setattr(settings, name, value)


def test_behind_a_trusted_proxy_an_attacker_locks_out_only_their_own_address(behind_proxy, settings):
    contributor(username="writer")
    attacker = through_proxy("198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "writer", "wrong-guess")
    assert sign_in(attacker, "writer", PASSWORD) == 429
    # The real contributor, elsewhere, signs in.
    assert sign_in(through_proxy("203.0.113.20"), "writer", PASSWORD) == 302


def test_an_address_the_client_writes_itself_is_not_believed(behind_proxy, settings):
    contributor(username="writer")
    for n in range(settings.AXES_FAILURE_LIMIT):
        # A new made-up address each time does not buy more guesses.
        sign_in(through_proxy("198.51.100.7", sent=f"192.0.2.{n}"), "writer", "wrong-guess")
    assert sign_in(through_proxy("198.51.100.7", sent="192.0.2.99"), "writer", PASSWORD) == 429
    # Nor can it name the victim's address to lock them out.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(through_proxy("198.51.100.8", sent="203.0.113.20"), "writer", "wrong-guess")
    assert sign_in(through_proxy("203.0.113.20"), "writer", PASSWORD) == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    for name, value in client_address_settings(0).items():
        setattr(settings, name, value)
    contributor(username="writer")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "writer", "wrong-guess")
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99"), "writer", PASSWORD) == 429
    assert sign_in(Client(REMOTE_ADDR="203.0.113.20"), "writer", PASSWORD) == 302


def test_failing_again_during_a_lockout_does_not_make_it_longer(settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=2)
    contributor(username="writer")
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "writer", "wrong-guess")
    locked_at = time.monotonic()
    time.sleep(1.2)
    assert sign_in(attacker, "writer", "wrong-guess") == 429  # during the lockout
    time.sleep(max(0.0, 2.3 - (time.monotonic() - locked_at)))
    # Two seconds after the lockout began, not after the last try, it is over.
    assert sign_in(attacker, "writer", PASSWORD) == 302
