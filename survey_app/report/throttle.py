"""How many PDF reports a server process renders at once, and how often one person may download.

Laying out a report keeps the Python interpreter busy for seconds, and while it does the
process's other threads wait: four parallel downloads once slowed a respondent's page from
11 ms to almost 3 seconds. So each process renders at most ``REPORT_RENDERS_PER_PROCESS``
reports at a time; a download beyond that waits ``REPORT_RENDER_WAIT_SECONDS`` for its turn
and is then sent elsewhere (the background worker, or a "busy" page). Downloads served from
the cache take no turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from limits import parse_many
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from .. import rate_limits

#: Seconds a browser is told to wait before trying a busy download again.
BUSY_RETRY_SECONDS = 60

_slots_lock = threading.Lock()


class ReportBusy(ServiceUnavailable):
    """503: every render slot of this process stayed taken while the download waited."""

    name = "The report is busy"
    description = (
        "Other reports are being made right now, so yours could not be made in time. Please try again in a"
        " minute."
    )

    def __init__(self) -> None:
        super().__init__(retry_after=BUSY_RETRY_SECONDS)


class TooManyDownloads(TooManyRequests):
    """429: the signed-in user has used up their PDF downloads for now."""

    name = "Too many downloads"


def render_slots(app: Flask) -> threading.BoundedSemaphore:
    """The process's render slots for ``app`` (``REPORT_RENDERS_PER_PROCESS``), made on first use.

    Made on first use rather than with the app, so that a server that forks its workers
    after loading the app gives each worker its own.
    """
    with _slots_lock:
        slots = app.extensions.get("report_render_slots")
        if slots is None:
            slots = threading.BoundedSemaphore(max(1, int(app.config["REPORT_RENDERS_PER_PROCESS"])))
            app.extensions["report_render_slots"] = slots
    return slots


@contextmanager
def render_slot(app: Flask) -> Iterator[bool]:
    """Wait up to ``REPORT_RENDER_WAIT_SECONDS`` for a render slot; yields whether one was had.

    The slot is given back when the block ends.
    """
    slots = render_slots(app)
    has_slot = slots.acquire(timeout=max(0.0, float(app.config["REPORT_RENDER_WAIT_SECONDS"])))
    try:
        yield has_slot
    finally:
        if has_slot:
            slots.release()


def count_download(rules: str, user_id: int) -> None:
    """Count one PDF download of user ``user_id`` against ``rules`` ("30 per hour"); 429 when used up."""
    seconds = rate_limits.refusal(rules, "report-download", f"user-{user_id}")
    if seconds is None:
        return
    raise TooManyDownloads(
        description=(
            f"You have reached the limit for PDF report downloads ({limits_words(rules)})."
            f" Try again in {rate_limits.wait_words(seconds)}."
        ),
        retry_after=seconds,
    )


def limits_words(rules: str) -> str:
    """Rate limits in words: "30 per hour", "30 per hour and 100 per day", "5 per 10 minutes"."""
    words = []
    for limit in parse_many(rules):
        unit = limit.GRANULARITY.name
        period = unit if limit.multiples == 1 else f"{limit.multiples} {unit}s"
        words.append(f"{limit.amount} per {period}")
    return " and ".join(words)
