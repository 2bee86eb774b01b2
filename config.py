"""Settings for the survey app, read from environment variables with safe defaults.

``from_env()`` is called by ``create_app`` each time an app is made, so a changed
environment is picked up without re-importing anything. ``create_app(config)``
applies its argument on top of these settings.
"""

from __future__ import annotations

import os
from typing import Any

#: Setting name -> (default, type). Each can be overridden by the environment
#: variable of the same name.
DEFAULTS: dict[str, tuple[Any, type]] = {
    # Any SQLAlchemy URL. Empty: a SQLite file in the Flask instance folder.
    "DATABASE_URL": ("", str),
    # Signs sessions and derives survey links. Empty: one is generated on first
    # start and kept in the instance folder, so sessions survive a restart.
    "SECRET_KEY": ("", str),
    # Seconds SQLite waits for another writer before giving up.
    "SQLITE_BUSY_TIMEOUT": (15, int),
    # PostgreSQL connection pool of each server process (ignored for SQLite): connections
    # kept open, extra ones opened at busy times, seconds a request waits for a free one.
    # Size them so servers x workers x (pool + overflow) stays below the database's
    # max_connections, with room to spare (docs/production.md).
    "DB_POOL_SIZE": (5, int),
    "DB_MAX_OVERFLOW": (5, int),
    "DB_POOL_TIMEOUT": (10, int),
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are
    # trusted (0: none; 1: one proxy, e.g. nginx). Needed for client IPs in rate limits
    # and for https links behind a proxy that ends TLS; never set it without a proxy.
    "PROXY_FIX_HOPS": (0, int),
    # Base of the absolute survey links handed to respondents.
    "PUBLIC_URL": ("http://127.0.0.1:5000", str),
    # An extra folder of questionnaire files, read besides the built-in ones.
    "QUESTIONNAIRES_DIR": ("", str),
    # Anonymity threshold given to new assessments (never below 3).
    "DEFAULT_MIN_GROUP": (5, int),
    # Redis for rate limits shared by all server processes. Empty: in memory, per process.
    "REDIS_URL": ("", str),
    # Seconds each server process keeps an open survey's team link, so the questionnaire
    # page needs no query (0: read on every page). A survey closed by another process can
    # still show a blank questionnaire that long; sending answers always reads it again.
    "SURVEY_LINK_CACHE_SECONDS": (5, int),
    # Answers sent through one team link from one network address (shared through Redis
    # when REDIS_URL is set): generous enough for an office behind one address, low enough
    # that nobody can stuff a team with made-up responses (docs/anonymity.md).
    "TEAM_LINK_SENDS_PER_ADDRESS": ("100 per hour", str),
    # Answer sets saved to finish later through one team link from one address, and from
    # one browser.
    "TEAM_LINK_DRAFTS_PER_ADDRESS": ("50 per hour", str),
    "TEAM_LINK_DRAFTS_PER_BROWSER": (3, int),
    # More sends than this through one team link from one address, within one window of
    # TEAM_LINK_SENDS_PER_ADDRESS, count as a burst: a warning sign on the consultant's
    # monitor (nothing is refused).
    "TEAM_LINK_BURST_SENDS": (20, int),
    # "E-mail me this link" after saving answers: sends per network address and per draft.
    "RESUME_EMAILS_PER_ADDRESS": ("10 per hour; 30 per day", str),
    "RESUME_EMAILS_PER_DRAFT": ("3 per day", str),
    # Reports of assessments with more responses than this are rendered by the background
    # worker (``rq worker --url $REDIS_URL reports``); smaller ones, and all of them when
    # REDIS_URL is empty, are rendered while the browser waits.
    "REPORT_ASYNC_RESPONSES": (2000, int),
    # Saved answers untouched for this many days are deleted by `flask drafts purge`, as
    # are all of a closed survey's (see survey_app/drafts_cleanup.py).
    "DRAFT_MAX_AGE_DAYS": (90, int),
    # The RQ queue of the background worker: ``rq worker --url $REDIS_URL <this name>``.
    "WORKER_QUEUE": ("reports", str),
    # Seconds a background report job may run before the worker stops it.
    "REPORT_JOB_TIMEOUT": (300, int),
    # Address space (MB) a background report job may use (0: no limit); see docs/production.md.
    "REPORT_JOB_MEMORY_MB": (2048, int),
    # PDF reports one server process renders at once while the browser waits; a download
    # beyond that waits this many seconds for its turn, then goes to the background worker
    # (when REDIS_URL is set) or gets "busy, try again in a minute" (503).
    "REPORT_RENDERS_PER_PROCESS": (1, int),
    "REPORT_RENDER_WAIT_SECONDS": (5, int),
    # PDF report downloads per signed-in user (counted in Redis when REDIS_URL is set).
    "REPORT_DOWNLOADS_PER_USER": ("30 per hour", str),
    # Largest request body in bytes (uploads: CSV files, logos); larger ones get 413.
    "MAX_CONTENT_LENGTH": (8 * 1024 * 1024, int),
    # Sign-in attempts from one network address (shared through Redis when REDIS_URL is
    # set); each account's failures are slowed down on their own as well.
    "SIGN_IN_PER_ADDRESS": ("10 per minute; 50 per hour", str),
    # Hours a sign-in lasts before the user must sign in again.
    "SESSION_HOURS": (12, int),
    # Hours a link to set a new password (made by an admin or a leader's consultant) works.
    "RESET_LINK_HOURS": (24, int),
    # Outgoing mail for invitations. Empty MAIL_SERVER: invitations are not e-mailed.
    "MAIL_SERVER": ("", str),
    "MAIL_PORT": (25, int),
    "MAIL_USERNAME": ("", str),
    "MAIL_PASSWORD": ("", str),
    "MAIL_SENDER": ("", str),
    # "starttls", "ssl" or "none".
    "MAIL_SECURITY": ("starttls", str),
}


class ConfigError(ValueError):
    """A setting in the environment has a value the app cannot use."""


def from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return every setting, taking each from the environment when it is set there."""
    environ = dict(os.environ) if environ is None else environ
    settings: dict[str, Any] = {}
    for name, (default, kind) in DEFAULTS.items():
        raw = environ.get(name, "").strip()
        if not raw:
            settings[name] = default
            continue
        try:
            settings[name] = kind(raw)
        except ValueError:
            raise ConfigError(f"environment variable {name} must be a whole number, not {raw!r}") from None
    return settings


class TestConfig:
    """Overrides for the test suite: CSRF off unless a test turns it back on."""

    TESTING = True
    WTF_CSRF_ENABLED = False
