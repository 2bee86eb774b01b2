"""An organization's trend: its series of waves, each wave's published figures, what moved.

Live, a wave's figures are its live results (``results.snapshots``: stored aggregates, never
the responses); released, they are the wave's latest release as it was stored, and a wave
with no release is left out. Either way each figure is one the results already show: a
trend adds no view of any team's answers, only differences of shown figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from ..domain.questionnaire import Questionnaire
from ..domain.trend import PlannedAction, Trend, Wave, build_trend
from ..errors import NotFound
from ..models import ActionItem, Assessment, Organization, Release
from ..results.snapshots import Snapshot, keep, live_results
from ..series import series_of

#: Finds a questionnaire by id (the app's catalog), None when it is not installed.
QuestionnaireLookup = Callable[[str], Questionnaire | None]


@dataclass(frozen=True)
class WaveInfo:
    """What the page says about a wave besides its figures."""

    slug: str
    name: str
    opened: datetime
    #: The number of its latest release (None when it has none).
    latest_release: int | None
    accepting: bool
    #: Its teams' names by key.
    team_names: dict[str, str]


@dataclass(frozen=True)
class TrendData:
    """An organization's trend, with the results JSON of each wave it was made from."""

    organization: Organization
    questionnaire: Questionnaire | None
    released: bool
    trend: Trend
    info: tuple[WaveInfo, ...]
    results: tuple[dict[str, Any], ...]
    #: The newest wave's action plan (the actions that name statements are followed up).
    actions: tuple[PlannedAction, ...]
    #: Live figures computed on the way, to keep for the next time (``keep_snapshots``).
    fresh: tuple[Snapshot, ...] = ()


def opening(assessment: Assessment) -> datetime:
    """When a wave opened: its opening date, else when it was created."""
    return assessment.opens_at or assessment.created_at


def _latest_releases(
    session: Session, assessments: Sequence[Assessment], *, load: bool
) -> dict[int, Release]:
    """Each assessment's latest release that is not withdrawn (with its results JSON when ``load``)."""
    query = (
        select(Release)
        .where(Release.assessment_id.in_([a.id for a in assessments]), Release.withdrawn_at.is_(None))
        .order_by(Release.assessment_id, Release.number)
    )
    if load:
        query = query.options(undefer(Release.results))
    return {release.assessment_id: release for release in session.scalars(query)}  # the last one stays


def _wave_assessments(session: Session, organization: Organization) -> list[Assessment]:
    waves = series_of(session, organization)
    if waves:  # the teams of every wave at once, not one query per wave
        session.scalars(
            select(Assessment)
            .where(Assessment.id.in_([a.id for a in waves]))
            .options(selectinload(Assessment.teams))
        ).all()
    return waves


@dataclass(frozen=True)
class _Loaded:
    """Waves read for a trend: the assessments kept, their results JSON and their waves."""

    assessments: list[Assessment]
    results: list[dict[str, Any]]
    waves: list[Wave]
    latest: dict[int, Release]
    fresh: list[Snapshot]


def _load_waves(
    session: Session, assessments: list[Assessment], questionnaire: Questionnaire, *, released: bool
) -> _Loaded:
    """Each wave's figures: live, or its latest release (waves without one left out)."""
    latest = _latest_releases(session, assessments, load=released)
    if not released:
        results, fresh = live_results(session, [(assessment, questionnaire) for assessment in assessments])
        waves = [
            Wave.from_results(a.slug, a.name, data) for a, data in zip(assessments, results, strict=True)
        ]
        return _Loaded(assessments, results, waves, latest, fresh)
    kept = [assessment for assessment in assessments if assessment.id in latest]
    # The results JSON as stored when released (as ``releases.services.stored_results`` reads it).
    results = [json.loads(latest[assessment.id].results) for assessment in kept]
    waves = [
        Wave.from_results(a.slug, a.name, data, release=latest[a.id].number, interim=latest[a.id].interim)
        for a, data in zip(kept, results, strict=True)
    ]
    return _Loaded(kept, results, waves, latest, [])


def _info(assessment: Assessment, latest: dict[int, Release], now: datetime) -> WaveInfo:
    return WaveInfo(
        slug=assessment.slug,
        name=assessment.name,
        opened=opening(assessment),
        latest_release=latest[assessment.id].number if assessment.id in latest else None,
        accepting=assessment.is_accepting(now),
        team_names={team.key: team.name for team in assessment.teams},
    )


def load_trend(
    session: Session,
    organization: Organization,
    lookup: QuestionnaireLookup,
    *,
    released: bool,
    now: datetime,
) -> TrendData:
    """The organization's trend: live (each wave's live results) or ``released`` (each wave's
    latest release; waves without one are left out)."""
    assessments = _wave_assessments(session, organization)
    if not assessments:
        return TrendData(organization, None, released, build_trend([]), (), (), ())
    questionnaire = lookup(assessments[0].questionnaire_id)
    if questionnaire is None:
        raise NotFound(f"the questionnaire {assessments[0].questionnaire_id!r} is not installed")
    loaded = _load_waves(session, assessments, questionnaire, released=released)
    return TrendData(
        organization=organization,
        questionnaire=questionnaire,
        released=released,
        trend=build_trend(loaded.waves),
        info=tuple(_info(a, loaded.latest, now) for a in loaded.assessments),
        results=tuple(loaded.results),
        actions=_plan(session, loaded.assessments[-1]) if loaded.assessments else (),
        fresh=tuple(loaded.fresh),
    )


def history_of(
    session: Session,
    assessment: Assessment,
    questionnaire: Questionnaire,
    current: dict[str, Any],
    *,
    released: bool,
    now: datetime,
) -> TrendData | None:
    """The waves of ``assessment``'s series up to it, for its report: the earlier waves live or
    (``released``, for a report leaders read) as last released, then ``assessment`` itself with
    its ``current`` results JSON. None when it is out of the series or has no earlier wave."""
    series = series_of(session, assessment.organization, assessment.questionnaire_id)
    ids = [wave.id for wave in series]
    if not assessment.in_series or assessment.id not in ids:
        return None
    earlier = _load_waves(session, series[: ids.index(assessment.id)], questionnaire, released=released)
    if not earlier.waves:
        return None
    waves = [*earlier.waves, Wave.from_results(assessment.slug, assessment.name, current)]
    return TrendData(
        organization=assessment.organization,
        questionnaire=questionnaire,
        released=released,
        trend=build_trend(waves),
        info=(*(_info(a, earlier.latest, now) for a in earlier.assessments), _info(assessment, {}, now)),
        results=(*earlier.results, current),
        actions=_plan(session, assessment),
        fresh=tuple(earlier.fresh),
    )


def keep_snapshots(session: Session, data: TrendData) -> None:
    """Store the live figures ``load_trend`` computed (in a writing session), for the next time."""
    if data.fresh and data.questionnaire is not None:
        keep(session, data.fresh, data.questionnaire)


def _plan(session: Session, assessment: Assessment) -> tuple[PlannedAction, ...]:
    actions = session.scalars(
        select(ActionItem)
        .where(ActionItem.assessment_id == assessment.id)
        .order_by(ActionItem.position, ActionItem.id)
    )
    return tuple(PlannedAction(item.action, item.status.value, item.statement_ids) for item in actions)


def trend_json(data: TrendData) -> dict[str, Any]:
    """The trend in the documented JSON shape of ``flask trend ORG --json`` (numbers unrounded)."""
    return {
        "organization": data.organization.name,
        "questionnaire": data.questionnaire.id if data.questionnaire else None,
        "waves": [
            {
                "assessment": wave.slug,
                "name": wave.name,
                "teams": results["teams"],
                "overall": {"score": wave.overall_score, "stage": wave.overall_stage},
            }
            for wave, results in zip(data.trend.waves, data.results, strict=True)
        ],
        "changes": [
            {
                "from": change.before,
                "to": change.after,
                "teams": {
                    key: {
                        "score_change": team.score_change,
                        "p_value": team.p_value,
                        "stage_from": team.stage_from,
                        "stage_to": team.stage_to,
                    }
                    for key, team in change.teams.items()
                },
                "overall": {"score_change": change.overall_change},
            }
            for change in data.trend.changes
        ],
    }


def team_names(data: TrendData) -> dict[str, str]:
    """Each team key's name, as the newest wave that has the team calls it."""
    names: dict[str, str] = {}
    for wave in data.info:
        names.update(wave.team_names)
    return names
