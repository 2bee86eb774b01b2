"""Fixtures of the tests of accounts: signing in, passwords and leaders' invitations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from smtp_support import Collector, mail_settings, smtp_server


@pytest.fixture
def smtp(app: Flask) -> Iterator[Collector]:
    """``app`` sending its e-mail to a real SMTP server on 127.0.0.1; yields what the server received."""
    with smtp_server() as (handler, port):
        app.config.update(mail_settings(port, sender="Survey <survey@example.com>"))
        yield handler
