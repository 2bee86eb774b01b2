"""The workspace's work: organizations, assessments and their settings, monitoring, import, export.

Pure of Flask: every function takes a SQLAlchemy session and plain values, and
raises ``InvalidInput`` (``FieldInvalid`` when one form field is to blame) or
``NotFound``. Pages get plain dataclasses, never ORM objects to lazy-load from.

Creating an assessment, and its rules, are in ``assessments``; importing responses is in
``responses``: the command line uses them too.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from ..assessments import (
    MAX_NAME_LENGTH,
    MAX_TEAMS,
    TeamInput,
    check_dates,
    check_min_group,
    check_team,
    check_team_names,
    check_text,
    check_unique_name,
    clean_team_name,
    closing_moment,
    new_team,
    new_team_keys,
    one_line,
    opening_moment,
)

# Re-exported for ``forms``, which shows these limits; the rules using them are in ``assessments``.
from ..assessments import MAX_PURPOSE_LENGTH as MAX_PURPOSE_LENGTH
from ..assessments import MAX_TEAM_NAME_LENGTH as MAX_TEAM_NAME_LENGTH
from ..domain.importing import COMMENT, SOURCE, TEAM
from ..domain.questionnaire import Questionnaire
from ..errors import FieldInvalid, InvalidInput, NotFound
from ..models import (
    Assessment,
    AssessmentStatus,
    ImportBatch,
    Invitation,
    Organization,
    Response,
    ResponseAnswer,
    ResponseSource,
    Team,
    User,
)
from ..results.aggregates import compute_results
from ..series import series_of
from ..slugs import slugify, suffixed_slug, unique_slug

#: Below this response rate (responses per headcount, in percent) a team is flagged.
LOW_RATE_PERCENT = 30
#: Rates are flagged only once this share of the survey period (opening to closing date) has
#: passed: on its first days every survey has a low rate, and a warning then is only noise.
LOW_RATE_AFTER_SHARE = 0.25
#: Without a closing date, rates are flagged this many days after the opening: a week gives
#: everyone a working week to answer, about a quarter of the usual two to four weeks' survey.
LOW_RATE_AFTER_DAYS = 7
#: A cell starting with one of these is a formula for spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- Dates -------------------------------------------------------------------------------------------


def _utc_day(moment: datetime | None) -> date | None:
    """The UTC date of a stored moment (the column type gives it back in UTC)."""
    return None if moment is None else moment.date()


def opening_day(assessment: Assessment) -> date | None:
    """The assessment's opening date (UTC), as entered."""
    return _utc_day(assessment.opens_at)


def closing_day(assessment: Assessment) -> date | None:
    """The assessment's closing date (UTC): the last day that takes responses."""
    return _utc_day(assessment.closes_at)


def rates_judged_from(
    opens_at: datetime | None, closes_at: datetime | None, created_at: datetime
) -> datetime:
    """When response rates start being flagged as low: a share of the way through the survey.

    The period runs from the opening date (else from when the assessment was made) to the
    closing date; without a closing date, rates are judged ``LOW_RATE_AFTER_DAYS`` after it opens.
    """
    start = opens_at or created_at
    if closes_at is None:
        return start + timedelta(days=LOW_RATE_AFTER_DAYS)
    period = max(closes_at - start, timedelta(0))
    return start + period * LOW_RATE_AFTER_SHARE


def format_day(day: date | None) -> str:
    """A date in plain words: "5 May 2025"."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


# --- Overviews ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusInfo:
    """Whether an assessment takes responses now, in words."""

    #: ``open``, ``closed``, ``scheduled`` (opens later) or ``ended`` (closing date passed).
    state: str
    label: str
    is_accepting: bool
    opens_on: str
    closes_on: str


def status_info(assessment: Assessment, now: datetime) -> StatusInfo:
    """The assessment's status and dates, for people."""
    opens, closes = _utc_day(assessment.opens_at), _utc_day(assessment.closes_at)
    accepting = assessment.is_accepting(now)
    if assessment.status is AssessmentStatus.CLOSED:
        state, label = "closed", "Closed: not taking responses"
    elif accepting:
        state = "open"
        label = "Open: taking responses" + (f" until {format_day(closes)}" if closes else "")
    elif assessment.opens_at is not None and now < assessment.opens_at:
        state, label = "scheduled", f"Opens on {format_day(opens)}"
    else:
        state, label = "ended", f"Closing date passed ({format_day(closes)}): not taking responses"
    return StatusInfo(state, label, accepting, format_day(opens), format_day(closes))


@dataclass(frozen=True)
class AssessmentSummary:
    """One line of an organization's list of assessments."""

    slug: str
    name: str
    status: StatusInfo
    responses: int


@dataclass(frozen=True)
class OrganizationSummary:
    """An organization with its assessments, newest first."""

    slug: str
    name: str
    assessments: list[AssessmentSummary]


def _response_counts(session: Session, assessment_ids: Iterable[int]) -> dict[int, int]:
    ids = list(assessment_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Team.assessment_id, func.count(Response.id))
        .join(Response, Response.team_id == Team.id)
        .where(Team.assessment_id.in_(ids))
        .group_by(Team.assessment_id)
    )
    return {assessment_id: count for assessment_id, count in rows}


def organization_summaries(
    session: Session, organizations: Sequence[Organization], now: datetime
) -> list[OrganizationSummary]:
    """Each organization with its assessments' status and response counts (two queries)."""
    org_ids = [org.id for org in organizations]
    assessments = (
        list(
            session.scalars(
                select(Assessment)
                .where(Assessment.organization_id.in_(org_ids))
                .order_by(Assessment.created_at.desc(), Assessment.id.desc())
            )
        )
        if org_ids
        else []
    )
    counts = _response_counts(session, (a.id for a in assessments))
    by_org: dict[int, list[AssessmentSummary]] = {org_id: [] for org_id in org_ids}
    for assessment in assessments:
        by_org[assessment.organization_id].append(
            AssessmentSummary(
                assessment.slug, assessment.name, status_info(assessment, now), counts.get(assessment.id, 0)
            )
        )
    return [OrganizationSummary(org.slug, org.name, by_org[org.id]) for org in organizations]


# --- Organizations -----------------------------------------------------------------------------------


def _slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None


def create_organization(
    session: Session, name: str, creator_id: int, *, assign_creator: bool
) -> Organization:
    """A new client organization; ``assign_creator`` assigns it to the consultant who made it."""
    name = " ".join(name.split())
    if not name:
        raise FieldInvalid("name", "Enter the organization's name.")
    if len(name) > MAX_NAME_LENGTH:
        raise FieldInvalid("name", f"The name must be at most {MAX_NAME_LENGTH} characters long.")
    creator = session.get(User, creator_id)
    if creator is None:
        raise NotFound(f"no account with id {creator_id}")
    # Checked only against what the creator can see: a consultant never learns that
    # another consultant has a client of the same name, not even from the slug.
    visible = creator.assigned_organizations if assign_creator else session.scalars(select(Organization))
    if any(org.name.casefold() == name.casefold() for org in visible):
        mine = "You already have" if assign_creator else "There already is"
        raise FieldInvalid("name", f"{mine} an organization named {name}.")
    slug_of = suffixed_slug if assign_creator else unique_slug
    slug = slug_of(
        slugify(name),
        lambda s: session.scalar(select(Organization.id).where(Organization.slug == s)) is not None,
    )
    org = Organization(name=name, slug=slug)
    session.add(org)
    if assign_creator:
        creator.assigned_organizations.append(org)
    session.flush()
    return org


def assessment_summaries(
    session: Session, organization: Organization, now: datetime
) -> list[AssessmentSummary]:
    """An organization's assessments, newest first."""
    return organization_summaries(session, [organization], now)[0].assessments


@dataclass(frozen=True)
class Wave:
    """One wave of an organization's series, numbered from 1 in order of opening."""

    number: int
    slug: str
    name: str
    #: The opening date (else the day it was made), in words.
    opened: str


@dataclass(frozen=True)
class WaveSeries:
    """An organization's waves on one questionnaire (``series.series_of``)."""

    questionnaire_id: str
    title: str
    waves: list[Wave]


def organization_series(
    session: Session, organization: Organization, titles: Mapping[str, str]
) -> list[WaveSeries]:
    """The organization's series that have more than one wave, one per questionnaire
    (``titles``: the questionnaires' titles by id; an unknown one is shown by its id)."""
    questionnaire_ids = session.scalars(
        select(Assessment.questionnaire_id)
        .where(Assessment.organization_id == organization.id, Assessment.in_series.is_(True))
        .distinct()
    )
    found = []
    for questionnaire_id in sorted(questionnaire_ids):
        waves = series_of(session, organization, questionnaire_id)
        if len(waves) > 1:
            found.append(
                WaveSeries(
                    questionnaire_id,
                    titles.get(questionnaire_id, questionnaire_id),
                    [
                        Wave(n, wave.slug, wave.name, format_day((wave.opens_at or wave.created_at).date()))
                        for n, wave in enumerate(waves, start=1)
                    ],
                )
            )
    return found


# --- Changing assessments ----------------------------------------------------------------------------


def count_responses(session: Session, assessment: Assessment) -> int:
    """How many responses the assessment has (complete or not)."""
    return (
        session.scalar(
            select(func.count(Response.id))
            .join(Team, Team.id == Response.team_id)
            .where(Team.assessment_id == assessment.id)
        )
        or 0
    )


@dataclass(frozen=True)
class SettingsInput:
    """What the settings form sets; ``min_group`` None (and team names None) when not sent."""

    name: str
    purpose: str
    opens_on: date | None
    closes_on: date | None
    teams: Sequence[TeamInput]
    min_group: int | None


def update_settings(session: Session, assessment: Assessment, data: SettingsInput, secret_key: str) -> None:
    """Change name, purpose, dates and headcounts; teams and the minimum group size only before responses.

    Once a response is stored, changing the threshold or the teams would change
    what earlier answers were given under, so those are refused.
    """
    name, purpose = one_line(data.name), data.purpose.strip()
    check_text(name, purpose)
    check_unique_name(session, assessment.organization_id, name, assessment.id)
    check_dates(data.opens_on, data.closes_on)
    locked = count_responses(session, assessment) > 0
    if data.min_group is not None and data.min_group != assessment.min_group_size:
        if locked:
            raise FieldInvalid(
                "min_group_size",
                "The minimum group size cannot change once responses have arrived"
                f" (it stays {assessment.min_group_size}).",
            )
        check_min_group(data.min_group)
    teams = list(assessment.teams)
    rows = list(data.teams)[:MAX_TEAMS]
    renamed: list[tuple[Team, str]] = []
    added: list[tuple[int, str, int | None]] = []
    for index, row in enumerate(rows):
        team_name = None if row.name is None else clean_team_name(row.name)
        if index < len(teams):
            team = teams[index]
            if team_name is not None and team_name != team.name:
                if locked:
                    raise FieldInvalid(
                        f"teams-{index}-name", "Teams cannot change once responses have arrived."
                    )
                if not team_name:
                    raise FieldInvalid(
                        f"teams-{index}-name",
                        "Enter the team's name: a team cannot be removed, its survey link may be out.",
                    )
                renamed.append((team, team_name))
            check_team(index, team_name or team.name, row.headcount)
        elif team_name:
            if locked:
                raise FieldInvalid(f"teams-{index}-name", "Teams cannot change once responses have arrived.")
            check_team(index, team_name, row.headcount)
            added.append((index, team_name, row.headcount))
        elif row.headcount is not None:
            raise FieldInvalid(f"teams-{index}-name", "Enter the team's name, or clear its headcount.")
    names = {team.id: team.name for team in teams}
    names.update({team.id: new_name for team, new_name in renamed})
    new_keys = new_team_keys((team.key for team in teams), (team_name for _, team_name, _ in added))
    check_team_names(
        [(i, team.key, names[team.id]) for i, team in enumerate(teams)]
        + [(index, key, team_name) for (index, team_name, _), key in zip(added, new_keys, strict=True)]
    )
    assessment.name = name
    assessment.purpose = purpose
    assessment.opens_at = opening_moment(data.opens_on)
    assessment.closes_at = closing_moment(data.closes_on)
    if data.min_group is not None:
        assessment.min_group_size = data.min_group
    for index, team in enumerate(teams):
        team.name = names[team.id]
        if index < len(rows):
            team.headcount = rows[index].headcount
    for (_index, team_name, headcount), key in zip(added, new_keys, strict=True):
        team = new_team(secret_key, key, team_name, len(assessment.teams))
        team.headcount = headcount
        assessment.teams.append(team)
    session.flush()


def set_status(assessment: Assessment, action: str) -> None:
    """Close the assessment (``close``) or take responses again (``reopen``)."""
    if action == "close":
        assessment.close()
    elif action == "reopen":
        assessment.reopen()
    else:
        raise InvalidInput(f"unknown action {action!r}")


# --- Monitoring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamProgress:
    """How far a team is: responses, headcount, rate, personal invitations. No one is named."""

    key: str
    name: str
    responses: int
    complete: int
    incomplete: int
    headcount: int | None
    #: Responses per headcount, in whole percent (rounded down), or None without a headcount.
    rate: int | None
    is_low: bool
    is_over: bool
    #: Complete responses in the results (the published set; see ``survey_app.publishing``).
    in_results: int
    #: Nothing in the results yet: results and export leave the team out.
    is_withheld: bool
    invitations: int
    invitations_sent: int
    invitations_answered: int
    #: Warning signs of made-up responses, as counts only: bursts of sends through the team
    #: link from one network address, and responses repeating another's answers.
    bursts: int = 0
    repeats: int = 0

    @property
    def warnings(self) -> list[str]:
        """The team's warning signs in words (more responses than people is one too)."""
        signs = []
        if self.is_over:
            signs.append(f"More responses ({self.responses}) than people in the team ({self.headcount}).")
        if self.bursts:
            signs.append(
                f"{self.bursts} time{'s' if self.bursts != 1 else ''}, more answers than usual came from"
                " one network address within an hour through the team link."
            )
        if self.repeats:
            many = self.repeats != 1
            signs.append(
                f"{self.repeats} response{'s give' if many else ' gives'} exactly the same answers"
                " as another response."
            )
        return signs


@dataclass(frozen=True)
class Monitor:
    """Everything the assessment page shows about its progress."""

    teams: list[TeamProgress]
    responses: int
    status: StatusInfo
    is_locked: bool
    low_rate_percent: int
    min_group_size: int
    has_low_rate: bool
    #: Whether enough of the survey period has passed to flag low rates, and from which day
    #: (in words) they are flagged when it has not.
    are_rates_judged: bool = True
    rates_judged_from: str = ""
    #: Complete responses waiting to join the results, all teams together.
    waiting: int = 0


def monitor(session: Session, assessment: Assessment, now: datetime) -> Monitor:
    """Per-team counts from two grouped queries: responses and personal invitations.

    Low rates are flagged only once a share of the survey period has passed
    (``rates_judged_from``), or once the survey has stopped taking responses.
    """
    status = status_info(assessment, now)
    judged_from = rates_judged_from(assessment.opens_at, assessment.closes_at, assessment.created_at)
    are_rates_judged = now >= judged_from or status.state in ("closed", "ended")
    team_ids = [team.id for team in assessment.teams]
    responses: dict[int, tuple[int, int, int, int]] = {}
    invitations: dict[int, tuple[int, int, int]] = {}
    if team_ids:
        for team_id, total, complete, published, repeats in session.execute(
            select(
                Response.team_id,
                func.count(Response.id),
                func.count(Response.total),
                # Incomplete responses join the published set for their comments only.
                func.sum(case((Response.published & Response.total.is_not(None), 1), else_=0)),
                func.count(Response.answers_digest) - func.count(Response.answers_digest.distinct()),
            )
            .where(Response.team_id.in_(team_ids))
            .group_by(Response.team_id)
        ):
            responses[team_id] = (total, complete, int(published or 0), repeats)
        for team_id, total, sent, answered in session.execute(
            select(
                Invitation.team_id,
                func.count(Invitation.id),
                func.count(Invitation.sent_at),
                func.sum(case((Invitation.has_answered, 1), else_=0)),
            )
            .where(Invitation.team_id.in_(team_ids))
            .group_by(Invitation.team_id)
        ):
            invitations[team_id] = (total, sent, int(answered or 0))
    teams = []
    for team in assessment.teams:
        total, complete, published, repeats = responses.get(team.id, (0, 0, 0, 0))
        invited, sent, answered = invitations.get(team.id, (0, 0, 0))
        rate = None if not team.headcount else total * 100 // team.headcount
        teams.append(
            TeamProgress(
                key=team.key,
                name=team.name,
                responses=total,
                complete=complete,
                incomplete=total - complete,
                headcount=team.headcount,
                rate=rate,
                is_low=are_rates_judged
                and bool(team.headcount)
                and total * 100 < LOW_RATE_PERCENT * (team.headcount or 0),
                is_over=bool(team.headcount) and total > (team.headcount or 0),
                in_results=published,
                # Responses join the results only in steps of min group (see publishing).
                is_withheld=published == 0,
                invitations=invited,
                invitations_sent=sent,
                invitations_answered=answered,
                bursts=team.burst_sends or 0,
                repeats=repeats,
            )
        )
    total_responses = sum(t.responses for t in teams)
    return Monitor(
        teams=teams,
        responses=total_responses,
        status=status,
        is_locked=total_responses > 0,
        low_rate_percent=LOW_RATE_PERCENT,
        min_group_size=assessment.min_group_size,
        has_low_rate=any(team.is_low for team in teams),
        are_rates_judged=are_rates_judged,
        rates_judged_from=format_day(judged_from.astimezone(UTC).date()),
        waiting=sum(t.complete - t.in_results for t in teams),
    )


# --- Import and export -------------------------------------------------------------------------------


def _cell(value: str) -> str:
    """Text that spreadsheet programs will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True)
class Export:
    """The CSV file's bytes and the teams left out of it (by name)."""

    data: bytes
    withheld: list[str]
    rows: int


def source_label(source: ResponseSource, batch: int | None) -> str:
    """Where a response came from, as the export names it: "web", "import batch 2" or "demo"
    ("import" alone for rows imported before batches were recorded)."""
    if source is ResponseSource.IMPORT and batch is not None:
        return f"import batch {batch}"
    return source.value


#: The label rows of the import pool take when their own would name fewer than the minimum group.
POOLED_IMPORTS = "import"


def pool_small_sources(labels: Sequence[str], min_group: int) -> list[str]:
    """The rows' source labels (one team's), with every imported group smaller than
    ``min_group`` relabelled "import": no label may single out fewer people than the results
    show together. Groups are pooled smallest first until the pooled ones are at least
    ``min_group`` too. Web responses are published in steps of at least ``min_group``, so
    their label never needs pooling (and is never pooled with imports)."""
    counts = Counter(label for label in labels if label != ResponseSource.WEB.value)
    pooled = {label for label, count in counts.items() if count < min_group}
    remaining = sorted((count, label) for label, count in counts.items() if label not in pooled)
    while pooled and 0 < sum(counts[label] for label in pooled) < min_group and remaining:
        pooled.add(remaining.pop(0)[1])
    return [POOLED_IMPORTS if label in pooled else label for label in labels]


def _export_rows(
    session: Session, team_ids: list[int], item_ids: Sequence[str]
) -> dict[int, list[list[str]]]:
    """Each team's published responses as CSV cells (the source, answers in ``item_ids`` order,
    then the comment).

    Two plain queries (responses, then their answers) instead of ORM objects: an export
    of tens of thousands of responses stays a matter of seconds.
    """
    if not team_ids:
        return {}
    position = {item_id: index + 1 for index, item_id in enumerate(item_ids)}
    cells: dict[int, list[str]] = {}
    rows_of: dict[int, list[list[str]]] = {team_id: [] for team_id in team_ids}
    for response_id, team_id, comment, source, batch in session.execute(
        select(Response.id, Response.team_id, Response.comment, Response.source, ImportBatch.number)
        .outerjoin(ImportBatch, ImportBatch.id == Response.batch_id)
        .where(Response.team_id.in_(team_ids), Response.published == true(), Response.total.is_not(None))
    ):
        row = [source_label(source, batch)] + [""] * len(item_ids) + [_cell(comment or "")]
        cells[response_id] = row
        rows_of[team_id].append(row)
    for response_id, item_id, value in session.execute(
        select(ResponseAnswer.response_id, ResponseAnswer.item_id, ResponseAnswer.value).where(
            ResponseAnswer.team_id.in_(team_ids),
            ResponseAnswer.published == true(),
            ResponseAnswer.value.is_not(None),
        )
    ):
        if item_id in position:
            cells[response_id][position[item_id]] = str(value)
    return rows_of


def export_responses(
    session: Session,
    assessment: Assessment,
    questionnaire: Questionnaire,
    shuffle: random.Random | None = None,
) -> Export:
    """The anonymous responses as CSV (the import's format), without teams below the threshold.

    Rows are grouped by team and shuffled within each team, so their order says
    nothing about when anyone answered. No ``unit`` column: a small unit could be
    picked out even inside a team that is large enough. The ``source`` column beside the
    team says where each came from (``source_label``), with imported groups too small to be
    named pooled (``pool_small_sources``); the import ignores it.
    """
    result = compute_results(session, assessment, questionnaire)
    shown = [team for team in assessment.teams if not result.teams[team.key].withheld]
    withheld = [team.name for team in assessment.teams if result.teams[team.key].withheld]
    rows_of = _export_rows(session, [team.id for team in shown], questionnaire.item_ids)
    shuffler = shuffle or random.SystemRandom()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([TEAM, SOURCE, *questionnaire.item_ids, COMMENT])
    count = 0
    for team in shown:
        rows = rows_of[team.id]
        for row, label in zip(
            rows, pool_small_sources([row[0] for row in rows], assessment.min_group_size), strict=True
        ):
            row[0] = label
        shuffler.shuffle(rows)
        writer.writerows([team.key, *row] for row in rows)
        count += len(rows)
    return Export(("\ufeff" + out.getvalue()).encode("utf-8"), withheld, count)
