"""A real SMTP server on 127.0.0.1 for the tests that send e-mail (aiosmtpd), and the settings for it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


class Collector:
    """An aiosmtpd handler that keeps every message it accepts.

    Addresses starting with ``refuse`` (when set) are refused as unknown mailboxes, and
    ``delay`` seconds pass before each message is accepted, as with a real, busy server.
    """

    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = refuse
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if self.refuse and address.startswith(self.refuse):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(refuse: str | None = None) -> Iterator[tuple[Collector, int]]:
    """A running SMTP server: its collector and port."""
    handler = Collector(refuse)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def mail_settings(port: int, sender: str = "Alignment survey <survey@example.com>") -> dict[str, Any]:
    """The app's settings for sending through the test server on ``port`` (plain SMTP, no sign-in)."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SECURITY": "none",
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": sender,
    }
