"""Deleting abandoned drafts: answers saved to finish later that will never be sent.

A draft is abandoned once its survey has closed (closed by the consultant, or its
closing date passed): it can no longer be sent. A draft untouched for
``DRAFT_MAX_AGE_DAYS`` (90 by default) is abandoned too, even in a survey still open.
Keeping them would only keep answers, sealed or not, for no purpose.

``purge`` is run by ``flask --app survey_app drafts purge`` (from cron), and by the
background worker as ``purge_job`` (``drafts purge --queue`` puts it on the worker's
queue). A survey reopened later simply starts without those drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from .models import Assessment, AssessmentStatus, Draft, Team


@dataclass(frozen=True)
class Purged:
    """How many drafts were (or, on a dry run, would be) deleted, by reason."""

    of_closed_surveys: int
    too_old: int

    @property
    def total(self) -> int:
        """All drafts deleted."""
        return self.of_closed_surveys + self.too_old


def _closed_teams(now: datetime) -> select:
    """The ids of the teams whose survey is closed at ``now``."""
    closed = or_(
        Assessment.status == AssessmentStatus.CLOSED,
        Assessment.closes_at <= now,
    )
    return select(Team.id).join(Assessment, Team.assessment_id == Assessment.id).where(closed)


def purge(session: Session, now: datetime, max_age_days: int, *, dry_run: bool = False) -> Purged:
    """Delete the drafts of closed surveys and those untouched for ``max_age_days``; count them.

    With ``dry_run`` nothing is deleted. The caller commits.
    """
    of_closed = Draft.team_id.in_(_closed_teams(now))
    too_old = Draft.updated_at < now - timedelta(days=max_age_days)
    counted = Purged(
        of_closed_surveys=session.scalar(select(func.count()).select_from(Draft).where(of_closed)) or 0,
        too_old=session.scalar(select(func.count()).select_from(Draft).where(too_old, ~of_closed)) or 0,
    )
    if not dry_run and counted.total:
        session.execute(
            delete(Draft).where(or_(of_closed, too_old)).execution_options(synchronize_session=False)
        )
    return counted


def purge_job() -> int:
    """Run ``purge`` in the background worker (settings from the environment); returns the count."""
    from . import db, worker_app
    from .models import utcnow

    with worker_app() as app, db.write_session() as session:
        return purge(session, utcnow(), app.config["DRAFT_MAX_AGE_DAYS"]).total
