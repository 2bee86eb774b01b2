"""The respondents' survey: finding links, keeping drafts, and recording a response exactly once.

Functions here take a SQLAlchemy session and plain values; they never touch the
request. Write functions expect the caller's ``db.write_session()`` and leave the
commit to it. Resume tokens are random and only their hash is stored, so a draft
can be reached by its link or code but the database alone never reveals them.
"""

from __future__ import annotations

import enum
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from ..errors import InvalidInput, NotFound
from ..models import Assessment, AssessmentStatus, Draft, Invitation, ResponseSource, Team
from ..questionnaire import Questionnaire
from ..responses import NewResponse, add_responses
from ..tokens import token_hash

#: Statements shown on one page of the questionnaire.
PAGE_SIZE = 5
#: The stored (and posted) value of a "don't know" answer.
DONT_KNOW = "dk"
#: The page value of the review page, which shows every statement at once.
ALL_PAGES = "all"
#: Longest comment a respondent may write.
MAX_COMMENT = 2000
#: Seconds a respondent needs per statement, for the "about N minutes" estimate.
SECONDS_PER_STATEMENT = 15
#: Longest token worth looking up (real ones have 32–43 characters).
MAX_TOKEN_LENGTH = 200

DEFAULT_PURPOSE = (
    "Your company wants to understand how well its sales and marketing teams work together today,"
    " so that it can decide what to improve first."
)

#: A draft's answers: item id -> scale value, or "dk".
DraftAnswers = dict[str, int | str]


def new_resume_token() -> str:
    """A fresh resume token (192 random bits)."""
    return secrets.token_urlsafe(24)


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


def find_team(session: Session, token: str) -> Team:
    """The team whose survey link is ``token`` (with its assessment), or ``NotFound``."""
    team = session.scalar(select(Team).where(Team.link_hash == _hash_of(token)).options(*_team_options()))
    if team is None:
        raise NotFound("no such survey link")
    return team


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
    query = select(Draft).where(Draft.resume_hash == _hash_of(token))
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
    """The resume token in what a respondent typed: the code itself, or the whole resume link."""
    text = text.strip()
    if "/" in text:
        text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return text


# --- what the respondent is told ------------------------------------------------------


@dataclass(frozen=True)
class Welcome:
    """What the welcome page says about the survey."""

    organization: str
    consultant: str
    team: str
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
    return Welcome(
        organization=assessment.organization.name,
        consultant=consultant_of(assessment),
        team=team.name,
        purpose=assessment.purpose.strip() or DEFAULT_PURPOSE,
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


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes for timezone-aware columns: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def closed(assessment: Assessment, now: datetime) -> Closed:
    """What the "survey closed" page says."""
    opens = _utc(assessment.opens_at)
    not_yet = assessment.status is AssessmentStatus.OPEN and opens is not None and now < opens
    return Closed(
        organization=assessment.organization.name,
        consultant=consultant_of(assessment),
        opens_on=_day(opens) if not_yet and opens is not None else "",
    )


# --- pages and answers ----------------------------------------------------------------


def statement_pages(questionnaire: Questionnaire) -> list[tuple[str, ...]]:
    """The item ids on each statement page, in order."""
    ids = questionnaire.item_ids
    return [ids[start : start + PAGE_SIZE] for start in range(0, len(ids), PAGE_SIZE)]


def page_count(questionnaire: Questionnaire) -> int:
    """How many pages the questionnaire has: the statement pages and the comment page."""
    return len(statement_pages(questionnaire)) + 1


def page_items(questionnaire: Questionnaire, page: str) -> tuple[tuple[str, ...], bool]:
    """The item ids a posted page holds, and whether it holds the comment.

    ``page`` is a page number (``"1"`` …) or ``"all"`` (the review page); anything
    else is ``InvalidInput``.
    """
    if page == ALL_PAGES:
        return questionnaire.item_ids, True
    pages = statement_pages(questionnaire)
    if not page.isdigit() or not 1 <= int(page) <= len(pages) + 1:
        raise InvalidInput(f"there is no page {page!r}")
    number = int(page)
    return (pages[number - 1] if number <= len(pages) else ()), number == len(pages) + 1


def clean_comment(text: str) -> str:
    """A comment as stored: browsers send CRLF line ends, and outer blanks carry nothing."""
    return text.replace("\r\n", "\n").strip()


def parse_answer(questionnaire: Questionnaire, raw: str | None) -> int | str | None:
    """A posted choice as stored in a draft: a scale value, "dk", or None (no or unknown choice)."""
    if raw == DONT_KNOW:
        return DONT_KNOW
    if raw is not None and raw.isdigit() and int(raw) in questionnaire.scale.values:
        return int(raw)
    return None


def merge_answers(
    questionnaire: Questionnaire,
    current: Mapping[str, int | str],
    item_ids: Sequence[str],
    posted: Mapping[str, str | None],
) -> DraftAnswers:
    """The draft's answers with one page's choices applied (a statement left blank is cleared)."""
    merged: DraftAnswers = {
        item_id: value for item_id, value in current.items() if item_id in questionnaire.item_ids
    }
    for item_id in item_ids:
        value = parse_answer(questionnaire, posted.get(item_id))
        if value is None:
            merged.pop(item_id, None)
        else:
            merged[item_id] = value
    return merged


def counts(answers: Mapping[str, int | str]) -> tuple[int, int]:
    """How many statements are answered on the scale, and how many "don't know"."""
    answered = sum(1 for value in answers.values() if isinstance(value, int))
    return answered, sum(1 for value in answers.values() if value == DONT_KNOW)


def first_open_page(questionnaire: Questionnaire, answers: Mapping[str, int | str]) -> int:
    """The first page with a statement not yet answered (the comment page when all are)."""
    for number, item_ids in enumerate(statement_pages(questionnaire), start=1):
        if any(item_id not in answers for item_id in item_ids):
            return number
    return page_count(questionnaire)


def choose_page(questionnaire: Questionnaire, answers: Mapping[str, int | str], asked: int | None) -> int:
    """The page to show: the one asked for if it exists, else the first one still open."""
    if asked is not None and 1 <= asked <= page_count(questionnaire):
        return asked
    return first_open_page(questionnaire, answers)


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
    #: Why the statement is marked on the review page (empty: not marked).
    error: str = ""


@dataclass(frozen=True)
class PageView:
    """Everything the questionnaire template shows."""

    #: The posted page value: "1" … or "all".
    page: str
    number: int
    pages: int
    statements: tuple[StatementView, ...]
    total: int
    answered: int
    dont_know: int
    #: Scale answers on the other pages (survey.js adds this page's checked ones).
    answered_elsewhere: int
    needed: int
    dont_know_label: str
    has_comment: bool
    comment: str
    is_review: bool = False
    more_needed: int = 0
    #: Statements marked on the review page, for the summary at the top.
    marked: tuple[StatementView, ...] = field(default_factory=tuple)
    #: Page with the first unanswered statement (for the comment page's reminder).
    first_open: int = 1

    @property
    def is_first(self) -> bool:
        """Whether there is no page before this one."""
        return self.number == 1

    @property
    def is_last(self) -> bool:
        """Whether this is the comment page (or the review page), where the survey is submitted."""
        return self.has_comment


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


def _numbers(questionnaire: Questionnaire) -> dict[str, int]:
    return {item_id: index for index, item_id in enumerate(questionnaire.item_ids, start=1)}


def build_page(
    questionnaire: Questionnaire, answers: Mapping[str, int | str], comment: str, number: int
) -> PageView:
    """One page of the questionnaire, with the draft's answers checked."""
    pages = statement_pages(questionnaire)
    item_ids = pages[number - 1] if number <= len(pages) else ()
    numbers = _numbers(questionnaire)
    answered, dont_know = counts(answers)
    on_page = sum(1 for item_id in item_ids if isinstance(answers.get(item_id), int))
    return PageView(
        page=str(number),
        number=number,
        pages=len(pages) + 1,
        statements=tuple(
            _statement(questionnaire, numbers[item_id], item_id, answers.get(item_id)) for item_id in item_ids
        ),
        total=len(questionnaire.items),
        answered=answered,
        dont_know=dont_know,
        answered_elsewhere=answered - on_page,
        needed=questionnaire.answers_needed,
        dont_know_label=questionnaire.scale.dont_know,
        more_needed=max(0, questionnaire.answers_needed - answered),
        has_comment=number == len(pages) + 1,
        comment=comment,
        first_open=first_open_page(questionnaire, answers),
    )


def build_review(questionnaire: Questionnaire, answers: Mapping[str, int | str], comment: str) -> PageView:
    """Every statement on one page, the unanswered ones marked: shown when a submit has too few.

    Blank statements are marked first; when they are fewer than the answers still
    needed, the "don't know" ones are marked too (they do not count).
    """
    answered, dont_know = counts(answers)
    more = max(0, questionnaire.answers_needed - answered)
    blank = [item_id for item_id in questionnaire.item_ids if item_id not in answers]
    unsure = {item_id for item_id, value in answers.items() if value == DONT_KNOW}
    note = DONT_KNOW_NOTE.format(label=questionnaire.scale.dont_know)
    errors = dict.fromkeys(blank, NOT_ANSWERED)
    if len(blank) < more:
        errors.update(dict.fromkeys(unsure, note))
    statements = tuple(
        _statement(questionnaire, number, item_id, answers.get(item_id), errors.get(item_id, ""))
        for number, item_id in enumerate(questionnaire.item_ids, start=1)
    )
    return PageView(
        page=ALL_PAGES,
        number=page_count(questionnaire),
        pages=page_count(questionnaire),
        statements=statements,
        total=len(questionnaire.items),
        answered=answered,
        dont_know=dont_know,
        answered_elsewhere=0,
        needed=questionnaire.answers_needed,
        dont_know_label=questionnaire.scale.dont_know,
        has_comment=True,
        comment=comment,
        is_review=True,
        more_needed=more,
        marked=tuple(statement for statement in statements if statement.error),
    )


# --- writing drafts and responses -----------------------------------------------------


def start_draft(session: Session, team_id: int) -> str:
    """A new, empty draft for a team-link respondent; returns its resume token."""
    token = new_resume_token()
    session.add(Draft(team_id=team_id, resume_hash=token_hash(token), answers={}, comment=""))
    session.flush()
    return token


def resume_invitation(session: Session, invitation_id: int) -> str:
    """The personal invitation's draft (created when new) under a fresh resume token.

    Only the token's hash is stored, so the old token cannot be shown again: it is
    replaced, and any older link to the draft stops working. The invitation's row is
    locked first, then its draft's (the order ``submit`` keeps too, so they never
    deadlock), which also keeps two windows from creating two drafts.
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
                resume_hash=token_hash(token),
                answers={},
                comment="",
            )
        )
    else:
        draft.resume_hash = token_hash(token)
    session.flush()
    return token


def save_page(
    session: Session,
    token: str,
    questionnaire: Questionnaire,
    item_ids: Sequence[str],
    posted: Mapping[str, str | None],
    comment: str | None,
) -> Draft:
    """Store one page's choices (and the comment, when the page has it) in the draft."""
    draft = find_draft(session, token, for_update=True)
    draft.answers = merge_answers(questionnaire, draft.answers, item_ids, posted)
    if comment is not None:
        draft.comment = clean_comment(comment)
    session.flush()
    return draft


class Outcome(enum.Enum):
    """What became of a submit."""

    #: The response was recorded.
    RECORDED = "recorded"
    #: Nothing to record: the draft was already submitted (double click, replay).
    ALREADY_RECORDED = "already recorded"
    #: Too few statements answered; the answers were kept in the draft.
    INCOMPLETE = "incomplete"
    #: The assessment takes no answers now; the answers were kept in the draft.
    CLOSED = "closed"


@dataclass(frozen=True)
class Submitted:
    """A submit's outcome and, unless it was recorded, the draft's answers and comment."""

    outcome: Outcome
    answers: DraftAnswers = field(default_factory=dict)
    comment: str = ""


def submit(
    session: Session,
    token: str,
    questionnaire: Questionnaire,
    item_ids: Sequence[str],
    posted: Mapping[str, str | None],
    comment: str | None,
    now: datetime,
) -> Submitted:
    """Record the draft as a response, once: the draft is deleted and the response stored together.

    The response is inserted only if this transaction's ``DELETE`` removed the draft,
    so a double click or a replayed form records nothing more. A personal invitation
    is marked answered and its draft deleted, so nothing ties it to the response.
    """
    try:
        invitation_id = session.scalar(
            select(Draft.invitation_id).where(Draft.resume_hash == _hash_of(token))
        )
        if invitation_id is not None:
            # Lock the invitation before the draft, as resume_invitation does.
            session.get(Invitation, invitation_id, with_for_update=True)
        draft = find_draft(session, token, for_update=True)
    except NotFound:
        return Submitted(Outcome.ALREADY_RECORDED)
    assessment = draft.team.assessment
    answers = merge_answers(questionnaire, draft.answers, item_ids, posted)
    text = draft.comment if comment is None else clean_comment(comment)
    answered, _ = counts(answers)
    keep = None
    if not assessment.is_accepting(now):
        keep = Outcome.CLOSED
    elif answered < questionnaire.answers_needed:
        keep = Outcome.INCOMPLETE
    if keep is not None:
        draft.answers, draft.comment = answers, text
        session.flush()
        return Submitted(keep, answers, text)

    draft_id, invitation_id, team_key = draft.id, draft.invitation_id, draft.team.key
    deleted = session.execute(
        delete(Draft).where(Draft.id == draft_id), execution_options={"synchronize_session": False}
    ).rowcount
    session.expunge(draft)
    if deleted != 1:
        return Submitted(Outcome.ALREADY_RECORDED)
    add_responses(
        session,
        assessment,
        questionnaire,
        [
            NewResponse(
                team_key,
                {item_id: value for item_id, value in answers.items() if isinstance(value, int)},
                comment=text or None,
                dont_know=frozenset(item_id for item_id, value in answers.items() if value == DONT_KNOW),
            )
        ],
        ResponseSource.WEB,
    )
    if invitation_id is not None:
        session.execute(update(Invitation).where(Invitation.id == invitation_id).values(has_answered=True))
    return Submitted(Outcome.RECORDED)
