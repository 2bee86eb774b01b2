"""Releasing an assessment's results, finding releases and withdrawing them.

``release`` reads the published figures once (``report.loader``), composes the report,
renders its PDF and draws the web page's charts, then stores all of it with the results JSON
under the next number. Nothing is recomputed afterwards: a release's page, JSON and PDF are
read back as stored, so they never move when responses arrive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..batches import mark_released
from ..domain.questionnaire import Questionnaire
from ..errors import InvalidInput, NotFound
from ..models import Assessment, Release, Response
from ..report.content import ReportContext
from ..report.context import compose_report
from ..report.loader import load_report_data
from ..report.render import render_report
from ..results.aggregates import results_json
from ..results.view_model import ChartSet, build_charts

#: The longest note a consultant can add to a release.
MAX_NOTE_LENGTH = 2000
#: What ``--release`` and the URLs accept besides a number.
LATEST = "latest"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReleaseContent:
    """What a release's page shows: the report's content and the page's charts (SVG)."""

    report: ReportContext
    charts: ChartSet


_CONTENT = TypeAdapter(ReleaseContent)


def check_note(note: str) -> str:
    """The note as stored: trimmed, at most ``MAX_NOTE_LENGTH`` characters."""
    note = note.strip()
    if "\x00" in note:
        raise InvalidInput("the note contains a NUL character (U+0000)")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"the note is {len(note):,} characters long; at most {MAX_NOTE_LENGTH:,} are kept")
    return note


@dataclass(frozen=True)
class Prepared:
    """A release made but not stored yet: everything it shows, as of ``moment``."""

    moment: datetime
    interim: bool
    results: str
    content: str
    pdf: bytes


def prepare(
    session: Session,
    assessment: Assessment,
    q: Questionnaire,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """Read the published figures once, compose and render everything a release shows.

    Only reads: the slow part (the PDF) holds no write lock, so respondents are never kept
    waiting; ``store`` then numbers and stores it in a short write.
    """
    say = progress or (lambda _message: None)
    now = now or datetime.now(UTC)
    say("Computing results…")
    data = load_report_data(session, assessment, q, for_leaders=True)
    report = compose_report(q, data, today=now.date())
    rendered = render_report(report, say)
    say("Storing the release…")
    content = ReleaseContent(report, build_charts(report.view, prefix="release"))
    return Prepared(
        moment=now,
        interim=assessment.is_accepting(now),
        results=json.dumps(results_json(assessment, data.result), ensure_ascii=False, allow_nan=False),
        content=_CONTENT.dump_json(content).decode(),
        pdf=rendered.pdf,
    )


def store(
    session: Session, assessment_id: int, prepared: Prepared, *, released_by_id: int | None, note: str = ""
) -> Release:
    """Store ``prepared`` as the assessment's next release (1, 2, …), and mark the import batches
    with published responses as released (``batches.mark_released``)."""
    note = check_note(note)
    # Numbers are given under a lock on the assessment's row (PostgreSQL; SQLite writes one at a time).
    session.execute(select(Assessment.id).where(Assessment.id == assessment_id).with_for_update())
    last = session.scalar(select(func.max(Release.number)).where(Release.assessment_id == assessment_id))
    stored = Release(
        assessment_id=assessment_id,
        number=(last or 0) + 1,
        released_at=prepared.moment,
        released_by_id=released_by_id,
        note=note,
        interim=prepared.interim,
        results=prepared.results,
        content=prepared.content,
        pdf=prepared.pdf,
    )
    session.add(stored)
    # Import batches with responses in the release can no longer be undone.
    mark_released(session, assessment_id)
    session.flush()
    return stored


def release(
    session: Session,
    assessment: Assessment,
    q: Questionnaire,
    *,
    released_by_id: int | None,
    note: str = "",
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Release:
    """Release the results of ``assessment`` as they are published now, in one session."""
    check_note(note)  # before the slow part
    prepared = prepare(session, assessment, q, now=now, progress=progress)
    return store(session, assessment.id, prepared, released_by_id=released_by_id, note=note)


def landing(session: Session, organization_id: int) -> tuple[str, int | None] | None:
    """Where a leader of the organization lands: the newest release that is not withdrawn (its
    assessment's slug and number) or, with none, the newest assessment's slug; None without any."""
    newest_release = session.execute(
        select(Assessment.slug, Release.number)
        .join(Release, Release.assessment_id == Assessment.id)
        .where(Assessment.organization_id == organization_id, Release.withdrawn_at.is_(None))
        .order_by(Release.released_at.desc(), Release.id.desc())
        .limit(1)
    ).first()
    if newest_release is not None:
        return newest_release.slug, newest_release.number
    newest = session.scalar(
        select(Assessment.slug)
        .where(Assessment.organization_id == organization_id)
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    return (newest, None) if newest is not None else None


def response_counts(session: Session, assessment: Assessment) -> dict[str, int]:
    """How many responses each team has sent so far (complete or not, in the results or waiting)."""
    counted = dict(
        session.execute(
            select(Response.team_id, func.count())
            .where(Response.team_id.in_([team.id for team in assessment.teams]))
            .group_by(Response.team_id)
        ).all()
    )
    return {team.name: counted.get(team.id, 0) for team in assessment.teams}


def releases_of(session: Session, assessment: Assessment, *, withdrawn: bool = False) -> list[Release]:
    """The releases of ``assessment``, newest first; withdrawn ones only when asked for."""
    query = select(Release).where(Release.assessment_id == assessment.id)
    if not withdrawn:
        query = query.where(Release.withdrawn_at.is_(None))
    return list(session.scalars(query.order_by(Release.number.desc())))


def parse_number(text: str) -> int | str:
    """A release as given on the command line or in a URL: a number from 1, or ``latest``."""
    if text.strip().lower() == LATEST:
        return LATEST
    if text.strip().isascii() and text.strip().isdigit() and int(text) >= 1:
        return int(text)
    raise InvalidInput(f"a release is a number from 1 or {LATEST!r}, not {text!r}")


def find_release(
    session: Session, assessment: Assessment, number: int | str, *, withdrawn: bool = False
) -> Release:
    """Release ``number`` (or the latest) of ``assessment``; withdrawn ones only when asked for."""
    query = select(Release).where(Release.assessment_id == assessment.id)
    if not withdrawn:
        query = query.where(Release.withdrawn_at.is_(None))
    if number == LATEST:
        found = session.scalar(query.order_by(Release.number.desc()).limit(1))
        if found is None:
            raise NotFound(f"{assessment.slug} has no release yet")
        return found
    found = session.scalar(query.where(Release.number == number))
    if found is None:
        raise NotFound(f"{assessment.slug} has no release {number}")
    return found


def withdraw(release: Release, *, withdrawn_by_id: int | None, now: datetime | None = None) -> None:
    """Hide ``release`` from leaders; it stays in the history with who withdrew it."""
    if release.withdrawn_at is not None:
        raise InvalidInput(f"release {release.number} was already withdrawn")
    release.withdrawn_at = now or datetime.now(UTC)
    release.withdrawn_by_id = withdrawn_by_id


def release_info(release: Release) -> dict[str, Any]:
    """The ``"release"`` entry of a release's JSON."""
    return {
        "number": release.number,
        "released_at": release.released_at.isoformat(),
        "interim": release.interim,
    }


def stored_results(release: Release) -> dict[str, Any]:
    """The results JSON as released, with its ``"release"`` entry."""
    return {**json.loads(release.results), "release": release_info(release)}


def stored_content(release: Release) -> ReleaseContent:
    """The page's content as released."""
    return _CONTENT.validate_json(release.content)
