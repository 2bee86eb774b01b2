"""Rate limits on the views where attempts guess a secret (sign-in), per client address.

Only a view decorated with ``limited``, or one that calls ``refusal`` itself, is counted:
no other request does any rate-limit work. Respondents' pages count only what could stuff
a team: sends and saved drafts through a team link, per address, with limits generous
enough for a whole office answering from one address (``TEAM_LINK_*`` settings).
The ``limits`` library counts attempts in fixed windows: in Redis when
REDIS_URL is set, so that every worker of every server shares the counts, else in the
memory of each process. While Redis does not answer, the counts fail open to the memory
of each process (``Counters``), so that nobody gets an error page, and the log gets one
warning a minute. The client's address is the request's (set from X-Forwarded-For
only when PROXY_FIX_HOPS trusts a proxy).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

TOO_MANY = "Too many attempts from your address. Try again in {wait}."


class TooManyAttempts(TooManyRequests):
    """429, named for people: the error page's heading."""

    name = "Too many attempts"


class ProcessStorage(MemoryStorage):
    """``limits``' in-memory storage for fixed windows, without its cleanup thread.

    ``MemoryStorage.incr`` starts a thread to sweep ended windows whenever the last one has
    finished (10 ms after it started): counted on every respondent's send, that cost about
    0.6 ms a count. Here an ended window is dropped when its key is next read (as
    ``MemoryStorage.get`` does), and every ``SWEEP_EVERY`` counts the ended ones are swept.
    """

    #: Counts between two sweeps of ended windows (which bound the memory used).
    SWEEP_EVERY = 1000

    def __init__(self) -> None:
        super().__init__()
        self._counted = 0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s window (a new one of ``expiry`` seconds if it has ended)."""
        self.get(key)  # drops the key when its window has ended
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
            count = self.storage[key]
        self._counted += 1
        if self._counted % self.SWEEP_EVERY == 0:
            now = time.time()
            for ended in [key for key, until in list(self.expirations.items()) if until <= now]:
                self.get(ended)
        return count


class Counters:
    """Where the counts are kept: in Redis when one is set (``shared``), else in this process.

    While the shared storage fails, each count is kept in this process instead (fail open:
    the limits still hold per process, and no request gets an error page). The log gets one
    warning a minute about it, not one per request, and the shared storage is tried again
    after ``RETRY_SECONDS``, so that a Redis that hangs slows down one request in so many.
    """

    #: Seconds between two warnings in the log while Redis does not answer.
    WARN_EVERY = 60
    #: Seconds during which the counts stay in this process after Redis failed.
    RETRY_SECONDS = 5

    def __init__(self, shared: Storage | None, logger: logging.Logger) -> None:
        self.shared = FixedWindowRateLimiter(shared) if shared is not None else None
        self.local = FixedWindowRateLimiter(ProcessStorage())
        self._logger = logger
        self._lock = threading.Lock()
        self._down_until = -math.inf
        self._warned_at = -math.inf

    def run(self, action: Callable[[FixedWindowRateLimiter], T]) -> T:
        """``action`` on the shared counts, or on this process's while those cannot be reached."""
        if self.shared is not None and time.monotonic() >= self._down_until:
            try:
                return action(self.shared)
            except StorageError as exc:
                self._failed(exc)
        return action(self.local)

    def _failed(self, exc: StorageError) -> None:
        """Count in this process for a while; warn unless a warning went out less than a minute ago."""
        now = time.monotonic()
        with self._lock:
            self._down_until = now + self.RETRY_SECONDS
            warn = now - self._warned_at >= self.WARN_EVERY
            if warn:
                self._warned_at = now
        if warn:
            # The storage's own error names the host and port, never a password of REDIS_URL.
            self._logger.warning(
                "Redis does not answer (%s): rate limits are counted in each server process until it does",
                exc.storage_error,
            )


def init_app(app: Flask) -> None:
    """Count in Redis when REDIS_URL is set (in this process while it fails), else in this process."""
    redis_url = app.config["REDIS_URL"]
    shared = (
        storage_from_string(redis_url, wrap_exceptions=True, socket_connect_timeout=2, socket_timeout=2)
        if redis_url
        else None
    )
    app.extensions["rate_limits"] = Counters(shared, app.logger)


def _counters() -> Counters:
    return current_app.extensions["rate_limits"]


def wait_words(seconds: int) -> str:
    """``seconds`` in words: "1 second", "42 seconds", "17 minutes"."""
    number, unit = (seconds, "second") if seconds < 60 else (math.ceil(seconds / 60), "minute")
    return f"{number} {unit}" + ("" if number == 1 else "s")


def check(limits: list[RateLimitItem], scope: str, client: str) -> None:
    """Count one attempt of ``client`` at ``scope`` against each limit; 429 when one is used up.

    Every limit counts the attempt, a refused one too. The answer says when to try again
    (Retry-After): at the end of the longest full window.
    """
    seconds = _refused_for(limits, scope, client)
    if seconds is not None:
        raise TooManyAttempts(description=TOO_MANY.format(wait=wait_words(seconds)), retry_after=seconds)


def _refused_for(limits: list[RateLimitItem], scope: str, client: str) -> int | None:
    def hit(counter: FixedWindowRateLimiter) -> int | None:
        full = [limit for limit in limits if not counter.hit(limit, scope, client)]
        if not full:
            return None
        reset = max(counter.get_window_stats(limit, scope, client).reset_time for limit in full)
        return max(1, math.ceil(reset - time.time()))

    return _counters().run(hit)


@functools.lru_cache(maxsize=64)
def _parsed(rules: str) -> list[RateLimitItem]:
    """``rules`` parsed once: respondents' sends check theirs on every request."""
    return parse_many(rules)


def count(rule: str, scope: str, client: str) -> tuple[int, int | None]:
    """Count one event of ``client`` at ``scope`` in the window of ``rule`` (one limit, such as
    "100 per hour"), with one call to the storage: how many events the window holds now, and
    the seconds until it ends when that is more than the limit allows (else None)."""
    limit = _parsed(rule)[0]

    def incr(counter: FixedWindowRateLimiter) -> tuple[int, int | None]:
        counted = counter.storage.incr(limit.key_for(scope, client), limit.get_expiry())
        if counted <= limit.amount:
            return counted, None
        reset = counter.get_window_stats(limit, scope, client).reset_time
        return counted, max(1, math.ceil(reset - time.time()))

    return _counters().run(incr)


def add(key: str, seconds: int) -> int:
    """Add one to the counter ``key`` (a new one that lasts ``seconds`` if there is none); its count."""
    return _counters().run(lambda counter: counter.storage.incr(key, seconds))


def seconds_left(key: str) -> int:
    """Whole seconds until the counter ``key`` ends (0 when there is none)."""

    def left(counter: FixedWindowRateLimiter) -> int:
        if not counter.storage.get(key):
            return 0
        return max(0, math.ceil(counter.storage.get_expiry(key) - time.time()))

    return _counters().run(left)


def forget(key: str) -> None:
    """Remove the counter ``key``."""
    _counters().run(lambda counter: counter.storage.clear(key))


def refusal(rules: str, scope: str, client: str) -> int | None:
    """Count one attempt of ``client`` at ``scope`` against ``rules``: None when allowed, else
    the seconds until the longest full window ends. For views that refuse in their own words."""
    return _refused_for(_parsed(rules), scope, client)


def limited(
    rules: str = "", *, setting: str = "", methods: tuple[str, ...] = ("POST",)
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view so that its ``methods`` requests are limited per client by ``rules``
    ("10 per minute; 50 per hour"), or by the app's ``setting`` holding such rules."""
    fixed = parse_many(rules) if rules else None

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            if request.method in methods:
                limits = fixed if fixed is not None else _parsed(current_app.config[setting])
                check(limits, request.endpoint or view.__name__, request.remote_addr or "")
            return view(*args, **kwargs)

        return counted

    return decorate
