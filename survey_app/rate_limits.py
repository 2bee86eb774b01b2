"""Rate limits on the views where attempts guess a secret (sign-in), per client address.

Only a view decorated with ``limited``, or one that calls ``refusal`` itself, is counted:
no other request does any rate-limit work. Respondents' pages count only what could stuff
a team: sends and saved drafts through a team link, per address, with limits generous
enough for a whole office answering from one address (``TEAM_LINK_*`` settings).
The ``limits`` library counts attempts in fixed windows: in Redis when
REDIS_URL is set, so that every worker of every server shares the counts, else in the
memory of each process. The client's address is the request's (set from X-Forwarded-For
only when PROXY_FIX_HOPS trusts a proxy).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

P = ParamSpec("P")
R = TypeVar("R")

TOO_MANY = "Too many attempts from your address. Try again in {wait}."


class TooManyAttempts(TooManyRequests):
    """429, named for people: the error page's heading."""

    name = "Too many attempts"


def init_app(app: Flask) -> None:
    """Count in Redis when REDIS_URL is set, else in this process."""
    storage = storage_from_string(app.config["REDIS_URL"] or "memory://")
    app.extensions["rate_limits"] = FixedWindowRateLimiter(storage)


def _wait(seconds: int) -> str:
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
        raise TooManyAttempts(description=TOO_MANY.format(wait=_wait(seconds)), retry_after=seconds)


def _refused_for(limits: list[RateLimitItem], scope: str, client: str) -> int | None:
    counter: FixedWindowRateLimiter = current_app.extensions["rate_limits"]
    full = [limit for limit in limits if not counter.hit(limit, scope, client)]
    if not full:
        return None
    reset = max(counter.get_window_stats(limit, scope, client).reset_time for limit in full)
    return max(1, math.ceil(reset - time.time()))


def refusal(rules: str, scope: str, client: str) -> int | None:
    """Count one attempt of ``client`` at ``scope`` against ``rules``: None when allowed, else
    the seconds until the longest full window ends. For views that refuse in their own words."""
    return _refused_for(parse_many(rules), scope, client)


def once_per_window(rules: str) -> str:
    """ "1 per <window>" for the first of ``rules``' windows ("10 per 10 minutes" → "1 per 10
    minute"): a limit that lets one event through per window, to note a burst once."""
    first = parse_many(rules)[0]
    return f"1 per {first.multiples} {first.GRANULARITY.name}"


def wait_words(seconds: int) -> str:
    """``seconds`` in words, as the refusals say it ("42 seconds", "17 minutes")."""
    return _wait(seconds)


def limited(
    rules: str, *, methods: tuple[str, ...] = ("POST",)
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view so that its ``methods`` requests are limited per client by ``rules``
    ("10 per minute; 50 per hour")."""
    limits = parse_many(rules)

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            if request.method in methods:
                check(limits, request.endpoint or view.__name__, request.remote_addr or "")
            return view(*args, **kwargs)

        return counted

    return decorate
