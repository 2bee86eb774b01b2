"""The report's reads: everything ``context.compose_report`` needs, from the database, once.

Two aggregate queries give the teams' samples (``results.aggregates``), one more the shown
teams' comments, and two small ones the consultant and the action plan; the composer then
works from the values alone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.questionnaire import Questionnaire
from ..domain.scoring import assess
from ..models import ActionItem, Assessment, User
from ..results.aggregates import facts_of, load_comments, load_samples
from .assets import IMAGE_TYPES, data_url
from .content import ReportContext
from .context import COMMENTS_PER_TEAM, PlannedAction, ReportData, compose_report


def load_report_data(session: Session, assessment: Assessment, q: Questionnaire) -> ReportData:
    """Read what the report of ``assessment`` prints."""
    samples = tuple(load_samples(session, assessment, q, distribution=True))
    result = assess(q, samples, assessment.min_group_size)
    prepared_by, logo_url = _prepared_by(session, assessment)
    return ReportData(
        facts=facts_of(assessment),
        samples=samples,
        result=result,
        comments=load_comments(session, assessment, list(result.overall.teams), COMMENTS_PER_TEAM),
        purpose=assessment.purpose or "",
        commentary=assessment.commentary or "",
        actions=_actions(session, assessment),
        prepared_by=prepared_by,
        logo_url=logo_url,
    )


def build_report_context(
    session: Session,
    assessment: Assessment,
    q: Questionnaire,
    *,
    paper: str = "a4",
    today: date | None = None,
) -> ReportContext:
    """Read, compute and word everything the report of ``assessment`` prints."""
    return compose_report(q, load_report_data(session, assessment, q), paper=paper, today=today)


def _prepared_by(session: Session, assessment: Assessment) -> tuple[str, str | None]:
    """The consultant's name (or e-mail) and their logo as a data: URL, if any."""
    if assessment.created_by_id is None:
        return "", None
    row = session.execute(
        select(User.name, User.email, User.logo, User.logo_type).where(User.id == assessment.created_by_id)
    ).one_or_none()
    if row is None:
        return "", None
    name, email, logo, logo_type = row
    logo_url = data_url(logo, logo_type) if logo and logo_type in IMAGE_TYPES else None
    return (name or "").strip() or email, logo_url


def _actions(session: Session, assessment: Assessment) -> tuple[PlannedAction, ...]:
    rows = session.scalars(
        select(ActionItem)
        .where(ActionItem.assessment_id == assessment.id)
        .order_by(ActionItem.position, ActionItem.id)
    )
    return tuple(PlannedAction(row.action, row.owner, row.due_on, row.status.value) for row in rows)
