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
(too few answers to be scored) never count towards a step and are never scored; they join
the published set with the next step of their pool, so that their comments are shown
among at least the minimum group size of others, never on their own. Their answers stay
unpublished, so no figure uses them.

Every respondent's send runs ``record_arrivals``, so its statements are built once, as
Core statements run on the session's connection: the ORM's handling of an UPDATE (its
bulk-update context, synchronizing the session) would cost more than the query itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Update, bindparam, false, update
from sqlalchemy.orm import Session

from .models import Response, ResponseAnswer, ResponseSource, Team

#: The sources of each pool.
POOL_SOURCES = {
    pool: tuple(source for source in ResponseSource if source.pool == pool) for pool in ("web", "import")
}

_team = Team.__table__
_response = Response.__table__
_answer = ResponseAnswer.__table__


def _statements(pool: str) -> tuple[Update, Update, Update, Update]:
    """The pool's statements: count arrivals (returning the new count), publish the waiting
    responses (returning their ids and totals, NULL when incomplete), publish the scored
    ones' answers, reset the count (and count the change of the published set).

    The answers are updated one response at a time by the primary key's first column (an
    executemany). Both other ways grow with every step on PostgreSQL: a range of unpublished
    answers keeps the index entries of every answer published since the last vacuum, and an
    ``IN`` list of ids, once the driver prepares the statement, gets a generic plan that
    scans the whole table.
    """
    waiting_column = _team.c[f"pending_{pool}"]
    team_id = bindparam("team")
    is_waiting = (
        _response.c.team_id == team_id,
        _response.c.published == false(),
        _response.c.source.in_(list(POOL_SOURCES[pool])),
    )
    count = (
        update(_team)
        .where(_team.c.id == team_id)
        .values({waiting_column: waiting_column + bindparam("added")})
        .returning(waiting_column)
    )
    responses = (
        update(_response)
        .where(*is_waiting)
        .values(published=True)
        # The total itself, not "total IS NOT NULL": SQLite 3.40 returns true for that on every row.
        .returning(_response.c.id, _response.c.total)
    )
    answers = update(_answer).where(_answer.c.response_id == bindparam("response")).values(published=True)
    reset = (
        update(_team)
        .where(_team.c.id == team_id)
        .values({waiting_column: 0, _team.c.published_version: _team.c.published_version + 1})
    )
    return count, responses, answers, reset


_STATEMENTS = {pool: _statements(pool) for pool in POOL_SOURCES}


def record_arrivals(session: Session, arrivals: Mapping[int, int], pool: str, min_group: int) -> None:
    """Count ``arrivals`` (team id → scored responses just stored) in ``pool``, and publish
    each team's waiting responses of the pool once there are ``min_group`` of them.

    Runs in the transaction that stored the responses, after they were inserted.
    """
    count, responses, answers, reset = _STATEMENTS[pool]
    connection = session.connection()
    for team_id, added in sorted(arrivals.items()):  # one lock order for every writer
        if added <= 0:
            continue
        waiting = connection.execute(count, {"team": team_id, "added": added}).scalar_one()
        if waiting >= min_group:
            published = connection.execute(responses, {"team": team_id}).all()
            scored = [{"response": response_id} for response_id, total in published if total is not None]
            connection.execute(answers, scored)
            connection.execute(reset, {"team": team_id})
