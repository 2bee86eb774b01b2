"""A demo programme with realistic synthetic responses, for trying the product out.

Two waves of one organization: a baseline a year ago, closed and released, and this year's
review run again from it (its action plan carried over and followed up), still open and
released once. The answers are drawn from a fixed seed: each team has its own view of every
statement (Sales rates the relationship higher than Marketing does on most of them, as the
article observed), each respondent a personal tendency, and a few people answer "don't
know" or stop early. The baseline's teams stood lower, most of all on the statements the
plan then worked on.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import create_user, hash_password
from .assessments import create_assessment, get_or_create_organization, rerun_assessment
from .domain.questionnaire import Questionnaire
from .models import ActionItem, ActionStatus, Assessment, ResponseSource, Role, User
from .releases.services import release
from .responses import NewResponse, add_responses

QUESTIONNAIRE = "kotler-2006"
ORGANIZATION = "Northwind Components"
ASSESSMENT = "Alignment review 2026"
BASELINE = "Alignment baseline 2025"
#: When the baseline ran (closed long ago: the review is the organization's newest wave).
BASELINE_OPENS = datetime(2025, 10, 6, tzinfo=UTC)
BASELINE_CLOSES = datetime(2025, 10, 24, 23, 59, 59, tzinfo=UTC)
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
    "A year after the baseline, both teams rate the relationship about nine points higher. Sales"
    " now places it at the Aligned stage; marketing still sees a Defined relationship, so overall"
    " Northwind stands at Defined, close to Aligned.\n\n"
    "The actions of last year's plan show in the statements they aimed at: after the joint"
    " workshop, feedback to marketing and meetings free of disputes moved most. Since the shared"
    " definition of a qualified lead, marketing sees a funnel designed together a full point more"
    " often; sales is less convinced. The joint pipeline review has only just started.\n\n"
    "The clearest remaining signal is still feedback to marketing on which campaigns led to deals."
    " We suggest finishing the pipeline review and measuring again next autumn."
)
#: The demo's action plan, made after the baseline: (action, owner, due, status now, the
#: statements it aims to move).
ACTIONS = (
    (
        "Run a half-day joint workshop on the three largest gaps",
        "Heads of sales and marketing",
        date(2026, 1, 15),
        ActionStatus.DONE,
        "k06 k10",
    ),
    (
        "Agree a written definition of a qualified lead and the hand-off rules",
        "Marketing operations lead",
        date(2026, 3, 1),
        ActionStatus.DONE,
        "k07 k14",
    ),
    (
        "Start a monthly joint pipeline review with an action log",
        "Head of sales",
        date(2027, 2, 15),
        ActionStatus.IN_PROGRESS,
        "k12 k15",
    ),
    ("Repeat the survey to measure progress", "Alex Morgan", date(2026, 11, 30), ActionStatus.DONE, ""),
)
#: How much lower each team answered every statement at the baseline, and further lower the
#: statements the plan then worked on.
BASELINE_SHIFT = {"sales": -0.35, "marketing": -0.3}
WORKED_ON_SHIFT = -0.4
BASELINE_SEED = 2005
BASELINE_NOTE = "Baseline results, as presented at the leadership offsite."
RELEASE_NOTE = "First results while the survey is open: we go through them together at the kick-off workshop."


def _answer(rng: random.Random, typical: float, tendency: float) -> int | None:
    if rng.random() < 0.04:
        return None  # "don't know"
    value = round(typical + tendency + rng.gauss(0, 0.75))
    return min(5, max(1, value))


def synthetic_responses(
    q: Questionnaire, seed: int = SEED, shift: Mapping[str, Mapping[str, float]] | None = None
) -> list[NewResponse]:
    """The demo's responses: reproducible for a given seed; ``shift`` moves a team's typical
    answers per statement (team → item id → change)."""
    rng = random.Random(seed)
    responses = []
    for team, (count, typical) in PROFILES.items():
        comments = iter(COMMENTS[team])
        moved = (shift or {}).get(team, {})
        for person in range(count):
            tendency = rng.gauss(0, 0.45)
            answers = {
                item_id: _answer(rng, mean + moved.get(item_id, 0.0), tendency)
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


def baseline_shift(q: Questionnaire) -> dict[str, dict[str, float]]:
    """How the baseline's teams answered each statement below this year's."""
    worked_on = {item_id for *_, statements in ACTIONS for item_id in statements.split()}
    return {
        team: {item_id: base + (WORKED_ON_SHIFT if item_id in worked_on else 0.0) for item_id in q.item_ids}
        for team, base in BASELINE_SHIFT.items()
    }


def _baseline(session: Session, q: Questionnaire, secret_key: str, consultant: User) -> Assessment:
    """Last year's wave: closed, released, and its plan made (all of it still planned then)."""
    baseline = create_assessment(
        session, organization=ORGANIZATION, name=BASELINE, questionnaire=q, secret_key=secret_key
    )
    baseline.created_by_id = consultant.id
    baseline.purpose = PURPOSE
    baseline.opens_at, baseline.closes_at = BASELINE_OPENS, BASELINE_CLOSES
    baseline.close()
    add_responses(
        session, baseline, q, synthetic_responses(q, BASELINE_SEED, baseline_shift(q)), ResponseSource.DEMO
    )
    for team in baseline.teams:
        team.headcount = round(PROFILES.get(team.key, (0, ()))[0] * 1.4) or None
    baseline.actions = [
        ActionItem(position=n, action=action, owner=owner, due_on=due, statements=statements)
        for n, (action, owner, due, _, statements) in enumerate(ACTIONS)
    ]
    session.flush()
    release(session, baseline, q, released_by_id=consultant.id, note=BASELINE_NOTE, now=BASELINE_CLOSES)
    return baseline


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
        baseline = _baseline(session, q, secret_key, consultant)
        # This year's review is the baseline run again: same set-up, the plan carried over.
        assessment = rerun_assessment(
            session,
            baseline,
            name=ASSESSMENT,
            opens_on=None,
            closes_on=None,
            created_by=consultant.id,
            questionnaire=q,
            secret_key=secret_key,
        )
        add_responses(session, assessment, q, synthetic_responses(q), ResponseSource.DEMO)
        assessment.commentary = COMMENTARY
        for item, (*_, status, _statements) in zip(assessment.actions, ACTIONS, strict=True):
            item.status = status
        # The consultant has released the results so far: the leader lands on them.
        session.flush()
        release(session, assessment, q, released_by_id=consultant.id, note=RELEASE_NOTE)
    return DemoAccounts(assessment.slug, created, {CONSULTANT: consultant_password, LEADER: leader_password})
