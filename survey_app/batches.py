"""Import batches: every imported file is one batch, listed in the import history, refused when
the same content comes again, and undone (its responses deleted) until it is in a release.

``responses.import_responses`` opens a batch with ``start_batch`` and closes it with
``finish_batch``; ``releases.services.store`` calls ``mark_released``; the workspace's import
page and ``flask responses undo`` call ``undo_batch``. Every function takes a session and
never commits: the caller commits, so an undo is done whole or not at all.

**Undoing and anonymity.** Every figure is computed from the teams' published sets, which grow
only in steps of at least the minimum group size per pool (see ``publishing``), so any two
views of a team's figures differ by at least that many people. Deleting a batch must keep
that. Per team, let *k* be the batch's scored responses in the published set:

- *k* = 0: nothing published changes; the batch's waiting responses are deleted.
- *k* ≥ min group: its responses are simply deleted; the figures change by *k* people.
- 0 < *k* < min group: deleting them alone would change the figures by *k* people. So
  min group − *k* other published, scored responses of the team's import pool (those with
  the lowest random ids, which says nothing about who they are) go back to waiting: they and
  their answers are unpublished and counted in ``Team.pending_import``, and rejoin the results
  with the pool's next step. The figures change by exactly min group people.

In both last cases, if the import pool's published set of the team would be left with fewer
than min group scored responses (but some), those go back to waiting too, so that a later undo
always finds enough others to return. The batch's waiting responses are deleted and
``pending_import`` goes down by its waiting scored ones. The web pool is never touched. Team
rows are locked (as ``publishing`` locks them, in id order) so that an undo and a concurrent
arrival never race; the assessment's row is locked first, as ``releases.services.store``
locks it, so an undo and a release never cross.

A batch is ``released`` once a release was stored while any of its responses were published:
leaders may have read them, so from then on it can no longer be undone.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, exists, false, func, or_, select, true, update
from sqlalchemy.orm import Session, selectinload

from .errors import FieldInvalid, InvalidInput, NotFound
from .models import Assessment, ImportBatch, Response, ResponseAnswer, Team, User
from .publishing import POOL_SOURCES

#: Longest file name kept (the column's size).
MAX_FILE_NAME = 255


class DuplicateImport(FieldInvalid):
    """The file's content was already imported into the assessment (``number`` is that batch)."""

    def __init__(self, reason: str, number: int) -> None:
        super().__init__("csv_file", reason)
        self.number = number


def content_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex: what makes two files the same content."""
    return hashlib.sha256(data).hexdigest()


def clean_file_name(name: str | None) -> str:
    """The file's own name as kept: no folders, no control characters, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[:MAX_FILE_NAME]


def _day(moment: datetime) -> str:
    """A stored moment's day (UTC) in words: "6 December 2026"."""
    day = moment.astimezone(UTC).date()
    return f"{day.day} {day:%B %Y}"


def _who(user: User | None) -> str:
    return (user.name or user.email) if user is not None else "the command line"


def describe(batch: ImportBatch) -> str:
    """ "batch 2 (people.csv, 6 December 2026, by Ann)": a batch as messages name it."""
    name = f"{batch.file_name}, " if batch.file_name else ""
    return f"batch {batch.number} ({name}{_day(batch.imported_at)}, by {_who(batch.imported_by)})"


def _lock_assessment(session: Session, assessment_id: int) -> None:
    """Lock the assessment's row (PostgreSQL; SQLite writes one at a time) until the commit."""
    session.execute(select(Assessment.id).where(Assessment.id == assessment_id).with_for_update())


def duplicate_of(session: Session, assessment_id: int, sha256: str) -> ImportBatch | None:
    """The newest batch of the assessment, not undone, that imported content with this hash."""
    return session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.assessment_id == assessment_id,
            ImportBatch.sha256 == sha256,
            ImportBatch.undone_at.is_(None),
        )
        .order_by(ImportBatch.number.desc())
        .limit(1)
    )


def start_batch(
    session: Session,
    assessment: Assessment,
    data: bytes,
    *,
    file_name: str = "",
    imported_by_id: int | None = None,
    allow_duplicate: bool = False,
    now: datetime | None = None,
) -> ImportBatch:
    """The next batch (1, 2, …) of ``assessment`` for the file ``data``, stored and flushed.

    Raises ``DuplicateImport`` when the same content was imported before and that batch is not
    undone, unless ``allow_duplicate``. The assessment's row stays locked until the commit, so
    two imports of one file at once cannot both pass the check.
    """
    _lock_assessment(session, assessment.id)
    sha256 = content_hash(data)
    if not allow_duplicate:
        earlier = duplicate_of(session, assessment.id, sha256)
        if earlier is not None:
            raise DuplicateImport(
                f"This file was already imported as {describe(earlier)}. Nothing was imported.",
                earlier.number,
            )
    last = session.scalar(
        select(func.max(ImportBatch.number)).where(ImportBatch.assessment_id == assessment.id)
    )
    batch = ImportBatch(
        assessment_id=assessment.id,
        number=(last or 0) + 1,
        file_name=clean_file_name(file_name),
        sha256=sha256,
        team_rows="{}",
        imported_by_id=imported_by_id,
        imported_at=now or datetime.now(UTC),
    )
    session.add(batch)
    session.flush()
    return batch


def finish_batch(batch: ImportBatch, stored: Mapping[str, int]) -> None:
    """Record how many rows the batch stored per team key (teams without any left out)."""
    batch.team_rows = json.dumps({key: count for key, count in stored.items() if count})


def mark_released(session: Session, assessment_id: int) -> None:
    """Mark the assessment's batches that have any published response as released (no more undo).

    Called when a release is stored, in its transaction.
    """
    has_published = exists().where(Response.batch_id == ImportBatch.id, Response.published == true())
    session.execute(
        update(ImportBatch)
        .where(
            ImportBatch.assessment_id == assessment_id,
            ImportBatch.released == false(),
            ImportBatch.undone_at.is_(None),
            has_published,
        )
        .values(released=True)
        .execution_options(synchronize_session=False)
    )


# --- The history ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRow:
    """One batch as the import page lists it."""

    number: int
    file_name: str
    imported_on: str
    imported_by: str
    #: (team name, rows stored), in the assessment's team order.
    team_rows: tuple[tuple[str, int], ...]
    rows: int
    undone_on: str | None
    undone_by: str | None
    released: bool

    @property
    def can_undo(self) -> bool:
        """Neither undone nor in a release."""
        return self.undone_on is None and not self.released


def team_rows_of(batch: ImportBatch, teams: Sequence[Team]) -> tuple[tuple[str, int], ...]:
    """The batch's rows per team, by team name in the assessment's order."""
    stored = json.loads(batch.team_rows or "{}")
    return tuple((team.name, int(stored[team.key])) for team in teams if stored.get(team.key))


def row_of(batch: ImportBatch, teams: Sequence[Team]) -> BatchRow:
    """``batch`` as the pages show it (``teams``: its assessment's, in order)."""
    per_team = team_rows_of(batch, teams)
    return BatchRow(
        number=batch.number,
        file_name=batch.file_name,
        imported_on=_day(batch.imported_at),
        imported_by=_who(batch.imported_by),
        team_rows=per_team,
        rows=sum(count for _name, count in per_team),
        undone_on=_day(batch.undone_at) if batch.undone_at else None,
        undone_by=_who(batch.undone_by) if batch.undone_at else None,
        released=batch.released,
    )


def history(session: Session, assessment: Assessment) -> list[BatchRow]:
    """The assessment's batches, newest first, undone ones included."""
    batches = session.scalars(
        select(ImportBatch)
        .where(ImportBatch.assessment_id == assessment.id)
        .options(selectinload(ImportBatch.imported_by), selectinload(ImportBatch.undone_by))
        .order_by(ImportBatch.number.desc())
    )
    return [row_of(batch, assessment.teams) for batch in batches]


def find_batch(session: Session, assessment: Assessment, number: int) -> ImportBatch:
    """Batch ``number`` of ``assessment``; ``NotFound`` when there is none."""
    found = session.scalar(
        select(ImportBatch).where(ImportBatch.assessment_id == assessment.id, ImportBatch.number == number)
    )
    if found is None:
        raise NotFound(f"{assessment.slug} has no import batch {number}")
    return found


# --- Undo -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamUndo:
    """What undoing a batch does to one team."""

    key: str
    name: str
    #: The batch's responses deleted (all of them, published or waiting, complete or not).
    deleted: int
    #: Of those, the scored ones in the published set (k in the rule above).
    published: int
    #: Of those, all in the published set (incomplete ones too, shown for their comments).
    shown: int
    #: The batch's scored responses that were still waiting.
    waiting: int
    #: Other imported responses sent back to waiting, so the figures change by at least min group.
    returned: int


@dataclass(frozen=True)
class UndoPlan:
    """What undoing a batch does, team by team (teams without any of its responses left out)."""

    number: int
    file_name: str
    teams: tuple[TeamUndo, ...]

    @property
    def deleted(self) -> int:
        """Responses deleted in all."""
        return sum(team.deleted for team in self.teams)

    @property
    def returned(self) -> int:
        """Other responses sent back to waiting in all."""
        return sum(team.returned for team in self.teams)


def check_undoable(batch: ImportBatch) -> None:
    """Raise ``InvalidInput`` when the batch was undone already or is in a release."""
    if batch.undone_at is not None:
        raise InvalidInput(
            f"batch {batch.number} was already undone on {_day(batch.undone_at)} by {_who(batch.undone_by)}"
        )
    if batch.released:
        raise InvalidInput(
            f"batch {batch.number} is in a release of the results, which leaders may have read:"
            " its responses can no longer be taken out"
        )


def returned_count(published: int, others: int, min_group: int) -> int:
    """How many of the ``others`` (the pool's other published scored responses of a team) go back
    to waiting when ``published`` of the batch's are taken out of the published set."""
    if published == 0:
        return 0
    returned = min(others, max(0, min_group - published))
    if 0 < others - returned < min_group:  # never leave a published pool smaller than a step
        returned = others
    return returned


def _other_published(batch_id: int) -> tuple:
    """Conditions of a team's published, scored imported responses from outside the batch."""
    return (
        Response.published == true(),
        Response.total.is_not(None),
        Response.source.in_(list(POOL_SOURCES["import"])),
        or_(Response.batch_id.is_(None), Response.batch_id != batch_id),
    )


def plan_undo(session: Session, assessment: Assessment, batch: ImportBatch) -> UndoPlan:
    """What undoing ``batch`` would do now (read only; the confirmation page shows it)."""
    counts: dict[int, dict[str, int]] = {}
    for team_id, published, rows, scored in session.execute(
        select(Response.team_id, Response.published, func.count(), func.count(Response.total))
        .where(Response.batch_id == batch.id)
        .group_by(Response.team_id, Response.published)
    ):
        team = counts.setdefault(team_id, {"deleted": 0, "published": 0, "shown": 0, "waiting": 0})
        team["deleted"] += rows
        team["published" if published else "waiting"] += scored
        team["shown"] += rows if published else 0
    others = dict(
        session.execute(
            select(Response.team_id, func.count())
            .where(Response.team_id.in_(list(counts)), *_other_published(batch.id))
            .group_by(Response.team_id)
        ).all()
    )
    teams = tuple(
        TeamUndo(
            key=team.key,
            name=team.name,
            deleted=counts[team.id]["deleted"],
            published=counts[team.id]["published"],
            shown=counts[team.id]["shown"],
            waiting=counts[team.id]["waiting"],
            returned=returned_count(
                counts[team.id]["published"], others.get(team.id, 0), assessment.min_group_size
            ),
        )
        for team in assessment.teams
        if team.id in counts
    )
    return UndoPlan(number=batch.number, file_name=batch.file_name, teams=teams)


def undo_batch(
    session: Session,
    assessment: Assessment,
    number: int,
    user_id: int | None,
    *,
    now: datetime | None = None,
) -> UndoPlan:
    """Delete batch ``number``'s responses and answers, keeping the published sets' rule (see the
    module's docstring), and record who undid it and when; the caller commits.

    Raises ``NotFound`` for an unknown batch, ``InvalidInput`` when it was undone already or is
    in a release.
    """
    _lock_assessment(session, assessment.id)
    batch = session.scalar(
        select(ImportBatch)
        .where(ImportBatch.assessment_id == assessment.id, ImportBatch.number == number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if batch is None:
        raise NotFound(f"{assessment.slug} has no import batch {number}")
    check_undoable(batch)
    # One lock order for every writer (``publishing.record_arrivals`` goes by team id too).
    pending = dict(
        session.execute(
            select(Team.id, Team.pending_import)
            .where(Team.assessment_id == assessment.id)
            .order_by(Team.id)
            .with_for_update()
        ).all()
    )
    plan = plan_undo(session, assessment, batch)
    team_ids = {team.key: team.id for team in assessment.teams}
    for team in plan.teams:
        team_id = team_ids[team.key]
        if team.returned:
            ids = list(
                session.scalars(
                    select(Response.id)
                    .where(Response.team_id == team_id, *_other_published(batch.id))
                    .order_by(Response.id)
                    .limit(team.returned)
                )
            )
            session.execute(
                update(Response)
                .where(Response.id.in_(ids))
                .values(published=False)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(ResponseAnswer)
                .where(ResponseAnswer.response_id.in_(ids))
                .values(published=False)
                .execution_options(synchronize_session=False)
            )
        values: dict = {Team.pending_import: max(0, (pending[team_id] or 0) + team.returned - team.waiting)}
        if team.shown or team.returned:  # the published set changes
            values[Team.published_version] = Team.published_version + 1
        session.execute(
            update(Team).where(Team.id == team_id).values(values).execution_options(synchronize_session=False)
        )
    batch_responses = select(Response.id).where(Response.batch_id == batch.id)
    session.execute(
        delete(ResponseAnswer)
        .where(ResponseAnswer.response_id.in_(batch_responses))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Response).where(Response.batch_id == batch.id).execution_options(synchronize_session=False)
    )
    batch.undone_at = now or datetime.now(UTC)
    batch.undone_by_id = user_id
    session.flush()
    return plan
