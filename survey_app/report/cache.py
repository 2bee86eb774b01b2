"""Rendered PDF reports kept while nothing they show has changed.

A report is stored with its *state key*: a SHA-256 over everything the PDF is made from —
each team's published set (never the responses still waiting for their step, see
``publishing``), the assessment's names, teams and settings, the commentary and action plan,
the earlier waves of its series (their teams' published sets and releases, for the trend
section), the consultant's name and logo, the paper size, the questionnaire, and the report's own
templates and code. A download whose key matches the stored one gets the stored PDF; any
change gives a new key, and the next download renders the report again and replaces the
entry. There is one entry per assessment and paper size.

Two things the PDF prints are left out on purpose: the date on its cover and the live
counts its method appendix gives "when this report was made" (responses waiting for their
step, incomplete ones). A stored report shows them as they were when it was made, and a
response that is not yet in the results can never cause a new PDF.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from sqlalchemy import delete, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.questionnaire import Questionnaire
from ..models import ActionItem, Assessment, Organization, Release, ReportCache, Response, Team, User
from ..paths import data_folder
from ..series import series_of

#: The modules whose code decides what a report says and how it looks, besides ``reports/``.
REPORT_CODE = (
    "report/*.py",
    "domain/*.py",
    "results/*.py",
    "trend/*.py",
    "series.py",
)
#: Libraries whose version changes the PDF's layout or charts.
LIBRARIES = ("weasyprint", "matplotlib")


def _digest_files(paths: Iterable[Path], root: Path) -> str:
    """SHA-256 over the names (relative to ``root``) and contents of ``paths``, in name order."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _version(library: str) -> str:
    """The installed version of ``library``, or "" when it is not installed."""
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return ""


@functools.cache
def template_version() -> str:
    """The report's template version: a digest of ``reports/``, the report's code and its libraries.

    Computed once per process: a deploy that changes any of them starts a new process, and
    every stored report is then made again on its next download.
    """
    reports = data_folder("reports")
    package = Path(__file__).resolve().parents[1]
    code = [path for pattern in REPORT_CODE for path in package.glob(pattern)]
    parts = [
        _digest_files((path for path in reports.rglob("*") if path.is_file()), reports),
        _digest_files(code, package),
        *(f"{library}={_version(library)}" for library in LIBRARIES),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _published(session: Session, assessment_id: int) -> list[list[int]]:
    """Each team's published set in figures: responses, statements answered, their sum, comments.

    These change whenever a published set grows (see ``publishing``); the teams' published
    versions (in ``state_key``) also change when an import is undone. The responses waiting
    for their step are not counted.
    """
    rows = session.execute(
        select(
            Response.team_id,
            func.count(Response.id),
            func.coalesce(func.sum(Response.answered), 0),
            func.coalesce(func.sum(Response.answer_sum), 0),
            func.count(Response.comment_rank),
        )
        .join(Team, Team.id == Response.team_id)
        .where(Team.assessment_id == assessment_id, Response.published == true())
        .group_by(Response.team_id)
        .order_by(Response.team_id)
    )
    return [[int(value) for value in row] for row in rows]


def _consultant(session: Session, user_id: int | None) -> list[str]:
    """The name, e-mail address and logo (as a digest) printed on the cover."""
    if user_id is None:
        return []
    row = session.execute(
        select(User.name, User.email, User.logo, User.logo_type).where(User.id == user_id)
    ).one_or_none()
    if row is None:
        return []
    logo = hashlib.sha256(row.logo).hexdigest() if row.logo else ""
    return [row.name or "", row.email, logo, row.logo_type or ""]


def _earlier_waves(session: Session, assessment_id: int) -> list[list[object]]:
    """What the trend section shows of the earlier waves of the assessment's series: each one's
    name, opening, teams with their published versions, and releases."""
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not assessment.in_series:
        return []
    series = series_of(session, assessment.organization, assessment.questionnaire_id)
    ids = [wave.id for wave in series]
    earlier = series[: ids.index(assessment_id)] if assessment_id in ids else []
    if not earlier:
        return []
    teams = session.execute(
        select(Team.assessment_id, Team.id, Team.key, Team.name, Team.published_version)
        .where(Team.assessment_id.in_([wave.id for wave in earlier]))
        .order_by(Team.assessment_id, Team.position, Team.id)
    ).all()
    releases = session.execute(
        select(Release.assessment_id, Release.number, Release.withdrawn_at.is_(None))
        .where(Release.assessment_id.in_([wave.id for wave in earlier]))
        .order_by(Release.assessment_id, Release.number)
    ).all()
    return [
        [wave.id, wave.name, wave.min_group_size, str(wave.opens_at or wave.created_at)]
        + [list(row[1:]) for row in teams if row[0] == wave.id]
        + [list(row[1:]) for row in releases if row[0] == wave.id]
        for wave in earlier
    ]


def questionnaire_digest(questionnaire: Questionnaire) -> str:
    """A digest of the whole questionnaire definition (a frozen dataclass: its repr is its content)."""
    return hashlib.sha256(repr(questionnaire).encode()).hexdigest()


def state_key(session: Session, assessment_id: int, questionnaire: Questionnaire, paper: str) -> str:
    """The key of everything the assessment's report on ``paper`` shows, read fresh from the database.

    Every value is queried here, not taken from loaded objects, so the key made after a
    render sees any change made while it ran.
    """
    assessment = session.execute(
        select(
            Assessment.name,
            Assessment.slug,
            Assessment.purpose,
            Assessment.commentary,
            Assessment.min_group_size,
            Assessment.questionnaire_id,
            Assessment.questionnaire_version,
            Assessment.created_by_id,
            Organization.name,
        )
        .join(Organization, Organization.id == Assessment.organization_id)
        .where(Assessment.id == assessment_id)
    ).one()
    teams = session.execute(
        select(Team.id, Team.key, Team.name, Team.position, Team.headcount, Team.published_version)
        .where(Team.assessment_id == assessment_id)
        .order_by(Team.position, Team.id)
    )
    actions = session.execute(
        select(
            ActionItem.action, ActionItem.owner, ActionItem.due_on, ActionItem.status, ActionItem.statements
        )
        .where(ActionItem.assessment_id == assessment_id)
        .order_by(ActionItem.position, ActionItem.id)
    )
    state = {
        "paper": paper,
        "template": template_version(),
        "questionnaire": questionnaire_digest(questionnaire),
        "assessment": [assessment_id, *assessment],
        "teams": [list(row) for row in teams],
        "published": _published(session, assessment_id),
        "actions": [list(row) for row in actions],
        "consultant": _consultant(session, assessment.created_by_id),
        "earlier_waves": _earlier_waves(session, assessment_id),
    }
    encoded = json.dumps(state, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def stored_pdf(session: Session, assessment_id: int, paper: str, key: str) -> bytes | None:
    """The stored report of this state, or None when there is none (or only an older state's)."""
    return session.scalar(
        select(ReportCache.pdf).where(
            ReportCache.assessment_id == assessment_id,
            ReportCache.paper == paper,
            ReportCache.state_key == key,
        )
    )


def store(session: Session, assessment_id: int, paper: str, key: str, pdf: bytes) -> None:
    """Keep ``pdf`` as the report of state ``key``, replacing the entry of any other state.

    When another request stored the same report at the same moment, its entry is kept.
    """
    session.execute(
        delete(ReportCache).where(ReportCache.assessment_id == assessment_id, ReportCache.paper == paper)
    )
    try:
        with session.begin_nested():
            session.add(ReportCache(assessment_id=assessment_id, paper=paper, state_key=key, pdf=pdf))
    except IntegrityError:
        pass  # a concurrent download stored it first
