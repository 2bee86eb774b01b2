"""Assessments: creation with their teams, lookup by slug, and the teams' survey links."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .accounts import find_organization
from .domain.questionnaire import Questionnaire
from .domain.scoring import MIN_GROUP_FLOOR
from .errors import InvalidInput, NotFound
from .models import Assessment, Organization, Team
from .slugs import slugify, unique_slug
from .tokens import new_link, stored_link_token

#: The teams every new assessment starts with: (key, display name).
DEFAULT_TEAMS = (("sales", "Sales"), ("marketing", "Marketing"))

#: Longest organization or assessment name (the database columns' size).
MAX_NAME_LENGTH = 200
#: Largest minimum group size (the anonymity threshold) that makes sense.
MAX_MIN_GROUP = 1000

#: Purpose string mixed into team link tokens, so they never equal another kind of token.
TEAM_LINK = "team-link"


def check_min_group(min_group: int) -> None:
    """Refuse an anonymity threshold below the floor (or absurdly large)."""
    if min_group < MIN_GROUP_FLOOR:
        raise InvalidInput(
            f"the minimum group size must be at least {MIN_GROUP_FLOOR} to keep answers anonymous,"
            f" not {min_group}"
        )
    if min_group > MAX_MIN_GROUP:
        raise InvalidInput(f"the minimum group size must be at most {MAX_MIN_GROUP}, not {min_group}")


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
    """Create an assessment (and its organization if new) with its teams and their links."""
    name = name.strip()
    if not name:
        raise InvalidInput("the assessment name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the assessment name is longer than {MAX_NAME_LENGTH} characters")
    check_min_group(min_group)
    org = get_or_create_organization(session, organization)
    duplicate = session.scalar(
        select(Assessment.id).where(Assessment.organization_id == org.id, Assessment.name == name)
    )
    if duplicate is not None:
        raise InvalidInput(f"{org.name} already has an assessment named {name!r}")
    slug = unique_slug(
        f"{slugify(org.slug, 40)}-{slugify(name, 60)}",
        lambda s: session.scalar(select(Assessment.id).where(Assessment.slug == s)) is not None,
    )
    assessment = Assessment(
        organization=org,
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
