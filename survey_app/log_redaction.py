"""Respondents' secret tokens taken out of log lines.

A team's survey link (``/s/<token>``), a personal invitation (``/i/<token>``) and a saved
draft (``/q/<token>``) carry their secret in the path, and the resume page may get one in
its query string (``?code=``). A log line that kept it would tie a person's link to the
time of each of their requests, and would hand the link to anyone who reads the logs.

``redact`` replaces each token with ``[token]``, in a path, a request line or a whole URL
(a referer). ``RedactingFilter`` does the same to log records: ``init_app`` puts it on the
development server's request log and on the app's own logger, and deploy/gunicorn.conf.py
uses ``redact`` for gunicorn's access log. This module imports nothing from Flask or
gunicorn.

An error's traceback is logged without the values a database put in its message:
PostgreSQL's ``DETAIL`` line quotes the failing row or key (a comment, an e-mail
address), and SQLAlchemy would add the statement's parameters (the engines are made with
``hide_parameters``; ``scrub_traceback`` drops them too, should one be made without).
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

MARKER = "[token]"

#: A path segment after /s/, /i/ or /q/ of 16 or more URL-safe characters (the app's tokens
#: are 32 or 43 long), some perhaps percent-escaped as the client sent them (``%41`` for
#: ``A``). There is no upper bound: a longer segment is hidden too rather than logged whole.
_PATH_TOKEN = re.compile(r"(/[iqs]/)(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){16,}")
#: The value of a ``code`` or ``token`` query parameter, up to the next parameter or fragment.
_QUERY_TOKEN = re.compile(r"((?:^|[?&;])(?:code|token)=)[^&#\s\x1b]+", re.IGNORECASE)


#: The lines of a database error that quote data: PostgreSQL's DETAIL (the failing row, the
#: duplicate key's value) and SQLAlchemy's parameters, which may run over several lines.
_DATA_LINES = re.compile(
    r"^(\s*)(DETAIL:|\[parameters: ).*?(?=^\S|^\s*\(Background on this error|\Z)", re.M | re.S
)
WITHHELD = "[withheld: it may quote personal data]"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _marked(match: re.Match[str]) -> str:
    return match[1] + MARKER


def redact(text: str) -> str:
    """``text`` (a path, request line or URL) with every respondent's token replaced by ``[token]``."""
    # Most log values hold no token, and a search costs less than a substitution.
    if _PATH_TOKEN.search(text):
        text = _PATH_TOKEN.sub(_marked, text)
    if "=" in text and ("code=" in (lowered := text.lower()) or "token=" in lowered):
        text = _QUERY_TOKEN.sub(_marked, text)
    return text


def scrub_traceback(exc_info: ExcInfo) -> str:
    """The traceback as logging would print it, without data quoted by the database or tokens."""
    text = "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    return redact(_DATA_LINES.sub(lambda match: f"{match[1]}{match[2].rstrip()} {WITHHELD}\n", text))


class RedactingFilter(logging.Filter):
    """Replaces the tokens in a record's message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place when its message holds a token.

        The message is checked as formatted, because a token can be split between the
        format and its arguments (``"/q/%s", token``); werkzeug passes the request line as
        an argument. A record without a token is left exactly as it was.
        """
        try:
            message = record.getMessage()
        except Exception:  # a broken record: logging reports it when a handler formats it
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Handlers print exc_text when it is set, instead of formatting the exception.
            record.exc_text = scrub_traceback(record.exc_info)  # type: ignore[arg-type]
        return True


#: One instance, so that adding it again (an app made twice) adds nothing.
redacting_filter = RedactingFilter()


def init_app(app: Flask) -> None:
    """Redact the development server's request lines and the app's own log messages.

    ``flask run`` logs each request through the ``werkzeug`` logger, and Flask logs an
    unhandled error as ``Exception on <path>``. Both loggers are process-wide.
    """
    logging.getLogger("werkzeug").addFilter(redacting_filter)
    app.logger.addFilter(redacting_filter)
