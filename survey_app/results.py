"""An assessment's results: aggregate queries in, the scoring rules applied, JSON or a table out.

Responses are never loaded one by one: the database returns, per team and number
of answered statements, counts and integer sums (and sums of squares) of the
answer sums, and the frequency of each answer per statement; ``scoring`` works
from those.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Assessment, Response, ResponseAnswer
from .questionnaire import Questionnaire
from .scoring import AssessmentResult, TeamResult, TeamSample, assess


def load_samples(session: Session, assessment: Assessment, q: Questionnaire) -> list[TeamSample]:
    """Each team's sufficient statistics, from two aggregate queries, in team order."""
    team_ids = {team.id: team.key for team in assessment.teams}
    # Totals are n_items × answer_sum / answered: integer sums per (team, answered)
    # give their sum and sum of squares exactly.
    incomplete: dict[int, int] = dict.fromkeys(team_ids, 0)
    scored: dict[int, int] = dict.fromkeys(team_ids, 0)
    total_sum: dict[int, Fraction] = {team_id: Fraction(0) for team_id in team_ids}
    total_sumsq: dict[int, Fraction] = {team_id: Fraction(0) for team_id in team_ids}
    groups = session.execute(
        select(
            Response.team_id,
            Response.answered,
            Response.total.is_not(None).label("is_scored"),
            func.count(),
            func.sum(Response.answer_sum),
            func.sum(Response.answer_sum * Response.answer_sum),
        )
        .where(Response.team_id.in_(team_ids))
        .group_by(Response.team_id, Response.answered, Response.total.is_not(None))
    )
    n_items = len(q.item_ids)
    for team_id, answered, is_scored, count, sum_s, sum_s2 in groups:
        if not is_scored:
            incomplete[team_id] += count
            continue
        scored[team_id] += count
        total_sum[team_id] += Fraction(n_items * int(sum_s), answered)
        total_sumsq[team_id] += Fraction(n_items * n_items * int(sum_s2), answered * answered)
    width = len(q.scale.values)
    counts: dict[int, dict[str, list[int]]] = {
        team_id: {item_id: [0] * width for item_id in q.item_ids} for team_id in team_ids
    }
    frequency = session.execute(
        select(ResponseAnswer.item_id, ResponseAnswer.value, Response.team_id, func.count())
        .join(Response, Response.id == ResponseAnswer.response_id)
        .where(
            Response.team_id.in_(team_ids),
            Response.total.is_not(None),
            ResponseAnswer.value.is_not(None),
        )
        .group_by(Response.team_id, ResponseAnswer.item_id, ResponseAnswer.value)
    )
    for item_id, value, team_id, count in frequency:
        if item_id in counts[team_id] and value in q.scale.values:
            counts[team_id][item_id][value - q.scale.min] = count
    return [
        TeamSample(
            key=team.key,
            scored=scored[team.id],
            incomplete=incomplete[team.id],
            total_sum=total_sum[team.id],
            total_sumsq=total_sumsq[team.id],
            item_counts=counts[team.id],
        )
        for team in assessment.teams
    ]


def compute_results(session: Session, assessment: Assessment, q: Questionnaire) -> AssessmentResult:
    """Score ``assessment`` under its anonymity threshold."""
    return assess(q, load_samples(session, assessment, q), assessment.min_group_size)


def _team_json(team: TeamResult) -> dict[str, Any]:
    if team.withheld:
        return {"responses": team.responses, "incomplete": team.incomplete, "withheld": True}
    return {
        "responses": team.responses,
        "incomplete": team.incomplete,
        "withheld": False,
        "score": team.score,
        "ci95": list(team.ci95) if team.ci95 else None,
        "sd": team.sd,
        "stage": team.stage,
        "dimensions": dict(team.dimensions),
        "items": dict(team.items),
    }


def results_json(assessment: Assessment, result: AssessmentResult) -> dict[str, Any]:
    """The results in the documented JSON shape (numbers unrounded)."""
    gap = result.gap
    return {
        "assessment": assessment.slug,
        "organization": assessment.organization.name,
        "questionnaire": assessment.questionnaire_id,
        "teams": {key: _team_json(team) for key, team in result.teams.items()},
        "overall": {
            "score": result.overall.score,
            "stage": result.overall.stage,
            "teams": list(result.overall.teams),
        },
        "gap": None
        if gap is None
        else {
            "score": gap.score,
            "p_value": gap.p_value,
            "items": {item_id: {"gap": item.gap, "p_adj": item.p_adj} for item_id, item in gap.items.items()},
        },
    }
