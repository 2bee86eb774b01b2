"""Published sets: the responses every figure is computed from, grown only in steps.

A response joins its team's *published set* only together with at least the minimum group
size of others that arrived since the set last grew. Any two views of a team's figures
therefore differ by at least that many people, so no one's answers can be found by
comparing results before and after they answered. Web responses (team link and personal
invitations) and imported ones (import, demo) are two *pools* that step separately, so
neither can make up the other's group: four made-up imported rows never carry one real
web response into the results.

Each team counts its scored responses waiting per pool (``Team.pending_web`` and
``pending_import``). Adding to that count locks the team's row until the transaction
commits, so every response counted before is committed and visible when a step is
published, and a step publishes exactly the responses it counted. Incomplete responses
are never published: they are counted, not scored.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from .models import Response, ResponseAnswer, ResponseSource, Team

#: The sources of each pool.
POOL_SOURCES = {
    pool: tuple(source for source in ResponseSource if source.pool == pool) for pool in ("web", "import")
}


def _pending_column(pool: str):  # noqa: ANN202 - a mapped column
    return Team.pending_web if pool == "web" else Team.pending_import


def record_arrivals(session: Session, arrivals: Mapping[int, int], pool: str, min_group: int) -> None:
    """Count ``arrivals`` (team id → scored responses just stored) in ``pool``, and publish
    each team's waiting responses of the pool once there are ``min_group`` of them.

    Runs in the transaction that stored the responses, after they were inserted.
    """
    column = _pending_column(pool)
    for team_id, count in sorted(arrivals.items()):  # one lock order for every writer
        if count <= 0:
            continue
        waiting = session.execute(
            update(Team).where(Team.id == team_id).values({column: column + count}).returning(column),
            execution_options={"synchronize_session": False},
        ).scalar_one()
        if waiting >= min_group:
            _publish(session, team_id, pool)


def _publish(session: Session, team_id: int, pool: str) -> None:
    """Publish the team's waiting scored responses of ``pool`` and its answers, as one step."""
    is_waiting = (
        Response.team_id == team_id,
        Response.published == false(),
        Response.total.is_not(None),
        Response.source.in_(POOL_SOURCES[pool]),
    )
    options = {"synchronize_session": False}
    session.execute(
        update(ResponseAnswer)
        .where(
            ResponseAnswer.team_id == team_id,
            ResponseAnswer.published == false(),
            ResponseAnswer.response_id.in_(select(Response.id).where(*is_waiting)),
        )
        .values(published=True),
        execution_options=options,
    )
    session.execute(
        update(Response).where(*is_waiting).values(published=True),
        execution_options=options,
    )
    column = _pending_column(pool)
    session.execute(update(Team).where(Team.id == team_id).values({column: 0}), execution_options=options)
