"""Storing responses: each is scored once, when it arrives, and kept with its answers.

Stored responses wait to be published (see ``publishing``): the results count them at once
but use their answers only once enough others have arrived.

``import_responses`` stores a CSV file of them as one import batch (``batches``), for the
workspace page and the command line alike.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .batches import finish_batch, start_batch
from .domain.comments import comment_rank
from .domain.importing import parse_responses_csv
from .domain.questionnaire import Questionnaire
from .domain.scoring import score_response
from .errors import FieldInvalid, InvalidInput
from .models import Assessment, Response, ResponseAnswer, ResponseSource
from .publishing import record_arrivals

#: Largest responses file accepted for import.
MAX_IMPORT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class NewResponse:
    """A response to store: its team's key, answers (None = "don't know"/blank), extras."""

    team: str
    answers: Mapping[str, int | None]
    unit: str | None = None
    comment: str | None = None
    #: Statements answered "don't know" (stored, unlike blanks, but never scored).
    dont_know: frozenset[str] = frozenset()
    #: Hash of the web form's submission token, which makes a resent form a duplicate.
    submission: str | None = None


def answers_digest(answers: Mapping[str, int | str | None]) -> str:
    """A short hash of an answer set (statement → value, or "dk"), the same for the same answers
    whatever their order: the monitor counts identical answer sets by it."""
    given = sorted((item_id, "dk" if value is None else str(value)) for item_id, value in answers.items())
    text = ";".join(f"{item_id}={value}" for item_id, value in given)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class StoredCounts:
    """How many responses were stored per team, and how many of them are incomplete."""

    stored: Mapping[str, int]
    incomplete: Mapping[str, int]
    #: The import batch's number, for an imported file.
    batch: int | None = None


def add_responses(
    session: Session,
    assessment: Assessment,
    questionnaire: Questionnaire,
    responses: Iterable[NewResponse],
    source: ResponseSource,
    *,
    batch_id: int | None = None,
) -> StoredCounts:
    """Score and store responses for ``assessment``'s teams, in bulk; the caller commits.

    ``batch_id`` names the import batch the responses belong to.
    """
    return store_responses(
        session,
        {team.key: team.id for team in assessment.teams},
        assessment.slug,
        questionnaire,
        responses,
        source,
        assessment.min_group_size,
        batch_id=batch_id,
    )


def store_responses(
    session: Session,
    teams: Mapping[str, int],
    slug: str,
    questionnaire: Questionnaire,
    responses: Iterable[NewResponse],
    source: ResponseSource,
    min_group: int,
    *,
    batch_id: int | None = None,
) -> StoredCounts:
    """``add_responses`` given the ids of the assessment's teams by key (``slug`` names it in errors)
    and its minimum group size."""
    stored: Counter[str] = Counter()
    incomplete: Counter[str] = Counter()
    response_rows, answer_lists = [], []
    for new in responses:
        if new.team not in teams:
            raise InvalidInput(f"assessment {slug!r} has no team {new.team!r}")
        result = score_response(questionnaire, new.answers)
        given = [(item_id, value) for item_id, value in new.answers.items() if value is not None]
        answers = given + [(item_id, None) for item_id in sorted(new.dont_know)]
        response_rows.append(
            {
                "team_id": teams[new.team],
                "source": source,
                "unit": new.unit,
                "comment": new.comment,
                "comment_rank": comment_rank(new.comment),
                "answered": result.answered,
                "answer_sum": result.answer_sum,
                "total": result.total,
                "submission_hash": new.submission,
                "answers_digest": answers_digest(dict(answers)),
                "batch_id": batch_id,
            }
        )
        answer_lists.append(answers)
        stored[new.team] += 1
        incomplete[new.team] += not result.is_scored
    if response_rows:
        ids = session.scalars(
            insert(Response).returning(Response.id, sort_by_parameter_order=True), response_rows
        ).all()
        answer_rows = [
            {
                "response_id": response_id,
                "team_id": row["team_id"],
                "published": False,
                "item_id": item_id,
                "value": value,
            }
            for response_id, row, answers in zip(ids, response_rows, answer_lists, strict=True)
            for item_id, value in answers
            if item_id in questionnaire.item_ids
        ]
        if answer_rows:
            session.execute(insert(ResponseAnswer), answer_rows)
        scored = {teams[key]: stored[key] - incomplete[key] for key in stored}
        record_arrivals(session, scored, source.pool, min_group)
    return StoredCounts(
        stored={key: stored[key] for key in teams}, incomplete={key: incomplete[key] for key in teams}
    )


def import_responses(
    session: Session,
    assessment: Assessment,
    questionnaire: Questionnaire,
    data: bytes,
    *,
    file_name: str = "",
    imported_by_id: int | None = None,
    allow_duplicate: bool = False,
) -> StoredCounts:
    """Check a responses CSV file whole, then store all of its rows as the assessment's next import
    batch (its number in ``StoredCounts.batch``); the caller commits.

    Nothing is stored when the file is refused: ``FieldInvalid`` (field ``csv_file``) when it is
    larger than ``MAX_IMPORT_BYTES``, ``ImportRejected`` listing the problems when any row is wrong,
    ``batches.DuplicateImport`` naming the earlier batch when the same content was imported
    before (and not undone), unless ``allow_duplicate``.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise FieldInvalid(
            "csv_file",
            f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB."
            " Split it into smaller files and import each.",
        )
    rows = parse_responses_csv(data, questionnaire, {team.key: team.name for team in assessment.teams})
    batch = start_batch(
        session,
        assessment,
        data,
        file_name=file_name,
        imported_by_id=imported_by_id,
        allow_duplicate=allow_duplicate,
    )
    counts = add_responses(
        session,
        assessment,
        questionnaire,
        (NewResponse(row.team, row.answers, row.unit, row.comment) for row in rows),
        ResponseSource.IMPORT,
        batch_id=batch.id,
    )
    finish_batch(batch, counts.stored)
    return StoredCounts(stored=counts.stored, incomplete=counts.incomplete, batch=batch.number)
