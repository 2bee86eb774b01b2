"""The respondents' survey: finding links, keeping drafts, and recording a response exactly once.

Functions here take a SQLAlchemy session and plain values; they never touch the
request. Write functions expect the caller's ``db.write_session()`` and leave the
commit to it. Resume tokens are random and only their hash is stored, so a draft
can be reached by its link or code but the database alone never reveals them.

A draft's answers and comment are stored sealed (see ``sealing``) under a token the
database does not hold: a personal invitation's token, derived from its salt with the
app's secret key (the callers pass it in), or else the draft's own resume token. So the
database alone cannot tie saved answers to the invitation, and thus to a name.
"""

from __future__ import annotations

import enum
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, joinedload

from ..distribute.services import INVITATION_LINK
from ..domain.questionnaire import Questionnaire
from ..errors import InvalidInput, NotFound
from ..models import (
    Assessment,
    AssessmentStatus,
    Draft,
    Invitation,
    Response,
    ResponseSource,
    Team,
    is_accepting,
)
from ..responses import NewResponse, store_responses
from ..tokens import stored_link_token, token_hash
from .sealing import DraftUnreadable, seal, unseal

#: The stored (and posted) value of a "don't know" answer.
DONT_KNOW = "dk"
#: Longest comment a respondent may write.
MAX_COMMENT = 2000
#: Seconds a respondent needs per statement, for the "about N minutes" estimate.
SECONDS_PER_STATEMENT = 15
#: Longest token worth looking up (real ones have 24–43 characters).
MAX_TOKEN_LENGTH = 200
#: The characters of a resume code: digits and capitals without look-alikes (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: Characters in a resume code: 24 of 31 carry 118 random bits.
CODE_LENGTH = 24
#: A resume code is shown and linked in groups of this many characters, joined by hyphens.
CODE_GROUP = 4

DEFAULT_PURPOSE = (
    "Your company wants to understand how well its {teams} teams work together today,"
    " so that it can decide what to improve first."
)

#: A draft's answers: item id -> scale value, or "dk".
DraftAnswers = dict[str, int | str]


def new_resume_token() -> str:
    """A fresh resume code, easy to read and type: 24 characters without look-alikes (118 random
    bits), shown in groups of four ("7KQM-…")."""
    return display_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def _short_code(token: str) -> str | None:
    """The resume code in ``token`` in capitals without hyphens or spaces, or None when
    ``token`` is no short code."""
    squeezed = "".join(token.split()).replace("-", "").upper()
    if len(squeezed) == CODE_LENGTH and all(char in CODE_ALPHABET for char in squeezed):
        return squeezed
    return None


def canonical_code(token: str) -> str:
    """A resume code as its hash and key are made from: capitals, without hyphens or spaces.

    A code may be typed in any case, with or without its hyphens; anything else (a longer
    token handed out before the codes were shortened) is left exactly as it is.
    """
    return _short_code(token) or token


def display_code(token: str) -> str:
    """A resume code as shown and linked: in hyphenated groups of four; an older token as it
    was handed out."""
    code = _short_code(token)
    if code is None:
        return token
    return "-".join(code[start : start + CODE_GROUP] for start in range(0, CODE_LENGTH, CODE_GROUP))


def draft_hash(token: str) -> str:
    """The stored hash of a draft's resume ``token`` (however the code was typed);
    ``NotFound`` for what cannot be one."""
    return _hash_of(canonical_code(token))


def field_name(item_id: str) -> str:
    """The form field of a statement (prefixed, so no item id can clash with another field)."""
    return f"q_{item_id}"


# --- finding what a link points to ----------------------------------------------------


def _hash_of(token: str) -> str:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("no such link")
    return token_hash(token)


def _team_options():  # noqa: ANN202 - SQLAlchemy loader options
    return (
        joinedload(Team.assessment).joinedload(Assessment.organization),
        joinedload(Team.assessment).joinedload(Assessment.created_by),
    )


#: A team by the hash of its link, with what its welcome page names. Built once, so each
#: respondent's welcome page skips building the statement and its cache key.
_TEAM_BY_LINK = select(Team).where(Team.link_hash == bindparam("link_hash")).options(*_team_options())


def find_team(session: Session, token: str) -> Team:
    """The team whose survey link is ``token``, with its assessment, organization and
    consultant (which the welcome and closed pages name), or ``NotFound``."""
    team = session.scalar(_TEAM_BY_LINK, {"link_hash": _hash_of(token)})
    if team is None:
        raise NotFound("no such survey link")
    return team


@dataclass(frozen=True)
class TeamLinkTarget:
    """What a team's survey link leads to, as its questionnaire needs it: plain values, so a
    server process can keep it for a few seconds (see ``link_cache``)."""

    link_hash: str
    team_id: int
    team_key: str
    #: The assessment's slug (named in errors) and questionnaire.
    slug: str
    questionnaire_id: str
    status: AssessmentStatus
    opens_at: datetime | None
    closes_at: datetime | None
    min_group_size: int
    #: Team links are off: only personal invitations take answers.
    invitations_only: bool

    def is_accepting(self, now: datetime) -> bool:
        """Whether the survey takes responses at ``now``."""
        return is_accepting(self.status, self.opens_at, self.closes_at, now)


_LINK = (
    select(
        Team.id,
        Team.key,
        Assessment.slug,
        Assessment.questionnaire_id,
        Assessment.status,
        Assessment.opens_at,
        Assessment.closes_at,
        Assessment.min_group_size,
        Assessment.invitations_only,
    )
    .join(Team.assessment)
    .where(Team.link_hash == bindparam("link_hash"))
)


def link_hash(token: str) -> str:
    """The stored hash of a link's ``token``; ``NotFound`` for what cannot be a token."""
    return _hash_of(token)


def find_link(session: Session, token: str) -> TeamLinkTarget:
    """What the team survey link ``token`` leads to now, or ``NotFound``.

    One query on the session's connection, in its transaction: no ORM objects, so the
    ORM's handling of a statement (autoflush, loader options) is skipped; it halves the
    query's cost, which every respondent's send pays.
    """
    hashed = _hash_of(token)
    row = session.connection().execute(_LINK, {"link_hash": hashed}).one_or_none()
    if row is None:
        raise NotFound("no such survey link")
    return TeamLinkTarget(hashed, *row)


def find_invitation(session: Session, token: str) -> Invitation:
    """The invitation whose personal link is ``token`` (with team and assessment), or ``NotFound``."""
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.link_hash == _hash_of(token))
        .options(joinedload(Invitation.team).options(*_team_options()))
    )
    if invitation is None:
        raise NotFound("no such invitation")
    return invitation


def find_draft(session: Session, token: str, *, for_update: bool = False) -> Draft:
    """The draft whose resume token is ``token`` (with team and assessment), or ``NotFound``.

    ``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite's
    write transactions are exclusive anyway), so two submits of one draft queue up.
    The write paths that lock it need only the team and assessment, so they skip the
    joins the pages need.
    """
    query = select(Draft).where(Draft.resume_hash == draft_hash(token))
    if for_update:
        query = (
            query.options(joinedload(Draft.team).joinedload(Team.assessment))
            .with_for_update(of=Draft)
            .execution_options(populate_existing=True)
        )
    else:
        query = query.options(joinedload(Draft.team).options(*_team_options()))
    draft = session.scalar(query)
    if draft is None:
        raise NotFound("no such draft")
    return draft


def is_waiting(session: Session, token: str) -> bool:
    """Whether the personal link ``token`` exists and its person has not answered yet."""
    try:
        return not find_invitation(session, token).has_answered
    except NotFound:
        return False


def has_draft(session: Session, invitation_id: int) -> bool:
    """Whether a personal invitation has answers saved but not yet submitted."""
    return session.scalar(select(Draft.id).where(Draft.invitation_id == invitation_id)) is not None


def resume_code(text: str) -> str:
    """The resume code in what a respondent typed: the code itself (in any case, with or without
    its hyphens), or the whole resume link; shown as links show it."""
    text = text.strip()
    if "/" in text:
        text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return display_code(text)


# --- what the respondent is told ------------------------------------------------------


@dataclass(frozen=True)
class Welcome:
    """What the welcome page says about the survey."""

    organization: str
    consultant: str
    team: str
    #: The assessment's teams, the respondent's own first ("Marketing and Sales").
    teams: str
    purpose: str
    statements: int
    minutes: int
    min_group_size: int
    #: The scale's ends and the "don't know" choice, as labelled in the questionnaire.
    lowest: str
    highest: str
    dont_know: str
    is_personal: bool
    has_draft: bool = False


def consultant_of(assessment: Assessment) -> str:
    """How the consultant running the assessment is named (empty when unknown)."""
    user = assessment.created_by
    if user is None:
        return ""
    return user.name.strip() or user.email


def join_names(names: list[str]) -> str:
    """Names as a sentence lists them: "Sales", "Sales and Marketing", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def teams_named(assessment: Assessment, team: Team) -> str:
    """The assessment's teams in words, ``team`` first: "Marketing and Sales"."""
    return join_names([team.name] + [other.name for other in assessment.teams if other.id != team.id])


def welcome(
    assessment: Assessment,
    team: Team,
    questionnaire: Questionnaire,
    *,
    personal: bool,
    has_draft: bool = False,
) -> Welcome:
    """The welcome page's facts for one team (and whether the link is personal)."""
    statements = len(questionnaire.items)
    teams = teams_named(assessment, team)
    return Welcome(
        organization=assessment.organization.name,
        consultant=consultant_of(assessment),
        team=team.name,
        teams=teams,
        purpose=assessment.purpose.strip() or DEFAULT_PURPOSE.format(teams=teams),
        statements=statements,
        minutes=max(1, math.ceil(statements * SECONDS_PER_STATEMENT / 60)),
        min_group_size=assessment.min_group_size,
        lowest=questionnaire.scale.labels[questionnaire.scale.min],
        highest=questionnaire.scale.labels[questionnaire.scale.max],
        dont_know=questionnaire.scale.dont_know,
        is_personal=personal,
        has_draft=has_draft,
    )


@dataclass(frozen=True)
class Closed:
    """Why a survey takes no answers now."""

    organization: str
    consultant: str
    #: The day it opens, when it has not opened yet ("3 March 2025"); else empty.
    opens_on: str = ""


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def closed(assessment: Assessment, now: datetime) -> Closed:
    """What the "survey closed" page says."""
    opens = assessment.opens_at
    not_yet = assessment.status is AssessmentStatus.OPEN and opens is not None and now < opens
    return Closed(
        organization=assessment.organization.name,
        consultant=consultant_of(assessment),
        opens_on=_day(opens) if not_yet and opens is not None else "",
    )


# --- the form and its answers ---------------------------------------------------------


def clean_comment(text: str) -> str:
    """A comment as stored: browsers send CRLF line ends, and outer blanks carry nothing."""
    return text.replace("\r\n", "\n").strip()


def parse_answer(questionnaire: Questionnaire, raw: str | None) -> int | str | None:
    """A posted choice as stored in a draft: a scale value, "dk", or None (no or unknown choice)."""
    if raw == DONT_KNOW:
        return DONT_KNOW
    # Only ASCII digits: int() also reads "٣" or "３" as 3, which no form of ours sends.
    if raw is not None and raw.isascii() and raw.isdigit() and int(raw) in questionnaire.scale.values:
        return int(raw)
    return None


def read_answers(questionnaire: Questionnaire, posted: Mapping[str, str | None]) -> DraftAnswers:
    """The posted choices (item id -> raw value) as a draft keeps them; blank ones are left out."""
    answers: DraftAnswers = {}
    for item_id in questionnaire.item_ids:
        value = parse_answer(questionnaire, posted.get(item_id))
        if value is not None:
            answers[item_id] = value
    return answers


def counts(answers: Mapping[str, int | str]) -> tuple[int, int]:
    """How many statements are answered on the scale, and how many "don't know"."""
    answered = sum(1 for value in answers.values() if isinstance(value, int))
    return answered, sum(1 for value in answers.values() if value == DONT_KNOW)


@dataclass(frozen=True)
class ChoiceView:
    """One radio button of a statement."""

    value: str
    label: str
    input_id: str
    checked: bool
    is_dont_know: bool


@dataclass(frozen=True)
class StatementView:
    """One statement as a radio group."""

    item_id: str
    field_name: str
    anchor: str
    number: int
    text: str
    scale: tuple[ChoiceView, ...]
    dont_know: ChoiceView
    #: Why the statement is marked after a submit with too few answers (empty: not marked).
    error: str = ""


@dataclass(frozen=True)
class FormView:
    """Everything the questionnaire template shows: every statement, on one page."""

    statements: tuple[StatementView, ...]
    total: int
    answered: int
    dont_know: int
    needed: int
    dont_know_label: str
    comment: str
    #: Whether a submit had too few answers, so the page says so and marks statements.
    is_review: bool = False
    more_needed: int = 0
    #: Statements marked after a submit with too few answers, for the summary at the top.
    marked: tuple[StatementView, ...] = field(default_factory=tuple)


NOT_ANSWERED = "Not answered yet: choose how far you agree."
DONT_KNOW_NOTE = "“{label}” does not count as an answer: choose a point on the scale if you can."


def _statement(
    questionnaire: Questionnaire, number: int, item_id: str, value: int | str | None, error: str = ""
) -> StatementView:
    name = field_name(item_id)
    scale = questionnaire.scale
    return StatementView(
        item_id=item_id,
        field_name=name,
        anchor=f"statement-{item_id}",
        number=number,
        text=questionnaire.items[number - 1].text,
        scale=tuple(
            ChoiceView(str(v), scale.labels[v], f"{name}-{v}", value == v, False) for v in scale.values
        ),
        dont_know=ChoiceView(DONT_KNOW, scale.dont_know, f"{name}-{DONT_KNOW}", value == DONT_KNOW, True),
        error=error,
    )


def _errors(questionnaire: Questionnaire, answers: Mapping[str, int | str], more: int) -> dict[str, str]:
    """Why each statement is marked when ``more`` answers are still needed.

    Blank statements are marked first; when they are fewer than the answers still
    needed, the "don't know" ones are marked too (they do not count).
    """
    blank = [item_id for item_id in questionnaire.item_ids if item_id not in answers]
    errors = dict.fromkeys(blank, NOT_ANSWERED)
    if len(blank) < more:
        note = DONT_KNOW_NOTE.format(label=questionnaire.scale.dont_know)
        errors.update((item_id, note) for item_id, value in answers.items() if value == DONT_KNOW)
    return errors


def build_form(
    questionnaire: Questionnaire, answers: Mapping[str, int | str], comment: str, *, review: bool = False
) -> FormView:
    """The questionnaire with ``answers`` checked; ``review`` marks what a submit still lacked."""
    answered, dont_know = counts(answers)
    more = max(0, questionnaire.answers_needed - answered)
    errors = _errors(questionnaire, answers, more) if review else {}
    statements = tuple(
        _statement(questionnaire, number, item_id, answers.get(item_id), errors.get(item_id, ""))
        for number, item_id in enumerate(questionnaire.item_ids, start=1)
    )
    return FormView(
        statements=statements,
        total=len(questionnaire.items),
        answered=answered,
        dont_know=dont_know,
        needed=questionnaire.answers_needed,
        dont_know_label=questionnaire.scale.dont_know,
        comment=comment,
        is_review=review,
        more_needed=more,
        marked=tuple(statement for statement in statements if statement.error),
    )


# --- reading and writing drafts -------------------------------------------------------


def _invitation_key(invitation: Invitation, secret_key: str) -> str:
    """The key material of a personal invitation's draft: the invitation's token."""
    token = stored_link_token(secret_key, INVITATION_LINK, invitation.link_salt, invitation.link_hash)
    if token is None:  # made under another secret key (which must not change)
        raise DraftUnreadable("the invitation's link was made with another SECRET_KEY")
    return token


def _draft_key(session: Session, draft: Draft, token: str, secret_key: str) -> str:
    """The key material of ``draft``, reached through its resume ``token``.

    A personal draft's resume token is replaced each time its link is opened again, so
    its key is the invitation's token, which stays; a team-link draft has only its own.
    """
    if draft.invitation_id is None:
        return canonical_code(token)
    invitation = session.get(Invitation, draft.invitation_id)
    if invitation is None:  # deleted meanwhile: its draft goes with it
        raise NotFound("no such draft")
    return _invitation_key(invitation, secret_key)


def read_draft(session: Session, draft: Draft, token: str, secret_key: str) -> tuple[DraftAnswers, str]:
    """The answers and comment kept in ``draft``, reached through its resume ``token``.

    ``DraftUnreadable`` when they cannot be opened: the secret key changed since a
    personal draft was saved, or the stored blob was altered.
    """
    return unseal(_draft_key(session, draft, token, secret_key), draft.sealed)


def _keep(
    session: Session, draft: Draft, token: str, secret_key: str, answers: DraftAnswers, comment: str
) -> None:
    """Replace what ``draft`` keeps with ``answers`` and ``comment``, sealed anew."""
    draft.sealed = seal(_draft_key(session, draft, token, secret_key), answers, comment)
    session.flush()


def new_draft(session: Session, team_id: int, answers: DraftAnswers, comment: str) -> str:
    """A draft for a team-link respondent who saves to finish later; returns its resume code,
    which (in its canonical form) is also the key its answers are sealed under."""
    token = new_resume_token()
    code = canonical_code(token)
    session.add(Draft(team_id=team_id, resume_hash=token_hash(code), sealed=seal(code, answers, comment)))
    session.flush()
    return token


def resume_invitation(session: Session, invitation_id: int, secret_key: str) -> str:
    """The personal invitation's draft (created when new) under a fresh resume token.

    Only the token's hash is stored, so the old token cannot be shown again: it is
    replaced, and any older link to the draft stops working. The invitation's row is
    locked first, then its draft's (the order ``submit`` keeps too, so they never
    deadlock), which also keeps two windows from creating two drafts. A new draft is
    sealed under the invitation's token (derived with ``secret_key``).
    """
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None:
        raise NotFound("no such invitation")
    if invitation.has_answered:
        raise InvalidInput("this invitation has already been answered")
    draft = session.scalar(
        select(Draft)
        .where(Draft.invitation_id == invitation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    token = new_resume_token()
    if draft is None:
        session.add(
            Draft(
                team_id=invitation.team_id,
                invitation_id=invitation_id,
                resume_hash=draft_hash(token),
                sealed=seal(_invitation_key(invitation, secret_key), {}, ""),
            )
        )
    else:
        draft.resume_hash = draft_hash(token)
    session.flush()
    return token


def save_draft(session: Session, token: str, answers: DraftAnswers, comment: str, secret_key: str) -> Draft:
    """Replace a draft's answers and comment with what the form holds now."""
    draft = find_draft(session, token, for_update=True)
    _keep(session, draft, token, secret_key, answers, comment)
    return draft


class Outcome(enum.Enum):
    """What became of a submit."""

    #: The response was recorded.
    RECORDED = "recorded"
    #: Nothing to record: the same form was submitted already (double click, replay).
    ALREADY_RECORDED = "already recorded"
    #: Too few statements answered; nothing was recorded (unless sent anyway).
    INCOMPLETE = "incomplete"
    #: The assessment takes no answers now; the answers were kept in a draft.
    CLOSED = "closed"


@dataclass(frozen=True)
class Submitted:
    """A submit's outcome; a team-link submit to a closed survey also gives its new draft's token."""

    outcome: Outcome
    resume_token: str = ""


def new_submission_token() -> str:
    """The token a questionnaire form carries so that submitting it twice records one response."""
    return secrets.token_urlsafe(16)


def _refusal(
    accepting: bool, questionnaire: Questionnaire, answers: DraftAnswers, anyway: bool
) -> Outcome | None:
    """Why a response cannot be recorded (the survey takes none now, too few answers and not
    sent ``anyway``), or None."""
    if not accepting:
        return Outcome.CLOSED
    if not anyway and counts(answers)[0] < questionnaire.answers_needed:
        return Outcome.INCOMPLETE
    return None


def _record(
    session: Session,
    team_id: int,
    team_key: str,
    slug: str,
    min_group: int,
    questionnaire: Questionnaire,
    answers: DraftAnswers,
    comment: str,
    submission: str | None = None,
) -> None:
    store_responses(
        session,
        {team_key: team_id},
        slug,
        questionnaire,
        [
            NewResponse(
                team_key,
                {item_id: value for item_id, value in answers.items() if isinstance(value, int)},
                comment=comment or None,
                dont_know=frozenset(item_id for item_id, value in answers.items() if value == DONT_KNOW),
                submission=submission,
            )
        ],
        ResponseSource.WEB,
        min_group,
    )


def submit_new(
    session: Session,
    token: str,
    questionnaire: Questionnaire,
    answers: DraftAnswers,
    comment: str,
    submission: str,
    now: datetime,
    *,
    anyway: bool = False,
) -> Submitted:
    """Record a team-link respondent's answers, sent without a draft.

    Whether the survey takes them is read here, in the write transaction, so a survey
    closed a moment ago takes nothing more (``NotFound`` if the link is gone). The
    response keeps the hash of the form's ``submission`` token, which is unique: sending
    the same form again raises ``IntegrityError`` (see ``was_submitted``). Sent to a
    closed survey, the answers are kept in a new draft instead, so they can be sent if
    it opens again. With too few answers it records nothing, unless sent ``anyway``: then the
    response is stored as incomplete (counted, never scored; see ``publishing``).
    """
    link = find_link(session, token)
    refusal = _refusal(link.is_accepting(now), questionnaire, answers, anyway)
    if refusal is Outcome.CLOSED:
        return Submitted(refusal, new_draft(session, link.team_id, answers, comment))
    if refusal is not None:
        return Submitted(refusal)
    _record(
        session,
        link.team_id,
        link.team_key,
        link.slug,
        link.min_group_size,
        questionnaire,
        answers,
        comment,
        token_hash(submission),
    )
    return Submitted(Outcome.RECORDED)


def record_burst(session: Session, team_id: int) -> None:
    """Count one response that came in a burst from one network address (a warning sign on the
    consultant's monitor); which address, or which response, is not kept."""
    session.execute(
        update(Team).where(Team.id == team_id).values(burst_sends=Team.burst_sends + 1),
        execution_options={"synchronize_session": False},
    )


def is_submission_token(text: str) -> bool:
    """Whether ``text`` can be a submission token (a tampered form may send anything)."""
    return 16 <= len(text) <= MAX_TOKEN_LENGTH and text.isascii()


def was_submitted(session: Session, submission: str) -> bool:
    """Whether a response was recorded from the form carrying this ``submission`` token."""
    found = session.scalar(select(Response.id).where(Response.submission_hash == token_hash(submission)))
    return found is not None


def submit(
    session: Session,
    token: str,
    questionnaire: Questionnaire,
    answers: DraftAnswers,
    comment: str,
    now: datetime,
    secret_key: str,
    *,
    anyway: bool = False,
) -> Submitted:
    """Record a draft as a response, once: the draft is deleted and the response stored together.

    The response is inserted only if this transaction's ``DELETE`` removed the draft,
    so a double click or a replayed form records nothing more. A personal invitation
    is marked answered and its draft deleted, so nothing ties it to the response.
    Refused (closed, too few answers and not sent ``anyway``), the draft keeps what was sent
    (sealed anew, so ``secret_key`` is needed for a personal draft's key).
    """
    try:
        hashed = draft_hash(token)
        invitation_id = session.scalar(select(Draft.invitation_id).where(Draft.resume_hash == hashed))
        if invitation_id is not None:
            # Lock the invitation before the draft, as resume_invitation does.
            session.get(Invitation, invitation_id, with_for_update=True)
        draft = find_draft(session, token, for_update=True)
    except NotFound:
        return Submitted(Outcome.ALREADY_RECORDED)
    refusal = _refusal(draft.team.assessment.is_accepting(now), questionnaire, answers, anyway)
    if refusal is not None:
        _keep(session, draft, token, secret_key, answers, comment)
        return Submitted(refusal)

    draft_id, invitation_id, team = draft.id, draft.invitation_id, draft.team
    deleted = session.execute(
        delete(Draft).where(Draft.id == draft_id), execution_options={"synchronize_session": False}
    ).rowcount
    session.expunge(draft)
    if deleted != 1:
        return Submitted(Outcome.ALREADY_RECORDED)
    assessment = team.assessment
    _record(
        session,
        team.id,
        team.key,
        assessment.slug,
        assessment.min_group_size,
        questionnaire,
        answers,
        comment,
    )
    if invitation_id is not None:
        session.execute(update(Invitation).where(Invitation.id == invitation_id).values(has_answered=True))
    return Submitted(Outcome.RECORDED)
