"""Assessments: creation with their teams (every rule, for the workspace and the command line
alike), lookup by slug, and the teams' survey links."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .accounts import find_organization
from .domain.questionnaire import Questionnaire
from .domain.scoring import MIN_GROUP_FLOOR
from .errors import FieldInvalid, InvalidInput, NotFound
from .models import ActionItem, Assessment, Organization, Team
from .slugs import slugify, unique_slug
from .tokens import new_link, stored_link_token

#: The teams every new assessment starts with: (key, display name).
DEFAULT_TEAMS = (("sales", "Sales"), ("marketing", "Marketing"))

#: Longest organization or assessment name (the database columns' size).
MAX_NAME_LENGTH = 200
#: Largest minimum group size (the anonymity threshold) that makes sense.
MAX_MIN_GROUP = 1000
#: Most teams an assessment can have (the charts have five team colours).
MAX_TEAMS = 5
#: Longest team name (the database column's size).
MAX_TEAM_NAME_LENGTH = 100
#: Longest purpose text shown to respondents.
MAX_PURPOSE_LENGTH = 2000
#: Largest headcount accepted for one team.
MAX_HEADCOUNT = 100_000

#: Purpose string mixed into team link tokens, so they never equal another kind of token.
TEAM_LINK = "team-link"


# --- The rules ---------------------------------------------------------------------------------------
# Each raises ``FieldInvalid`` naming the workspace form's field; the command line shows the reason.


def one_line(text: str) -> str:
    """A name as stored: trimmed, with every run of white space made one space."""
    return " ".join(text.split())


def check_text(name: str, purpose: str) -> None:
    """Refuse an empty or overlong assessment name, or an overlong purpose."""
    if not name:
        raise FieldInvalid("name", "Enter a name for the assessment.")
    if len(name) > MAX_NAME_LENGTH:
        raise FieldInvalid("name", f"The name must be at most {MAX_NAME_LENGTH} characters long.")
    if len(purpose) > MAX_PURPOSE_LENGTH:
        raise FieldInvalid("purpose", f"The purpose must be at most {MAX_PURPOSE_LENGTH} characters long.")


def check_unique_name(
    session: Session, organization_id: int, name: str, assessment_id: int | None = None
) -> None:
    """Refuse a name (in any case) that another assessment of the organization has."""
    query = select(Assessment.id).where(
        Assessment.organization_id == organization_id, func.lower(Assessment.name) == name.lower()
    )
    if assessment_id is not None:
        query = query.where(Assessment.id != assessment_id)
    if session.scalar(query) is not None:
        raise FieldInvalid("name", f"This organization already has an assessment named {name!r}.")


def check_min_group(min_group: int) -> None:
    """Refuse an anonymity threshold below the floor (or absurdly large)."""
    if min_group < MIN_GROUP_FLOOR:
        raise FieldInvalid(
            "min_group_size",
            f"The minimum group size must be at least {MIN_GROUP_FLOOR}, so that no one's answers"
            " can be picked out.",
        )
    if min_group > MAX_MIN_GROUP:
        raise FieldInvalid("min_group_size", f"The minimum group size must be at most {MAX_MIN_GROUP}.")


def check_dates(opens_on: date | None, closes_on: date | None) -> None:
    """Refuse a closing date before the opening date."""
    if opens_on is not None and closes_on is not None and closes_on < opens_on:
        raise FieldInvalid("closes_on", "The closing date must not be before the opening date.")


def clean_team_name(name: str | None) -> str:
    """A team name as stored (None, not sent, is empty)."""
    return one_line(name or "")


def check_team(index: int, name: str, headcount: int | None) -> None:
    """Refuse an overlong team name or a headcount out of bounds (``index``: the team's row)."""
    if len(name) > MAX_TEAM_NAME_LENGTH:
        raise FieldInvalid(
            f"teams-{index}-name", f"The team name must be at most {MAX_TEAM_NAME_LENGTH} characters long."
        )
    if headcount is not None and not 1 <= headcount <= MAX_HEADCOUNT:
        raise FieldInvalid(
            f"teams-{index}-headcount", f"The headcount must be a whole number from 1 to {MAX_HEADCOUNT}."
        )


def check_team_names(rows: Sequence[tuple[int, str, str]]) -> None:
    """Refuse team names (or ids) two teams share: the import finds a team by either.

    ``rows`` holds each team's row, key and name.
    """
    seen: dict[str, int] = {}
    for index, key, name in rows:
        for label in {key.casefold(), name.casefold()}:
            if label in seen and seen[label] != index:
                raise FieldInvalid(f"teams-{index}-name", f"Another team is already called {name!r}.")
            seen[label] = index


def new_team_keys(existing: Iterable[str], names: Iterable[str]) -> list[str]:
    """Stable ids for new teams, from their names: "Customer Success" → ``customer-success``."""
    taken = set(existing)
    keys = []
    for name in names:
        key = unique_slug(slugify(name, 36), lambda candidate: candidate in taken)
        taken.add(key)
        keys.append(key)
    return keys


def opening_moment(day: date | None) -> datetime | None:
    """An opening date as the first moment of that day (UTC)."""
    return None if day is None else datetime.combine(day, time.min, UTC)


def closing_moment(day: date | None) -> datetime | None:
    """A closing date as the last second of that day (UTC): the closing day is still open."""
    return None if day is None else datetime.combine(day, time(23, 59, 59), UTC)


# --- Creating assessments ----------------------------------------------------------------------------


def get_or_create_organization(session: Session, name: str) -> Organization:
    """The organization with this name, created when new."""
    name = name.strip()
    if not name:
        raise InvalidInput("the organization name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the organization name is longer than {MAX_NAME_LENGTH} characters")
    try:
        return find_organization(session, name)
    except NotFound:
        pass
    slug = unique_slug(
        slugify(name),
        lambda s: session.scalar(select(Organization.id).where(Organization.slug == s)) is not None,
    )
    org = Organization(name=name, slug=slug)
    session.add(org)
    session.flush()
    return org


def new_team(secret_key: str, key: str, name: str, position: int) -> Team:
    """A team with a fresh survey link."""
    salt, link_hash = new_link(secret_key, TEAM_LINK)
    return Team(key=key, name=name, position=position, link_salt=salt, link_hash=link_hash)


@dataclass(frozen=True)
class TeamInput:
    """One row of the teams on a form: ``name`` None when the form did not send it."""

    name: str | None
    headcount: int | None


@dataclass(frozen=True)
class AssessmentInput:
    """What a new assessment is made of: the new-assessment form's fields, or the command's options."""

    name: str
    questionnaire: Questionnaire
    min_group: int
    teams: Sequence[TeamInput] = tuple(TeamInput(label, None) for _key, label in DEFAULT_TEAMS)
    opens_on: date | None = None
    closes_on: date | None = None
    purpose: str = ""


def create_new_assessment(
    session: Session,
    organization: Organization,
    data: AssessmentInput,
    secret_key: str,
    created_by_id: int | None = None,
) -> Assessment:
    """Create an assessment for ``organization`` with its teams, headcounts, dates and purpose.

    Every rule is checked here, for the workspace form and ``flask assessment create`` alike;
    the first broken one raises ``FieldInvalid`` and nothing is stored.
    """
    name, purpose = one_line(data.name), data.purpose.strip()
    check_text(name, purpose)
    check_unique_name(session, organization.id, name)
    check_min_group(data.min_group)
    check_dates(data.opens_on, data.closes_on)
    rows = [(i, clean_team_name(t.name), t.headcount) for i, t in enumerate(data.teams)][:MAX_TEAMS]
    if len(rows) < len(DEFAULT_TEAMS):
        raise FieldInvalid("teams-0-name", "Name the sales and the marketing team.")
    for index, team_name, headcount in rows:
        if not team_name and index < len(DEFAULT_TEAMS):
            raise FieldInvalid(
                f"teams-{index}-name", f"Enter the name of the {DEFAULT_TEAMS[index][1].lower()} team."
            )
        if not team_name and headcount is not None:
            raise FieldInvalid(f"teams-{index}-name", "Enter the team's name, or clear its headcount.")
        check_team(index, team_name, headcount)
    given = [(index, team_name, headcount) for index, team_name, headcount in rows if team_name]
    # Sales and Marketing keep their well-known ids whatever they are called: the
    # perception gap is measured between these two (scoring.GAP_PAIR).
    keys = [key for key, _label in DEFAULT_TEAMS]
    keys += new_team_keys(keys, (team_name for _, team_name, _ in given[len(DEFAULT_TEAMS) :]))
    check_team_names(
        [(index, key, team_name) for (index, team_name, _), key in zip(given, keys, strict=True)]
    )
    assessment = _add_assessment(
        session,
        organization,
        name,
        data.questionnaire,
        secret_key,
        data.min_group,
        tuple((key, team_name) for (_, team_name, _), key in zip(given, keys, strict=True)),
    )
    for team, (_, _, headcount) in zip(assessment.teams, given, strict=True):
        team.headcount = headcount
    assessment.opens_at = opening_moment(data.opens_on)
    assessment.closes_at = closing_moment(data.closes_on)
    assessment.purpose = purpose
    assessment.created_by_id = created_by_id
    session.flush()
    return assessment


def create_assessment(
    session: Session,
    *,
    organization: str,
    name: str,
    questionnaire: Questionnaire,
    secret_key: str,
    min_group: int = 5,
    teams: tuple[tuple[str, str], ...] = DEFAULT_TEAMS,
) -> Assessment:
    """Create an assessment with exactly these teams (key, name), for the demo, scripts and tests.

    The organization (name or slug) is created when new. The name and the minimum group size
    are checked by the rules of ``create_new_assessment``, which people's input goes through.
    """
    org = get_or_create_organization(session, organization)
    name = one_line(name)
    check_text(name, "")
    check_unique_name(session, org.id, name)
    check_min_group(min_group)
    return _add_assessment(session, org, name, questionnaire, secret_key, min_group, teams)


def _add_assessment(
    session: Session,
    organization: Organization,
    name: str,
    questionnaire: Questionnaire,
    secret_key: str,
    min_group: int,
    teams: tuple[tuple[str, str], ...],
) -> Assessment:
    """Store a checked assessment with its teams (key, name) and their survey links.

    ``organization`` may belong to another session (a page's reading one): only its id and slug
    are read.
    """
    slug = unique_slug(
        f"{slugify(organization.slug, 40)}-{slugify(name, 60)}",
        lambda s: session.scalar(select(Assessment.id).where(Assessment.slug == s)) is not None,
    )
    assessment = Assessment(
        organization_id=organization.id,
        slug=slug,
        name=name,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        min_group_size=min_group,
        teams=[new_team(secret_key, key, label, i) for i, (key, label) in enumerate(teams)],
    )
    session.add(assessment)
    session.flush()
    return assessment


# --- Running an assessment again --------------------------------------------------------------------

#: A name that ends in a wave number: "Alignment review 2026 — wave 2" (en dash or hyphen too).
WAVE_SUFFIX = re.compile(r"^(?P<base>.*?)\s+[—–-]\s+wave\s+(?P<number>[0-9]+)$", re.IGNORECASE)


def next_wave_name(session: Session, source: Assessment) -> str:
    """A name for the wave after ``source`` that its organization has not used (in any case).

    "Alignment review 2026" gives "Alignment review 2026 — wave 2"; a name that already ends in
    "— wave N" gives "— wave N+1"; the number goes up until the name is free.
    """
    found = WAVE_SUFFIX.match(source.name)
    base, number = (found["base"], int(found["number"]) + 1) if found else (source.name, 2)
    taken = {
        name.casefold()
        for name in session.scalars(
            select(Assessment.name).where(Assessment.organization_id == source.organization_id)
        )
    }
    while True:
        suffix = f" — wave {number}"
        name = base[: MAX_NAME_LENGTH - len(suffix)].rstrip() + suffix
        if name.casefold() not in taken:
            return name
        number += 1


def rerun_assessment(
    session: Session,
    source: Assessment,
    *,
    name: str | None,
    opens_on: date | None,
    closes_on: date | None,
    created_by: int | None,
    questionnaire: Questionnaire,
    secret_key: str,
) -> Assessment:
    """Create the next wave of ``source`` for the same organization, and carry its action plan.

    The wave has the same questionnaire (at the version ``questionnaire``, the catalog's, has
    now), teams (keys, names, headcounts, order), minimum group size, purpose and way of taking
    answers (``invitations_only``); its own name (``next_wave_name`` when None), dates and
    survey links; and no responses, invitations, commentary, releases or import batches. Each
    action of the plan is copied with its status and statements, ``carried_from_id`` pointing
    at the original. ``created_by`` is the id of the user who runs it again.

    The rules are those of ``create_new_assessment``: the first broken one raises
    ``FieldInvalid`` and nothing is stored.
    """
    if questionnaire.id != source.questionnaire_id:
        raise InvalidInput(
            f"assessment {source.slug!r} uses questionnaire {source.questionnaire_id!r},"
            f" not {questionnaire.id!r}"
        )
    name = next_wave_name(session, source) if name is None else one_line(name)
    check_text(name, source.purpose)
    check_unique_name(session, source.organization_id, name)
    check_dates(opens_on, closes_on)
    teams = list(source.teams)
    actions = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.assessment_id == source.id)
            .order_by(ActionItem.position, ActionItem.id)
        )
    )
    wave = _add_assessment(
        session,
        source.organization,
        name,
        questionnaire,
        secret_key,
        source.min_group_size,
        tuple((team.key, team.name) for team in teams),
    )
    for team, old in zip(wave.teams, teams, strict=True):
        team.headcount = old.headcount
    wave.purpose = source.purpose
    wave.invitations_only = source.invitations_only
    wave.opens_at = opening_moment(opens_on)
    wave.closes_at = closing_moment(closes_on)
    wave.created_by_id = created_by
    for position, action in enumerate(actions):
        session.add(
            ActionItem(
                assessment_id=wave.id,
                position=position,
                action=action.action,
                owner=action.owner,
                due_on=action.due_on,
                status=action.status,
                statements=action.statements,
                carried_from_id=action.id,
            )
        )
    session.flush()
    return wave


# --- Lookup and links --------------------------------------------------------------------------------


def get_assessment(session: Session, slug: str) -> Assessment:
    """The assessment with this slug, its organization and teams loaded; or ``NotFound``."""
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.slug == slug)
        .options(selectinload(Assessment.teams), selectinload(Assessment.organization))
    )
    if assessment is None:
        raise NotFound(f"no assessment with slug {slug!r}")
    return assessment


@dataclass(frozen=True)
class TeamLink:
    """A team's survey link, ready to hand out."""

    team: str
    url: str


def team_links(assessment: Assessment, secret_key: str, base_url: str) -> list[TeamLink]:
    """Each team's absolute survey URL (``/s/<token>``)."""
    links = []
    for team in assessment.teams:
        token = stored_link_token(secret_key, TEAM_LINK, team.link_salt, team.link_hash)
        if token is None:
            raise InvalidInput(
                f"the link of team {team.key!r} was made with another SECRET_KEY;"
                " set the SECRET_KEY it was created with"
            )
        links.append(TeamLink(team.key, f"{base_url.rstrip('/')}/s/{token}"))
    return links
