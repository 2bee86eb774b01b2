"""A demo assessment with realistic synthetic responses, for trying the product out.

The answers are drawn from a fixed seed: each team has its own view of every
statement (Sales rates the relationship higher than Marketing does on most of
them, as the article observed), each respondent a personal tendency, and a few
people answer "don't know" or stop early.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import create_user, hash_password
from .assessments import create_assessment, get_or_create_organization
from .domain.questionnaire import Questionnaire
from .models import ActionItem, ActionStatus, Assessment, ResponseSource, Role, User
from .releases.services import release
from .responses import NewResponse, add_responses

QUESTIONNAIRE = "kotler-2006"
ORGANIZATION = "Northwind Components"
ASSESSMENT = "Alignment review 2026"
CONSULTANT = "consultant@demo.example"
LEADER = "leader@demo.example"
SEED = 2006
PURPOSE = (
    "Northwind's leadership wants to know how well sales and marketing work together today,"
    " so that next year's plan starts with the changes that matter most to both teams."
)

#: Each team's typical answer (1–5) per statement, k01…k20, and its head count.
PROFILES: dict[str, tuple[int, tuple[float, ...]]] = {
    "sales": (
        24,
        (3.8, 3.3, 2.6, 2.4, 2.5, 4.1, 3.7, 3.5, 3.3, 3.4, 2.7, 3.4, 3.0, 3.3, 2.6, 3.7, 2.4, 2.2, 2.8, 3.1),
    ),
    "marketing": (
        19,
        (2.6, 2.1, 2.6, 2.9, 3.6, 2.0, 3.0, 2.9, 3.0, 2.3, 2.5, 2.5, 2.8, 2.6, 3.1, 2.4, 2.0, 1.9, 2.4, 2.4),
    ),
}

COMMENTS = {
    "sales": [
        "Give us case studies we can actually send to buyers, not brochures.",
        "Marketing should sit in on our pipeline review once a month.",
        "Agree once and for all on what a qualified lead is.",
        "Leads arrive late and without context.",
    ],
    "marketing": [
        "We never hear back from sales about which campaigns produced deals.",
        "Sales should be part of planning next year's launches, not just told about them.",
        "One shared dashboard with the same numbers for both teams.",
    ],
}


@dataclass(frozen=True)
class DemoAccounts:
    """The demo assessment and the sign-in details created or reset for it."""

    slug: str
    created: bool
    passwords: dict[str, str]


#: The consultant's reading of the demo's results, as a consultant would write it for leadership.
COMMENTARY = (
    "Sales and marketing at Northwind work together at the Defined stage: the rules are there,"
    " but the two teams still plan and judge their work apart.\n\n"
    "The clearest signal is feedback. Sales says it tells marketing what it needs; marketing says"
    " it rarely learns which campaigns led to deals. Both can be true, and the workshop starts there.\n\n"
    "Aligned is within reach: a few statements about shared planning and analysis are where to begin."
    " We suggest a 90-day programme with the actions below, and a repeat survey in the autumn."
)
#: The demo's action plan: (action, owner, due, status).
ACTIONS = (
    (
        "Run a half-day joint workshop on the three largest gaps",
        "Heads of sales and marketing",
        date(2027, 1, 15),
        ActionStatus.DONE,
    ),
    (
        "Agree a written definition of a qualified lead and the hand-off rules",
        "Marketing operations lead",
        date(2027, 2, 1),
        ActionStatus.IN_PROGRESS,
    ),
    (
        "Start a monthly joint pipeline review with an action log",
        "Head of sales",
        date(2027, 2, 15),
        ActionStatus.PLANNED,
    ),
    ("Repeat the survey to measure progress", "Alex Morgan", date(2027, 9, 30), ActionStatus.PLANNED),
)
RELEASE_NOTE = "First results while the survey is open: we go through them together at the kick-off workshop."


def _answer(rng: random.Random, typical: float, tendency: float) -> int | None:
    if rng.random() < 0.04:
        return None  # "don't know"
    value = round(typical + tendency + rng.gauss(0, 0.75))
    return min(5, max(1, value))


def synthetic_responses(q: Questionnaire, seed: int = SEED) -> list[NewResponse]:
    """The demo's responses: reproducible for a given seed."""
    rng = random.Random(seed)
    responses = []
    for team, (count, typical) in PROFILES.items():
        comments = iter(COMMENTS[team])
        for person in range(count):
            tendency = rng.gauss(0, 0.45)
            answers = {
                item_id: _answer(rng, mean, tendency)
                for item_id, mean in zip(q.item_ids, typical, strict=True)
            }
            if person % 11 == 10:  # someone who stopped after a few statements
                answers = {k: (v if i < 9 else None) for i, (k, v) in enumerate(answers.items())}
            comment = next(comments, None) if person % 3 == 0 else None
            responses.append(NewResponse(team, answers, comment=comment))
    return responses


def _account(session: Session, email: str, name: str, role: Role, organization: str) -> tuple[User, str]:
    """The demo account (created the first time) with a fresh password."""
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_user(session, email, role, password, organization)
        user.name = name
    else:
        user.password_hash = hash_password(password)
    return user, password


def load_demo(session: Session, q: Questionnaire, secret_key: str) -> DemoAccounts:
    """Create the demo (once) and give its accounts fresh passwords; the caller commits."""
    org = get_or_create_organization(session, ORGANIZATION)
    assessment = session.scalar(
        select(Assessment).where(Assessment.organization_id == org.id, Assessment.name == ASSESSMENT)
    )
    consultant, consultant_password = _account(session, CONSULTANT, "Alex Morgan", Role.CONSULTANT, org.name)
    _, leader_password = _account(session, LEADER, "Jordan Lee", Role.LEADER, org.name)
    created = assessment is None
    if assessment is None:
        assessment = create_assessment(
            session, organization=org.name, name=ASSESSMENT, questionnaire=q, secret_key=secret_key
        )
        assessment.created_by_id = consultant.id
        assessment.purpose = PURPOSE
        add_responses(session, assessment, q, synthetic_responses(q), ResponseSource.DEMO)
        for team in assessment.teams:
            team.headcount = round(PROFILES.get(team.key, (0, ()))[0] * 1.4) or None
        assessment.commentary = COMMENTARY
        assessment.actions = [
            ActionItem(position=n, action=action, owner=owner, due_on=due, status=status)
            for n, (action, owner, due, status) in enumerate(ACTIONS)
        ]
        # The consultant has released the results so far: the leader lands on them.
        session.flush()
        release(session, assessment, q, released_by_id=consultant.id, note=RELEASE_NOTE)
    return DemoAccounts(assessment.slug, created, {CONSULTANT: consultant_password, LEADER: leader_password})
