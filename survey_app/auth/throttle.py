"""Sign-in throttling per account, on top of the limit per client address.

Someone who guesses one person's password from many addresses gets past the limit per
address. So the failed sign-ins of each e-mail address are counted too: after
``FREE_FAILURES`` of them, the account may try again only after a wait that doubles
with each further failure and never exceeds ``MAX_WAIT`` (a delay, never a lock-out that
a stranger could set off). The count applies to unknown addresses alike, so the answer
never tells whether an account exists. The counts live where the rate limits do (Redis
when REDIS_URL is set), under a keyed hash of the address, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from .. import rate_limits

#: Failed sign-ins of one account that cost no wait.
FREE_FAILURES = 5
#: Seconds of the first wait; each further failure doubles it.
FIRST_WAIT = 15
#: The longest wait, in seconds.
MAX_WAIT = 300
#: Seconds the failures of an account are remembered, from the first one.
REMEMBERED = 3600


def wait_after(failures: int) -> int:
    """Seconds an account waits after ``failures`` failed sign-ins in a row."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_WAIT * 2 ** min(failures - FREE_FAILURES, 16), MAX_WAIT)


def account_key(secret_key: str, email: str, what: str) -> str:
    """The storage key of ``what`` ("failures" or "wait") for the account ``email``: a keyed hash
    of the address, so neither Redis nor its dumps hold it."""
    digest = hmac.new(secret_key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"sign-in-account:{what}:{digest[:32]}"


def _key(email: str, what: str) -> str:
    return account_key(current_app.config["SECRET_KEY"], email, what)


def wait_for(email: str) -> int:
    """Seconds until the account ``email`` may try to sign in again (0: now)."""
    return rate_limits.seconds_left(_key(email, "wait"))


def failed(email: str) -> None:
    """Count a failed sign-in of ``email``; start its wait when it has failed too often."""
    wait = wait_after(rate_limits.add(_key(email, "failures"), REMEMBERED))
    if wait:
        rate_limits.add(_key(email, "wait"), wait)


def succeeded(email: str) -> None:
    """Forget the account's failures after a sign-in with the right password."""
    rate_limits.forget(_key(email, "failures"))
    rate_limits.forget(_key(email, "wait"))
