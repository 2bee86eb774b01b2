"""Fixtures of the distribution's tests: a real SMTP server, and the app sending to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from smtp_support import Collector, mail_settings, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    """A real SMTP server on 127.0.0.1 that collects what it receives and refuses ``bounce…``;
    yields its collector and port."""
    with smtp_server(refuse="bounce") as server:
        yield server


@pytest.fixture
def mail_app(app: Flask, smtp: tuple[Collector, int]) -> Collector:
    """``app`` sending its e-mail to the local SMTP server; returns the server's collector."""
    handler, port = smtp
    app.config.update(mail_settings(port))
    return handler
