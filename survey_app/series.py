"""An organization's series of waves: its assessments on one questionnaire, in order of opening."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Assessment, Organization


def series_of(
    session: Session, organization: Organization, questionnaire_id: str | None = None
) -> list[Assessment]:
    """The organization's assessments in the series on ``questionnaire_id`` (default: the
    questionnaire of the newest one in the series), oldest opening first."""
    opened = func.coalesce(Assessment.opens_at, Assessment.created_at)
    in_series = select(Assessment).where(
        Assessment.organization_id == organization.id, Assessment.in_series.is_(True)
    )
    if questionnaire_id is None:
        newest = session.scalars(in_series.order_by(opened.desc(), Assessment.id.desc()).limit(1)).first()
        if newest is None:
            return []
        questionnaire_id = newest.questionnaire_id
    query = in_series.where(Assessment.questionnaire_id == questionnaire_id).order_by(opened, Assessment.id)
    return list(session.scalars(query))


def wave_number(session: Session, assessment: Assessment) -> tuple[int, int] | None:
    """Which wave of its series ``assessment`` is and how many there are, as (number, count);
    None when it is out of the series."""
    if not assessment.in_series:
        return None
    waves = [wave.id for wave in series_of(session, assessment.organization, assessment.questionnaire_id)]
    return waves.index(assessment.id) + 1, len(waves)


def set_in_series(assessment: Assessment, in_series: bool) -> None:
    """Put the assessment in its organization's series, or take it out (left out of the trend)."""
    assessment.in_series = in_series
