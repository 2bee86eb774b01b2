"""Team survey links kept for a few seconds in each server process.

Every team-link respondent opens the questionnaire, which needs the link's team and
whether its survey is open: one query per page. The answer changes only when a
consultant closes a survey, changes its dates, or (one day) removes a team, so each
process keeps it for ``seconds``. What that delays is bounded and safe:

- Only open surveys are kept. A survey opened or reopened shows at once; one closed
  in another process can still show a blank questionnaire for up to ``seconds``, as if
  the respondent had opened it that much earlier.
- Opening and closing dates are compared with the clock on every use.
- Sending the answers never relies on it: ``services.submit_new`` reads the link again
  in its write transaction, so a closed survey takes no more responses.
- A change committed by this process (the workspace's close button) empties it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from itertools import chain
from typing import Any

from cachetools import TTLCache
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ..models import Assessment, AssessmentStatus, Team
from .services import TeamLinkTarget

#: Links kept at most (each a few hundred bytes); the oldest go first.
MAX_LINKS = 4096
#: Key in a write session's ``info``: it changed a team or an assessment.
_CHANGED = "survey_links_changed"


class LinkCache:
    """Open surveys' team links by link hash, each kept ``seconds`` (0: none kept)."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._links: TTLCache[str, TeamLinkTarget] | None = (
            TTLCache(MAX_LINKS, seconds, timer=clock) if seconds > 0 else None
        )
        self._lock = threading.Lock()  # gunicorn may run threads (GUNICORN_THREADS)

    def get(self, link_hash: str) -> TeamLinkTarget | None:
        """The link kept under ``link_hash``, unless it is older than ``seconds``."""
        if self._links is None:
            return None
        with self._lock:
            return self._links.get(link_hash)

    def put(self, link: TeamLinkTarget) -> None:
        """Keep ``link`` if its survey is open; a closed one is always read again."""
        if self._links is None or link.status is not AssessmentStatus.OPEN:
            return
        with self._lock:
            self._links[link.link_hash] = link

    def clear(self) -> None:
        """Forget every link (a survey or team was changed)."""
        if self._links is None:
            return
        with self._lock:
            self._links.clear()

    def watch(self, write_sessions: sessionmaker[Session]) -> None:
        """Clear the cache whenever a transaction of ``write_sessions`` that changed a team
        or an assessment commits."""
        event.listen(write_sessions, "after_begin", _forget_changes)
        event.listen(write_sessions, "after_flush", _note_changes)
        event.listen(write_sessions, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.get(_CHANGED):
            self.clear()


def _forget_changes(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_CHANGED] = False


def _note_changes(session: Session, _context: Any) -> None:
    if any(isinstance(item, Team | Assessment) for item in chain(session.dirty, session.deleted)):
        session.info[_CHANGED] = True
