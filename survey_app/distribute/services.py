"""Personal invitations: reading lists of people, creating their links, listing and e-mailing them.

Pure of Flask: functions take a session and plain values. A personal link's token,
like a team link's, is derived from a stored salt and the secret key; only its
SHA-256 is stored, so the database alone never reveals a link.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import segno
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from ..accounts import EMAIL, MAX_EMAIL_LENGTH
from ..domain.questionnaire import Questionnaire
from ..errors import InvalidInput, NotFound
from ..models import Assessment, Invitation, Team
from ..tokens import new_link, stored_link_token
from . import mail

#: Purpose string mixed into invitation tokens; the survey blueprint derives the same.
INVITATION_LINK = "invitation"

#: Most people accepted in one list (larger lists: split them).
MAX_PEOPLE = 2000
#: Longest name kept (the database column's size).
MAX_NAME_LENGTH = 200
#: Characters that never appear in an address we accept: they would confuse mail headers.
_UNSAFE_IN_EMAIL = set('<>()[],;:"\\')
#: A cell starting with one of these is a formula for spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: "Name <email>", as mail programs write it.
_ANGLE = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]*)>$")
#: The lines of a pasted list: browsers send a text area's line breaks as CRLF.
_LINE_BREAK = re.compile(r"\r\n|\n")
#: Control characters that break a line, as mail headers and people read them.
_BREAKS_LINE = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")
#: Invitations a round of e-mails claims at a time (one short transaction).
CLAIM_BATCH = 20
#: A claim this old belongs to a round that died (its process was killed): the invitation may be
#: claimed again. Far longer than a batch of e-mails takes, even from a slow mail server.
CLAIM_EXPIRES = timedelta(minutes=30)
#: Seconds a respondent needs per statement, on average (20 statements: about 5 minutes).
SECONDS_PER_STATEMENT = 15


class InvitationsRejected(InvalidInput):
    """A list of people with problems; nothing was created. Each problem names its line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Person:
    """One person read from a list, not yet checked."""

    line: int
    name: str
    email: str


# Reading lists -------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    return name.strip().strip("\"'").strip()


def _split_line(line: str) -> tuple[str, str]:
    """(name, email) from "Name <email>", "Name, email", "Name; email", "Name<TAB>email" or "email".

    Tabs before the address separate spreadsheet cells ("First<TAB>Last<TAB>email"): the
    name's cells are joined with a space.
    """
    match = _ANGLE.match(line)
    if match:
        return _clean_name(match["name"]), match["email"].strip()
    cut = max(line.rfind(","), line.rfind(";"), line.rfind("\t"))
    if cut < 0:
        return "", line
    name, email = _clean_name(line[:cut]), line[cut + 1 :].strip()
    if "@" not in email and "@" in name:  # "email, Name": take it the way it was meant
        name, email = _clean_name(email), name
    return " ".join(_clean_name(cell) for cell in name.split("\t") if cell.strip()), email


def read_pasted(text: str) -> list[Person]:
    """The people of a pasted list, one a line (CRLF or LF); empty lines are skipped.

    Only CR LF and LF end a line: any other line break stays in its line, for
    ``check_people`` to refuse with the line's number as the consultant sees it.
    """
    people = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.strip()
        if line:
            name, email = _split_line(line)
            people.append(Person(number, name, email))
    return people


def _delimiter(header_line: str) -> str | None:
    """The delimiter under which the header names an ``email`` column."""
    for delimiter in (",", ";"):
        names = [cell.strip().strip('"').strip().lower() for cell in header_line.split(delimiter)]
        if "email" in names:
            return delimiter
    return None


def read_csv(data: bytes) -> list[Person]:
    """The people of a CSV file with a header naming ``name`` and ``email`` (comma or semicolon)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvitationsRejected(
            ["the file is not UTF-8 text: save it as \u201cCSV UTF-8\u201d and choose it again"]
        ) from None
    header_line = next((line for line in text.splitlines() if line.strip()), None)
    if header_line is None:
        raise InvitationsRejected(["the file is empty"])
    delimiter = _delimiter(header_line)
    if delimiter is None:
        raise InvitationsRejected(
            [
                "line 1: the first line must be a header naming the columns name and email"
                f" (found: {header_line.strip()[:100]!r})"
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    people = []
    try:
        # A row is named by the line it starts on: a quoted cell may run over several lines.
        first_line = reader.line_num + 1
        for row in reader:
            line, first_line = first_line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                continue
            cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
            people.append(Person(line, _clean_name(cells.get("name", "")), cells.get("email", "")))
    except csv.Error as exc:
        raise InvitationsRejected([f"line {reader.line_num}: the file is not valid CSV ({exc})"]) from None
    return people


# Creating ------------------------------------------------------------------------------------


def control_character(text: str) -> str | None:
    """What is wrong with the first control character of ``text``, in words with its code, or None.

    Such a character (a line break, a tab, an invisible one) cannot be written in a mail
    header: an invitation holding one could never be e-mailed.
    """
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            code = f"U+{ord(char):04X}"
            if char in _BREAKS_LINE:
                return f"a line break in it ({code}): keep each person on one line"
            what = "a tab" if char == "\t" else "an invisible control character"
            return f"{what} in it ({code}): remove it"
    return None


def _control_problems(person: Person) -> list[str]:
    """A problem for a name or an address holding a control character."""
    problems = []
    for label, value in (("name", person.name), ("e-mail address", person.email)):
        found = control_character(value)
        if found:
            problems.append(f"line {person.line}: the {label} has {found}")
    return problems


def is_email(address: str) -> bool:
    """Whether ``address`` is an e-mail address we can put in a mail header safely."""
    return (
        0 < len(address) <= MAX_EMAIL_LENGTH
        and EMAIL.match(address) is not None
        and not _UNSAFE_IN_EMAIL & set(address)
        and not address.startswith(_FORMULA_START)
    )


def _team(session: Session, assessment_id: int, team_key: str) -> Team:
    team = session.scalar(select(Team).where(Team.assessment_id == assessment_id, Team.key == team_key))
    if team is None:
        raise NotFound(f"the assessment has no team {team_key!r}")
    return team


def _existing_emails(session: Session, assessment_id: int) -> dict[str, str]:
    """Lower-case e-mail address -> the team name of its invitation, for one assessment."""
    rows = session.execute(
        select(Invitation.email, Team.name)
        .join(Team, Invitation.team_id == Team.id)
        .where(Team.assessment_id == assessment_id, Invitation.email != "")
    )
    return {email.lower(): team for email, team in rows}


def check_people(session: Session, assessment_id: int, people: Sequence[Person]) -> list[str]:
    """Every problem of a list, each naming its line: bad addresses, duplicates, too long names."""
    if not people:
        return ["the list has no one in it: give one person a line"]
    if len(people) > MAX_PEOPLE:
        return [f"the list has {len(people)} people; at most {MAX_PEOPLE} can be added at once"]
    existing = _existing_emails(session, assessment_id)
    seen: dict[str, int] = {}
    problems = []
    for person in people:
        where = f"line {person.line}"
        controls = _control_problems(person)
        if controls:
            problems += controls
            continue
        if not person.email:
            problems.append(f"{where}: the e-mail address is missing")
            continue
        if not is_email(person.email):
            problems.append(f"{where}: {person.email!r} is not an e-mail address")
            continue
        if len(person.name) > MAX_NAME_LENGTH:
            problems.append(f"{where}: the name is longer than {MAX_NAME_LENGTH} characters")
        key = person.email.lower()
        if key in seen:
            problems.append(f"{where}: {person.email} is already on line {seen[key]}")
        elif key in existing:
            problems.append(f"{where}: {person.email} already has an invitation (team {existing[key]})")
        seen.setdefault(key, person.line)
    return problems


def new_invitation(secret_key: str, team_id: int, name: str, email: str) -> Invitation:
    """An invitation with a fresh personal link (only the link's hash is kept)."""
    salt, link_hash = new_link(secret_key, INVITATION_LINK)
    return Invitation(team_id=team_id, name=name, email=email, link_salt=salt, link_hash=link_hash)


def create_invitations(
    session: Session, assessment_id: int, team_key: str, people: Sequence[Person], secret_key: str
) -> int:
    """Add an invitation for each person to one team: all of them, or none when any has a problem."""
    team = _team(session, assessment_id, team_key)
    problems = check_people(session, assessment_id, people)
    if problems:
        raise InvitationsRejected(problems)
    session.add_all(new_invitation(secret_key, team.id, p.name, p.email) for p in people)
    session.flush()
    return len(people)


# Listing -------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    """A stored moment (UTC, see ``models.UTCDateTime``) in plain words."""
    return "" if moment is None else f"{moment.day} {moment:%b %Y, %H:%M} UTC"


@dataclass(frozen=True)
class InvitationRow:
    """One invitation as the page lists it: never whether its person has answered."""

    name: str
    email: str
    created: str
    sent: str


@dataclass(frozen=True)
class TeamInvitations:
    """A team's invitations, oldest first, and how many of them have been answered."""

    key: str
    name: str
    rows: tuple[InvitationRow, ...]
    answered: int


def _invitations(session: Session, assessment_id: int, only_ids: set[int] | None = None) -> list[Invitation]:
    """The assessment's invitations (or those of ``only_ids``), by team, oldest first."""
    query = (
        select(Invitation)
        .join(Team, Invitation.team_id == Team.id)
        .where(Team.assessment_id == assessment_id)
        .order_by(Team.position, Invitation.created_at, Invitation.id)
    )
    if only_ids is not None:
        query = query.where(Invitation.id.in_(only_ids))
    return list(session.scalars(query))


def invitations_by_team(session: Session, assessment: Assessment) -> list[TeamInvitations]:
    """Each team of the assessment with its invitations."""
    rows: dict[int, list[InvitationRow]] = {team.id: [] for team in assessment.teams}
    answered: Counter[int] = Counter()
    for invitation in _invitations(session, assessment.id):
        rows.setdefault(invitation.team_id, []).append(
            InvitationRow(
                name=invitation.name,
                email=invitation.email,
                created=_when(invitation.created_at),
                sent=_when(invitation.sent_at),
            )
        )
        answered[invitation.team_id] += invitation.has_answered
    return [
        TeamInvitations(team.key, team.name, tuple(rows[team.id]), answered[team.id])
        for team in assessment.teams
    ]


def is_pending(invitation: Invitation) -> bool:
    """Whether an invitation still waits for its e-mail: it has an address and none was sent.

    Whether its person has answered does not count here, so that neither the page nor the
    number waiting tells who answered before their e-mail went out (see ``send_round``).
    """
    return bool(invitation.email) and invitation.sent_at is None


def is_to_remind(link: InvitationLink) -> bool:
    """Whether a reminder goes to this invitation: e-mailed before, and not answered yet."""
    return bool(link.email) and link.was_sent and not link.answered


def count_pending(session: Session, assessment_id: int) -> int:
    """How many invitations of the assessment wait for their e-mail."""
    return sum(is_pending(invitation) for invitation in _invitations(session, assessment_id))


@dataclass(frozen=True)
class InvitationLink:
    """A personal link, ready to hand out."""

    invitation_id: int
    team: str
    team_name: str
    name: str
    email: str
    url: str
    #: Used only to skip the e-mail of someone who answered already; never shown.
    answered: bool
    #: Whether the invitation was e-mailed (or marked so) already.
    was_sent: bool = False


def invitation_links(
    session: Session,
    assessment_id: int,
    secret_key: str,
    public_url: str,
    *,
    pending_only: bool = False,
    only_ids: Iterable[int] | None = None,
) -> list[InvitationLink]:
    """The personal links (``/i/<token>``) of an assessment's invitations (or of those to e-mail,
    or of the invitations ``only_ids``)."""
    teams = {
        team.id: team for team in session.scalars(select(Team).where(Team.assessment_id == assessment_id))
    }
    wanted = None if only_ids is None else set(only_ids)
    links = []
    for invitation in _invitations(session, assessment_id, wanted):
        if pending_only and not is_pending(invitation):
            continue
        token = stored_link_token(secret_key, INVITATION_LINK, invitation.link_salt, invitation.link_hash)
        if token is None:
            raise InvalidInput(
                f"the personal link of {invitation.email or f'invitation {invitation.id}'} was made with"
                " another SECRET_KEY; set the SECRET_KEY it was created with"
            )
        team = teams[invitation.team_id]
        links.append(
            InvitationLink(
                invitation_id=invitation.id,
                team=team.key,
                team_name=team.name,
                name=invitation.name,
                email=invitation.email,
                url=f"{public_url.rstrip('/')}/i/{token}",
                answered=invitation.has_answered,
                was_sent=invitation.sent_at is not None,
            )
        )
    return links


def _cell(value: str) -> str:
    """A text cell that a spreadsheet program will not run as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def invitations_csv(links: Iterable[InvitationLink]) -> bytes:
    """The personal links as CSV (UTF-8 with BOM, for spreadsheet programs): for a mail merge."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["team", "name", "email", "link"])
    for link in links:
        writer.writerow([link.team, _cell(link.name), _cell(link.email), link.url])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def qr_image(url: str, title: str, kind: str = "svg") -> bytes:
    """``url`` as a QR code in SVG (titled) or PNG: medium error correction, the standard quiet zone.

    segno writes both itself (PNG without Pillow): 8 pixels a module is sharp on a slide
    and prints at about 2.5 cm across at 300 dpi.
    """
    buffer = io.BytesIO()
    extra = {"title": title} if kind == "svg" else {}
    segno.make(url, error="m").save(buffer, kind=kind, scale=8, border=4, **extra)
    return buffer.getvalue()


# E-mailing -----------------------------------------------------------------------------------


def survey_letter(
    assessment: Assessment, questionnaire: Questionnaire | None, consultant: str, reply_to: str = ""
) -> mail.SurveyFacts:
    """What every invitation e-mail of an assessment says: who asks, why, how long, the promise."""
    statements = len(questionnaire.items) if questionnaire else 20
    closes = assessment.closes_at
    return mail.SurveyFacts(
        organization=assessment.organization.name,
        assessment=assessment.name,
        topic=questionnaire.title if questionnaire else assessment.name,
        consultant=consultant,
        reply_to=reply_to,
        purpose=assessment.purpose.strip(),
        statements=statements,
        minutes=max(2, math.ceil(statements * SECONDS_PER_STATEMENT / 60)),
        answer_by=f"{closes.day} {closes:%B %Y}" if closes else "",
        min_group_size=assessment.min_group_size,
    )


@dataclass(frozen=True)
class DeliveryReport:
    """What a round of e-mails achieved."""

    sent: int
    #: (address, reason) of each e-mail that was not accepted.
    failed: tuple[tuple[str, str], ...] = ()
    #: Why sending stopped before the end (the mail server went away), or "".
    stopped: str = ""
    #: How many were not tried because sending stopped.
    not_tried: int = 0


def deliver(
    links: Sequence[InvitationLink],
    compose: Callable[[InvitationLink], EmailMessage],
    send: Callable[[EmailMessage], None],
    record_sent: Callable[[int], None],
    check_address: Callable[[str], None] | None = None,
) -> DeliveryReport:
    """Compose and send each e-mail, recording each success at once (so none is sent twice).

    A link whose person answered already gets no e-mail: only its address is checked
    (``check_address``) and it is recorded like the others, so that neither a refusal nor a
    stop half-way sets apart those who answered. A refused address is reported and skipped;
    a lost mail server stops the round.
    """
    sent = 0
    failed: list[tuple[str, str]] = []
    for position, link in enumerate(links):
        try:
            if link.answered and check_address is not None:
                check_address(link.email)
            else:
                send(compose(link))
        except mail.MailServerError as exc:
            failed.append((link.email, str(exc)))
            return DeliveryReport(sent, tuple(failed), str(exc), len(links) - position - 1)
        except (mail.MailError, ValueError) as exc:
            failed.append((link.email, str(exc)))
            continue
        record_sent(link.invitation_id)
        sent += 1
    return DeliveryReport(sent, tuple(failed))


def _claimable(assessment_id: int, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The invitations of an assessment waiting for their e-mail that no living round has claimed."""
    return (
        Invitation.team_id.in_(select(Team.id).where(Team.assessment_id == assessment_id)),
        Invitation.email != "",
        Invitation.sent_at.is_(None),
        or_(Invitation.sending_since.is_(None), Invitation.sending_since < now - CLAIM_EXPIRES),
    )


def count_claimable(session: Session, assessment_id: int, now: datetime) -> int:
    """How many invitations a round of e-mails starting ``now`` would have to send."""
    return session.scalar(select(func.count(Invitation.id)).where(*_claimable(assessment_id, now))) or 0


def claim_pending(session: Session, assessment_id: int, now: datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Claim up to ``limit`` invitations waiting for their e-mail, for this round alone; their ids.

    One UPDATE … RETURNING: a claimed invitation is no longer claimable, so two rounds at the
    same moment never get the same one. On PostgreSQL the rows another round is claiming right
    now are skipped (SKIP LOCKED) rather than waited for; SQLite runs one writer at a time.
    Commit at once: the claim must be seen by the other rounds while this one sends.
    """
    waiting = (
        select(Invitation.id)
        .where(*_claimable(assessment_id, now))
        .order_by(Invitation.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Invitation)
    )
    claimed = session.scalars(
        update(Invitation)
        .where(Invitation.id.in_(waiting.scalar_subquery()))
        .values(sending_since=now)
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def release_claims(session: Session, invitation_ids: Iterable[int]) -> None:
    """Give back claimed invitations that were not sent, so the next round tries them again."""
    ids = list(invitation_ids)
    if ids:
        session.execute(
            update(Invitation)
            .where(Invitation.id.in_(ids), Invitation.sent_at.is_(None))
            .values(sending_since=None)
            .execution_options(synchronize_session=False)
        )


def mark_sent(session: Session, invitation_id: int, when: datetime) -> bool:
    """Record that an invitation's e-mail went out (once: an earlier time is kept), ending its claim."""
    result = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.sent_at.is_(None))
        .values(sent_at=when, sending_since=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


#: A team smaller than this many times the minimum group size is better surveyed through
#: personal invitations: a handful of made-up answers through its team link would make up a
#: whole step around one real response (docs/anonymity.md).
SMALL_TEAM_FACTOR = 3


def small_teams(assessment: Assessment) -> list[str]:
    """The names of the teams whose headcount is under three times the minimum group size."""
    limit = SMALL_TEAM_FACTOR * assessment.min_group_size
    return [team.name for team in assessment.teams if team.headcount and team.headcount < limit]
