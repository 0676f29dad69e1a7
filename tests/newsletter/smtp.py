"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, keeping what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        """The message as Python's email package reads it."""
        return email.message_from_bytes(self.content, policy=email.policy.default)

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    def part(self, subtype: str) -> str:
        """The text of the message's text/``subtype`` part ("plain" or "html")."""
        return self.message.get_body(preferencelist=(subtype,)).get_content()


@dataclass
class Sink:
    """What the server received, and how it answers: ``refuse[address]`` is the reply to RCPT TO."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    # A reply used once per address, then removed (a temporary failure that passes).
    refuse_once: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Once this many messages are in, hold every further answer to DATA until it is raised
    # (or set to None): the senders then wait mid-send, where a test can kill them.
    hold_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            reply = self.refuse_once.pop(address, None) or self.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.delay:
            await asyncio.sleep(self.delay)
        while self.hold_after is not None and len(self.received) >= self.hold_after:
            await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


class SMTPServer:
    """``with SMTPServer() as server:`` aiosmtpd listening on 127.0.0.1:``server.port``."""

    def __init__(self) -> None:
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
