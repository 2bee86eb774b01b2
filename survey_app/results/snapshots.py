"""Live results read from a stored snapshot of the published figures while those are unchanged.

Counting every answer of an assessment takes tens of milliseconds per 10,000 responses; a
trend reads many waves at once. Every figure comes from the teams' published sets, which
change only when a step is published or an import is undone, and each such change counts up
the team's ``published_version``. So an assessment's figures are stored once computed (a
``ResultsSnapshot``) under a key made of those versions, the teams, the minimum group size,
the questionnaire and the scoring code, and read back while the key is the same.

The counts that are not figures — responses waiting for their step, incomplete ones —
change with every arrival; they are read fresh (one small query for many assessments).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.questionnaire import Questionnaire
from ..models import Assessment, Response, ResultsSnapshot
from .aggregates import compute_results, results_json

#: The code whose change changes the figures: a deploy of new scoring rules computes them again.
SCORING_CODE = ("domain/scoring.py", "domain/questionnaire.py", "results/aggregates.py")


@functools.cache
def _code_version() -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in SCORING_CODE:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """Figures computed for an assessment in the state ``key``, to be stored (``keep``)."""

    assessment_id: int
    key: str
    figures: dict[str, Any]


def state_key(questionnaire: Questionnaire, min_group: int, teams: Sequence[tuple[int, str, int]]) -> str:
    """The key of an assessment's published figures: its teams (id, key, published version) in
    order, its minimum group size, the questionnaire and the scoring code."""
    state = [_code_version(), repr(questionnaire), min_group, [list(team) for team in teams]]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def _key_of(assessment: Assessment, questionnaire: Questionnaire) -> str:
    teams = [(team.id, team.key, team.published_version) for team in assessment.teams]
    return state_key(questionnaire, assessment.min_group_size, teams)


def _figures(
    session: Session, assessment: Assessment, questionnaire: Questionnaire
) -> tuple[dict[str, Any], Snapshot | None]:
    """The published figures (results JSON's teams, overall and gap): stored ones while current,
    else computed, with the snapshot to store."""
    key = _key_of(assessment, questionnaire)
    stored = session.get(ResultsSnapshot, assessment.id)
    if stored is not None and stored.state_key == key:
        return json.loads(stored.figures), None
    full = results_json(assessment, compute_results(session, assessment, questionnaire))
    figures = {"teams": full["teams"], "overall": full["overall"], "gap": full["gap"]}
    return figures, Snapshot(assessment.id, key, figures)


def keep(session: Session, snapshots: Sequence[Snapshot], questionnaire: Questionnaire) -> None:
    """Store ``snapshots`` (in a writing session) whose assessments are still in their state.

    Published versions only grow, so a key read again unchanged means nothing was published
    while the figures were computed: they are the figures of that state.
    """
    for snapshot in snapshots:
        assessment = session.get(Assessment, snapshot.assessment_id)
        if assessment is None or _key_of(assessment, questionnaire) != snapshot.key:
            continue
        session.execute(
            delete(ResultsSnapshot).where(ResultsSnapshot.assessment_id == snapshot.assessment_id)
        )
        try:
            with session.begin_nested():
                session.add(
                    ResultsSnapshot(
                        assessment_id=snapshot.assessment_id,
                        state_key=snapshot.key,
                        figures=json.dumps(snapshot.figures, allow_nan=False),
                    )
                )
        except IntegrityError:
            pass  # another request stored the same figures at the same moment


def _incomplete(session: Session, assessments: Sequence[Assessment]) -> dict[int, int]:
    """How many incomplete responses each team of ``assessments`` has, published or not."""
    team_ids = [team.id for assessment in assessments for team in assessment.teams]
    if not team_ids:
        return {}
    rows = session.execute(
        select(Response.team_id, func.count())
        .where(Response.team_id.in_(team_ids), Response.total.is_(None))
        .group_by(Response.team_id)
    )
    return {team_id: count for team_id, count in rows}


def live_results(
    session: Session, assessments: Sequence[tuple[Assessment, Questionnaire]]
) -> tuple[list[dict[str, Any]], list[Snapshot]]:
    """Each assessment's live results in the shape of ``results SLUG --json``, the same as
    ``results_json(compute_results(...))`` gives, from snapshots where they are current; and
    the snapshots computed on the way, for ``keep``.
    """
    incomplete = _incomplete(session, [assessment for assessment, _ in assessments])
    found, fresh = [], []
    for assessment, questionnaire in assessments:
        figures, snapshot = _figures(session, assessment, questionnaire)
        if snapshot is not None:
            fresh.append(snapshot)
        teams = {}
        for team in assessment.teams:
            waiting = {"web": team.pending_web, "import": team.pending_import}
            counts = {
                "pending": sum(waiting.values()),
                "pending_by_source": waiting,
                "incomplete": incomplete.get(team.id, 0),
            }
            teams[team.key] = {**figures["teams"][team.key], **counts}
        found.append(
            {
                "assessment": assessment.slug,
                "organization": assessment.organization.name,
                "questionnaire": assessment.questionnaire_id,
                "teams": teams,
                "overall": figures["overall"],
                "gap": figures["gap"],
            }
        )
    return found, fresh
