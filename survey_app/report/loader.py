"""The report's reads: everything ``context.compose_report`` needs, from the database, once.

Two aggregate queries give the teams' samples (``results.aggregates``), one more the shown
teams' comments, and two small ones the consultant and the action plan; the composer then
works from the values alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.questionnaire import Questionnaire
from ..domain.scoring import assess
from ..models import ActionItem, Assessment, User
from ..results.aggregates import facts_of, load_comments, load_samples, results_json
from ..results.formatting import fmt_day
from ..trend.services import history_of, team_names
from ..trend.view import TrendView, WaveFacts, build_trend_view
from .assets import IMAGE_TYPES, data_url
from .content import ReportContext
from .context import COMMENTS_PER_TEAM, PlannedAction, ReportData, compose_report


def load_report_data(
    session: Session, assessment: Assessment, q: Questionnaire, *, for_leaders: bool = False
) -> ReportData:
    """Read what the report of ``assessment`` prints.

    Its trend section shows the earlier waves of its series live, or ``for_leaders`` (a
    release) as last released to them: leaders never see a wave's unreleased figures.
    """
    samples = tuple(load_samples(session, assessment, q, distribution=True))
    result = assess(q, samples, assessment.min_group_size)
    prepared_by, logo_url = _prepared_by(session, assessment)
    return ReportData(
        trend=_trend(session, assessment, q, results_json(assessment, result), for_leaders),
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


def _trend(
    session: Session, assessment: Assessment, q: Questionnaire, current: dict[str, Any], for_leaders: bool
) -> TrendView | None:
    """The trend of the assessment's series up to it, worded; None without an earlier wave."""
    history = history_of(session, assessment, q, current, released=for_leaders, now=datetime.now(UTC))
    if history is None:
        return None
    facts = []
    for number, info in enumerate(history.info, 1):
        if number == len(history.info):
            source = "this report"
        elif for_leaders:
            source = f"release {info.latest_release}"
        else:
            source = (
                "live figures"
                if info.latest_release is None
                else f"live figures; release {info.latest_release} out"
            )
        facts.append(WaveFacts(info.name, fmt_day(info.opened.date()), source))
    return build_trend_view(history.trend, q, facts, team_names(history), history.actions)


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
