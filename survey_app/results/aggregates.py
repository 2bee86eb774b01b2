"""An assessment's results: aggregate queries in, the scoring rules applied, JSON or a table out.

Responses are never loaded one by one: the database returns how many responses
of each team have each (answered, answer sum) pair — the exact distribution of
the totals — and the frequency of each answer per statement (from the answers'
own team and published columns, without a join); ``scoring`` works from those.

Every figure comes from the teams' published sets only (see ``publishing``); the counts
of responses still waiting and of incomplete ones are live. Incomplete responses join the
published set (for their comments) but are never scored: they count as incomplete only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from ..domain.comments import display_text
from ..domain.questionnaire import Questionnaire
from ..domain.scoring import AssessmentResult, TeamResult, TeamSample, assess, exact_total, sample_from_totals
from ..models import Assessment, Response, ResponseAnswer
from .view_model import AssessmentFacts, TeamComments, TeamFacts


def facts_of(assessment: Assessment, now: datetime | None = None) -> AssessmentFacts:
    """The details of ``assessment`` the results view prints; ``now`` decides whether it is open."""
    return AssessmentFacts(
        organization=assessment.organization.name,
        organization_slug=assessment.organization.slug,
        name=assessment.name,
        slug=assessment.slug,
        min_group=assessment.min_group_size,
        accepting=assessment.is_accepting(now or datetime.now(UTC)),
        teams=tuple(
            TeamFacts(
                key=team.key,
                name=team.name,
                headcount=team.headcount,
                pending_web=team.pending_web or 0,  # None on a team not stored yet
                pending_import=team.pending_import or 0,
            )
            for team in assessment.teams
        ),
    )


def load_samples(
    session: Session, assessment: Assessment, q: Questionnaire, *, distribution: bool = False
) -> list[TeamSample]:
    """Each team's sufficient statistics of its published set, and its live counts of what is
    not published, from two aggregate queries, in team order.

    The scores and tests need only the count, sum and sum of squares of each team's
    totals; ``distribution`` also loads how many responses have each total (the
    report's bootstrap resamples it), a GROUP BY with a few hundred rows instead of five.
    """
    team_ids = {team.id: team.key for team in assessment.teams}
    counts = _answer_counts(session, team_ids, q)
    if distribution:
        waiting, totals = _total_groups(session, team_ids, q)
        return [
            sample_from_totals(
                team.key,
                waiting.incomplete[team.id],
                totals[team.id],
                counts[team.id],
                pending=waiting.pending[team.id],
            )
            for team in assessment.teams
        ]
    waiting, sums = _total_sums(session, team_ids, q)
    samples = []
    for team in assessment.teams:
        scored, total_sum, total_sumsq = sums[team.id]
        samples.append(
            TeamSample(
                key=team.key,
                scored=scored,
                incomplete=waiting.incomplete[team.id],
                total_sum=total_sum,
                total_sumsq=total_sumsq,
                item_counts=counts[team.id],
                pending=waiting.pending[team.id],
            )
        )
    return samples


class _Waiting:
    """Per team, the live counts of what is not in the results: incomplete responses, and
    scored ones waiting for their step."""

    def __init__(self, team_ids: Collection[int]) -> None:
        self.incomplete: dict[int, int] = dict.fromkeys(team_ids, 0)
        self.pending: dict[int, int] = dict.fromkeys(team_ids, 0)

    def add(self, team_id: int, scored: bool, count: int) -> None:
        (self.pending if scored else self.incomplete)[team_id] += count


def _total_sums(
    session: Session, team_ids: Collection[int], q: Questionnaire
) -> tuple[_Waiting, dict[int, tuple[int, Fraction, Fraction]]]:
    """Per team: the live waiting counts, and the count, sum and sum of squares of the
    published responses' totals, exactly.

    A total is n_items × answer_sum / answered, so per number of statements answered
    (a handful of values) the database's integer sums of answer_sum and answer_sum²
    give the exact sums of the totals and of their squares.
    """
    n = len(q.item_ids)
    waiting = _Waiting(team_ids)
    parts: dict[int, list[tuple[int, int, int, int]]] = {team_id: [] for team_id in team_ids}
    rows = session.execute(
        select(
            Response.team_id,
            Response.published,
            Response.answered,
            Response.total.is_not(None),
            func.count(),
            func.sum(Response.answer_sum),
            func.sum(Response.answer_sum * Response.answer_sum),
        )
        .where(Response.team_id.in_(team_ids))
        .group_by(Response.team_id, Response.published, Response.answered, Response.total.is_not(None))
    ).all()
    for team_id, published, answered, scored, count, answer_sum, answer_sumsq in rows:
        if published and scored:
            parts[team_id].append((answered, count, int(answer_sum), int(answer_sumsq)))
        else:
            waiting.add(team_id, scored, count)
    sums = {}
    for team_id, groups in parts.items():
        scored = sum(count for _, count, _, _ in groups)
        total_sum = sum((Fraction(n * s, a) for a, _, s, _ in groups), Fraction(0))
        total_sumsq = sum((Fraction(n * n * sq, a * a) for a, _, _, sq in groups), Fraction(0))
        sums[team_id] = (scored, total_sum, total_sumsq)
    return waiting, sums


def _total_groups(
    session: Session, team_ids: Collection[int], q: Questionnaire
) -> tuple[_Waiting, dict[int, Counter[Fraction]]]:
    """Per team: the live waiting counts, and how many published responses have each total.

    A total is n_items × answer_sum / answered: counting responses per (answered,
    answer_sum) gives the exact distribution of the totals in a few hundred rows.
    """
    waiting = _Waiting(team_ids)
    totals: dict[int, Counter[Fraction]] = {team_id: Counter() for team_id in team_ids}
    groups = session.execute(
        select(
            Response.team_id,
            Response.published,
            Response.answered,
            Response.answer_sum,
            Response.total.is_not(None),
            func.count(),
        )
        .where(Response.team_id.in_(team_ids))
        .group_by(
            Response.team_id,
            Response.published,
            Response.answered,
            Response.answer_sum,
            Response.total.is_not(None),
        )
    ).all()  # a few hundred rows: one fetchall costs less than fetching them one by one
    for team_id, published, answered, answer_sum, scored, count in groups:
        if published and scored:
            totals[team_id][exact_total(q, answered, answer_sum)] += count
        else:
            waiting.add(team_id, scored, count)
    return waiting, totals


def _answer_counts(
    session: Session, team_ids: Collection[int], q: Questionnaire
) -> dict[int, dict[str, list[int]]]:
    """Per team and statement, how many published responses gave each scale value.

    Every answer carries its response's team and whether it is published, so this is one
    scan of the (team, published, statement, value) index, without reading ``response``.
    """
    width = len(q.scale.values)
    counts = {team_id: {item_id: [0] * width for item_id in q.item_ids} for team_id in team_ids}
    rows = session.execute(
        select(ResponseAnswer.team_id, ResponseAnswer.item_id, ResponseAnswer.value, func.count())
        .where(
            ResponseAnswer.team_id.in_(team_ids),
            ResponseAnswer.published == true(),  # "= 1" / "= true": an index condition, unlike IS
            ResponseAnswer.value.is_not(None),
        )
        .group_by(ResponseAnswer.team_id, ResponseAnswer.item_id, ResponseAnswer.value)
    ).all()
    _tally(counts, rows, q)
    return counts


def _tally(
    counts: dict[int, dict[str, list[int]]], rows: Iterable[tuple[int, str, int, int]], q: Questionnaire
) -> None:
    """Add grouped (team, statement, value, count) rows.

    Answers to statements or values the questionnaire no longer has are left out.
    """
    values, lowest = set(q.scale.values), q.scale.min
    for team_id, item_id, value, count in rows:
        if item_id in counts[team_id] and value in values:
            counts[team_id][item_id][value - lowest] += count


def compute_results(session: Session, assessment: Assessment, q: Questionnaire) -> AssessmentResult:
    """Score ``assessment`` under its anonymity threshold."""
    return assess(q, load_samples(session, assessment, q), assessment.min_group_size)


def _team_json(team: TeamResult, pending_by_source: dict[str, int]) -> dict[str, Any]:
    counts = {
        "responses": team.responses,
        "pending": team.pending,
        "pending_by_source": pending_by_source,
        "incomplete": team.incomplete,
    }
    if team.withheld:
        return {**counts, "withheld": True}
    return {
        **counts,
        "withheld": False,
        "score": team.score,
        "ci95": list(team.ci95) if team.ci95 else None,
        "sd": team.sd,
        "stage": team.stage,
        "dimensions": dict(team.dimensions),
        "items": dict(team.items),
        "withheld_items": list(team.withheld_items),
    }


def results_json(assessment: Assessment, result: AssessmentResult) -> dict[str, Any]:
    """The results in the documented JSON shape (numbers unrounded)."""
    gap = result.gap
    waiting = {
        team.key: {"web": team.pending_web or 0, "import": team.pending_import or 0}
        for team in assessment.teams
    }
    return {
        "assessment": assessment.slug,
        "organization": assessment.organization.name,
        "questionnaire": assessment.questionnaire_id,
        "teams": {key: _team_json(team, waiting.get(key, {})) for key, team in result.teams.items()},
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


# --- comments ------------------------------------------------------------------------------


def _alphabetical(text: str) -> tuple[str, str]:
    return text.casefold(), text


def load_comments(
    session: Session, assessment: Assessment, team_keys: Sequence[str], limit: int | None = None
) -> dict[str, TeamComments]:
    """The published comments of the given teams only: every one, or up to ``limit`` different ones.

    The ``limit`` listed are chosen by their text (see ``survey_app.domain.comments``) from the
    index of comment ranks: the database reads the first ranks and one copy of each (the
    lowest response id, which is random), never every comment.
    """
    team_ids = {team.id: team.key for team in assessment.teams if team.key in team_keys}
    if not team_ids:  # no team shown: nothing to read
        return {}
    if limit is None:
        return _every_comment(session, team_ids)
    totals = dict(
        session.execute(
            select(Response.team_id, func.count())
            .where(
                Response.team_id.in_(team_ids),
                Response.published == true(),
                Response.comment_rank.is_not(None),
            )
            .group_by(Response.team_id)
        ).all()
    )
    found = {}
    for team_id, key in team_ids.items():
        first_copies = (
            select(func.min(Response.id))
            .where(
                Response.team_id == team_id, Response.published == true(), Response.comment_rank.is_not(None)
            )
            .group_by(Response.comment_rank)
            .order_by(Response.comment_rank)
            .limit(limit)
        )
        texts = session.scalars(select(Response.comment).where(Response.id.in_(first_copies)))
        listed = sorted((display_text(text) for text in texts), key=_alphabetical)
        found[key] = TeamComments(tuple(listed), totals.get(team_id, 0))
    return found


def _every_comment(session: Session, team_ids: Mapping[int, str]) -> dict[str, TeamComments]:
    found: dict[str, list[str]] = {key: [] for key in team_ids.values()}
    rows = session.execute(
        select(Response.team_id, Response.comment).where(
            Response.team_id.in_(team_ids), Response.published == true(), Response.comment_rank.is_not(None)
        )
    )
    for team_id, comment in rows:
        found[team_ids[team_id]].append(comment.strip())
    return {
        key: TeamComments(tuple(sorted(texts, key=_alphabetical)), len(texts)) for key, texts in found.items()
    }
