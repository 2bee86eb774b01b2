"""The stored data: organizations, users, assessments, teams, responses and their answers."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware (used as a column default)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back as an aware UTC datetime on every database.

    SQLite keeps no time zone (it would store an aware moment's wall-clock time and give it back
    naive), PostgreSQL gives moments back in the connection's time zone. Naive datetimes are
    refused rather than guessed at: every moment the app makes is aware (``utcnow``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give moments a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite's naive values were stored in UTC (see ``process_bind_param``).
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_accepting(
    status: AssessmentStatus, opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> bool:
    """Whether an assessment in ``status`` with these dates takes responses at ``now``."""
    if status is not AssessmentStatus.OPEN:
        return False
    return (opens_at is None or opens_at <= now) and (closes_at is None or now < closes_at)


def random_id() -> int:
    """A random 62-bit row id: unlike a sequence, it says nothing about the order of arrival."""
    return secrets.randbits(62) + 1


#: Random ids need 64 bits on PostgreSQL; SQLite's INTEGER PRIMARY KEY holds them already.
RandomId = BigInteger().with_variant(Integer(), "sqlite")


def utc_today() -> date:
    """Today's date in UTC (used as a column default)."""
    return datetime.now(UTC).date()


class Base(DeclarativeBase):
    """Declarative base with named constraints (so migrations can refer to them)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Role(enum.StrEnum):
    """What a user may do: admins manage accounts, consultants run assessments, leaders read."""

    ADMIN = "admin"
    CONSULTANT = "consultant"
    LEADER = "leader"


class AssessmentStatus(enum.StrEnum):
    """Whether an assessment accepts responses."""

    OPEN = "open"
    CLOSED = "closed"


class ResponseSource(enum.StrEnum):
    """How a response arrived."""

    WEB = "web"
    IMPORT = "import"
    DEMO = "demo"

    @property
    def pool(self) -> str:
        """The pool it is published with: answers sent on the web and answers loaded from a
        file never make up each other's minimum group (see ``publishing``)."""
        return "web" if self is ResponseSource.WEB else "import"


#: Which organizations a consultant works for (and so may see).
consultant_assignment = Table(
    "consultant_assignment",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
)


class Organization(Base):
    """A client company."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not unique: two consultants may each have a client of the same name, and neither may
    #: learn of the other's (``workspace.services.create_organization``).
    name: Mapped[str] = mapped_column(String(200))
    #: URL-safe form of the name, used to build assessment slugs.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessments: Mapped[list[Assessment]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class User(Base):
    """A person who signs in: admin, consultant, or leader of one organization."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: How the person is named on pages and reports ("prepared by"); may be empty.
    name: Mapped[str] = mapped_column(String(200), default="")
    #: Werkzeug hash string (scrypt), never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, values_callable=lambda e: [m.value for m in e])
    )
    #: The organization a leader belongs to (optional for the other roles).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: A consultant's logo for the report cover (PNG or JPEG), and its media type.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    #: For consultants: the client organizations assigned to them.
    assigned_organizations: Mapped[list[Organization]] = relationship(secondary=consultant_assignment)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class UserSession(Base):
    """A signed-in session: the cookie holds its token, so signing out ends it for good."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token kept in the session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class LinkPurpose(enum.StrEnum):
    """What a password link is for."""

    #: A password forgotten or to be replaced: made by an admin or the leader's consultant.
    RESET = "reset"
    #: A new account's first password.
    INVITE = "invite"


class PasswordLink(Base):
    """A single-use, expiring link that lets a user set a password; only its token's hash is kept."""

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(
        Enum(
            LinkPurpose,
            name="password_link_purpose",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    #: SHA-256 of the token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Who made the link (kept for the record; empty once that account is deleted).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: When the link set the password; a used link never works again.
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<PasswordLink {self.purpose.value} of user {self.user_id}>"


class Assessment(Base):
    """One survey of an organization's teams with one questionnaire."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", name="uq_assessment_org_name"),
        CheckConstraint("min_group_size >= 3", name="min_group_at_least_3"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    #: Public, readable identifier used by the command line and URLs (not a secret).
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    #: The questionnaire's version when the assessment was created.
    questionnaire_version: Mapped[int]
    #: Anonymity threshold: teams with fewer scored responses are withheld.
    min_group_size: Mapped[int] = mapped_column(SmallInteger, default=5)
    status: Mapped[AssessmentStatus] = mapped_column(
        Enum(
            AssessmentStatus,
            name="assessment_status",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AssessmentStatus.OPEN,
    )
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    #: Why the survey is run, shown to respondents on the welcome page (optional).
    purpose: Mapped[str] = mapped_column(Text, default="")
    #: The consultant's commentary for the report (plain text; left out when empty).
    commentary: Mapped[str] = mapped_column(Text, default="")
    #: Team links are off: only personal invitations take answers.
    invitations_only: Mapped[bool] = mapped_column(default=False)
    #: The consultant who runs it (named on the welcome page and the report).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: One of its organization's waves: the assessments of an organization on one questionnaire
    #: that are in the series form its trend, in order of opening (``survey_app.trend``). A
    #: consultant can take one out of the series (a pilot, a one-off) and put it back.
    in_series: Mapped[bool] = mapped_column(default=True)

    organization: Mapped[Organization] = relationship(back_populates="assessments")
    created_by: Mapped[User | None] = relationship()
    teams: Mapped[list[Team]] = relationship(
        back_populates="assessment", order_by="Team.position", cascade="all, delete-orphan"
    )
    actions: Mapped[list[ActionItem]] = relationship(
        back_populates="assessment", order_by="ActionItem.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Assessment {self.slug}>"

    def is_accepting(self, now: datetime) -> bool:
        """Whether responses are taken at ``now``: open, and within its dates if it has any."""
        return is_accepting(self.status, self.opens_at, self.closes_at, now)

    def close(self) -> None:
        """Stop taking responses."""
        self.status = AssessmentStatus.CLOSED

    def reopen(self) -> None:
        """Take responses again (until the closing date, if one is set and still ahead)."""
        self.status = AssessmentStatus.OPEN


class ActionStatus(enum.StrEnum):
    """Where an action of the plan stands, as the consultant last set it."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class ActionItem(Base):
    """One line of the consultant's action plan: what, who, by when."""

    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    action: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(
        Enum(
            ActionStatus,
            name="action_status",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ActionStatus.PLANNED,
    )
    #: The statements the action aims to move, as item ids separated by spaces ("k03 k07"):
    #: the next wave shows how each moved (``survey_app.trend``).
    statements: Mapped[str] = mapped_column(String(400), default="")
    #: The action of the previous wave's plan it continues, when the plan was carried over to
    #: this wave (``assessments.rerun_assessment``).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("action_item.id", ondelete="SET NULL"))

    assessment: Mapped[Assessment] = relationship(back_populates="actions")

    @property
    def statement_ids(self) -> tuple[str, ...]:
        """The statements it aims to move, as item ids."""
        return tuple(self.statements.split())


class Team(Base):
    """A group whose answers are scored together (Sales, Marketing, …)."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("assessment_id", "key", name="uq_team_assessment_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    #: Stable id within the assessment (``sales``, ``marketing``); used in CSV files and JSON.
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    #: How many people were asked, for response rates (optional).
    headcount: Mapped[int | None]
    #: Random salt from which the survey link token is derived with the secret key.
    link_salt: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the survey link token: the token itself is never stored.
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Scored responses waiting to be published, per pool (web; import and demo): a pool's
    #: waiting responses join the results together once there are ``min_group_size``.
    pending_web: Mapped[int] = mapped_column(default=0)
    pending_import: Mapped[int] = mapped_column(default=0)
    #: Bursts of sends through the team link from one network address (more than
    #: ``TEAM_LINK_BURST_SENDS`` in an hour): a warning sign; no address is kept.
    burst_sends: Mapped[int] = mapped_column(default=0)
    #: Counts the changes of the team's published set (a step published, an import undone):
    #: stored figures made at an older version are out of date (``results.snapshots``).
    published_version: Mapped[int] = mapped_column(default=0)

    assessment: Mapped[Assessment] = relationship(back_populates="teams")

    def __repr__(self) -> str:
        return f"<Team {self.key} of assessment {self.assessment_id}>"


class Invitation(Base):
    """A personal, single-use survey link for one named person of a team.

    It records whether its person has answered, never which response is theirs.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    #: Random salt from which the invitation token is derived with the secret key.
    link_salt: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the invitation token.
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: When a round of e-mails claimed the invitation to send it, or NULL: two rounds at the
    #: same moment never send one e-mail twice (``distribute.services.claim_pending``).
    sending_since: Mapped[datetime | None]
    has_answered: Mapped[bool] = mapped_column(default=False)

    team: Mapped[Team] = relationship()


class Draft(Base):
    """Answers saved while a respondent is still answering; deleted when submitted."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    #: Set only while the draft belongs to a personal invitation.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), unique=True
    )
    #: SHA-256 of the resume token (the draft's link and code).
    resume_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The answers (item id -> value, or "dk") and the comment, sealed (survey.sealing) under
    #: a key the database does not hold: the invitation's token, else the resume token.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()


class Response(Base):
    """One person's submitted answers. Never linked to who gave them."""

    __tablename__ = "response"
    __table_args__ = (
        # Covers the results' GROUP BYs (team, published, statements answered, their sum,
        # scored or not) and the monitor's counts: an index-only scan, no table reads.
        Index("ix_response_team_published_scores", "team_id", "published", "answered", "answer_sum", "total"),
        Index("ix_response_submission_hash", "submission_hash", unique=True),
        # The published comments shown when there are too many to list: the first ranks, the
        # first of each rank's copies, read from the index (see survey_app.domain.comments).
        Index("ix_response_team_published_comment_rank", "team_id", "published", "comment_rank", "id"),
        CheckConstraint("answered >= 0", name="answered_not_negative"),
    )

    #: Random, so that ids do not reveal the order in which responses arrived.
    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=random_id)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    source: Mapped[ResponseSource] = mapped_column(
        Enum(
            ResponseSource,
            name="response_source",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    #: The day only: a precise time could be matched with an invitation's activity.
    submitted_on: Mapped[date] = mapped_column(default=utc_today)
    #: Optional sub-unit (region, business unit) given in an import.
    unit: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    #: The comment's rank among the team's when not all are shown (``comments.comment_rank``),
    #: or NULL without a comment.
    comment_rank: Mapped[int | None] = mapped_column(BigInteger)
    #: How many statements were answered on the scale (not "don't know", not blank).
    answered: Mapped[int] = mapped_column(SmallInteger)
    #: Sum of the answered values: with ``answered``, gives the total exactly.
    answer_sum: Mapped[int] = mapped_column(SmallInteger)
    #: Pro-rated total (20–100), or NULL for an incomplete response, which is never scored.
    total: Mapped[float | None]
    #: Hash of the token of the web form it came from (unique), so sending one form twice
    #: records it once. The token is random and lived only in that page: it names nobody.
    submission_hash: Mapped[str | None] = mapped_column(String(64))
    #: In the team's published set, from which every figure is computed: responses join it
    #: only in steps of at least the minimum group size (see ``survey_app.publishing``).
    published: Mapped[bool] = mapped_column(default=False)
    #: A short hash of the answer set (``responses.answers_digest``): identical answer sets in
    #: a team are a warning sign of made-up responses on the consultant's monitor.
    answers_digest: Mapped[str | None] = mapped_column(String(16))
    #: The import that brought it, which can be undone (``batches.undo_batch``); NULL for
    #: responses sent on the web and the demo's.
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="CASCADE"), index=True
    )

    answers: Mapped[list[ResponseAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Response {self.id} team={self.team_id} total={self.total}>"


class ImportBatch(Base):
    """One file of responses imported into an assessment: what it was, who loaded it, and
    whether it was undone (its responses deleted). Kept after an undo, as the history."""

    __tablename__ = "import_batch"
    __table_args__ = (UniqueConstraint("assessment_id", "number", name="uq_import_batch_assessment_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    #: 1, 2, … per assessment.
    number: Mapped[int]
    file_name: Mapped[str] = mapped_column(String(255), default="")
    #: SHA-256 (hex) of the file's bytes: the same content imported again is refused.
    sha256: Mapped[str] = mapped_column(String(64))
    #: Rows stored per team, as JSON text: {"sales": 25, "marketing": 15}.
    team_rows: Mapped[str] = mapped_column(Text, default="{}")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Some of its responses were in the published results when a release was stored: from
    #: then on it can no longer be undone.
    released: Mapped[bool] = mapped_column(default=False)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])

    def __repr__(self) -> str:
        return f"<ImportBatch {self.number} assessment={self.assessment_id}>"


class ResponseAnswer(Base):
    """The answer a response gave one statement. NULL value means "don't know".

    ``team_id`` and ``published`` are copied from the response (its team, and whether it is
    in the published set): the team never changes; ``published`` turns true with its step,
    and back to false only when undoing an import returns it to waiting (``batches``).
    """

    __tablename__ = "response_answer"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        # The results count the published answers per (team, statement, value): in this
        # column order that GROUP BY reads this index alone, in order, with no join and no
        # sort. Team deletes use it too.
        Index("ix_response_answer_team_published_item_value", "team_id", "published", "item_id", "value"),
    )

    response_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int | None] = mapped_column(SmallInteger)
    #: The response's team, copied onto each answer so the per-team counts need no join.
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    #: Whether the response is published, so the counts need no join either.
    published: Mapped[bool] = mapped_column(default=False)

    response: Mapped[Response] = relationship(back_populates="answers")


class MailJobStatus(enum.StrEnum):
    """Where a background round of invitation e-mails is: waiting, sending, finished or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MailJob(Base):
    """Invitation e-mails sent by the background worker, and how far it is (``distribute.mail_jobs``)."""

    __tablename__ = "mail_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    status: Mapped[MailJobStatus] = mapped_column(
        Enum(
            MailJobStatus,
            name="mail_job_status",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=MailJobStatus.QUEUED,
    )
    #: Invitations done so far (e-mailed, or answered already), of those waiting when it began.
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: What the round achieved, as the page's messages: a JSON list of [category, text].
    outcome: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<MailJob {self.id} assessment={self.assessment_id} {self.status.value}>"


class ReportJobStatus(enum.StrEnum):
    """Where a background report job is: waiting for the worker, being made, finished or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportJob(Base):
    """A PDF report made by the background worker; only the newest per assessment and paper is kept."""

    __tablename__ = "report_job"
    __table_args__ = (CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    #: "a4" or "letter".
    paper: Mapped[str] = mapped_column(String(10))
    status: Mapped[ReportJobStatus] = mapped_column(
        Enum(
            ReportJobStatus,
            name="report_job_status",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ReportJobStatus.QUEUED,
    )
    #: Percent done (0–100) and what the worker is doing, for the progress bar.
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    message: Mapped[str] = mapped_column(String(200), default="")
    #: The finished PDF; loaded only when downloaded.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: Why the job failed, in plain words for the user (never a traceback).
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: A job that releases the results (``results.releases``) rather than only rendering them:
    #: the consultant's note, and the release's number once it is stored.
    releases: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    release_number: Mapped[int | None]

    assessment: Mapped[Assessment] = relationship()

    def __repr__(self) -> str:
        return f"<ReportJob {self.id} assessment={self.assessment_id} {self.status.value}>"


class ReportCache(Base):
    """The last PDF report rendered for an assessment and paper size, served again while what it
    shows is unchanged (``survey_app.report.cache``); one per assessment and paper size."""

    __tablename__ = "report_cache"
    __table_args__ = (UniqueConstraint("assessment_id", "paper", name="uq_report_cache_assessment_paper"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    #: "a4" or "letter".
    paper: Mapped[str] = mapped_column(String(10))
    #: SHA-256 (hex) of everything the PDF shows: the published sets, never a pending response.
    state_key: Mapped[str] = mapped_column(String(64))
    #: The PDF; loaded only when served.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ReportCache assessment={self.assessment_id} {self.paper}>"


class ResultsSnapshot(Base):
    """An assessment's published figures as last computed, kept while its teams' published sets
    are unchanged, so that a trend over many waves reads them instead of counting every
    answer again (``survey_app.results.snapshots``); one per assessment."""

    __tablename__ = "results_snapshot"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    )
    #: SHA-256 (hex) of what the figures depend on: the teams and their published versions,
    #: the minimum group size and the questionnaire.
    state_key: Mapped[str] = mapped_column(String(64))
    #: The per-team figures and the overall position, as JSON text.
    figures: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ResultsSnapshot assessment={self.assessment_id}>"


class Release(Base):
    """Results released to the organization's leaders, stored as they were released
    (``survey_app.results.releases``): never recomputed, so a release reads the same forever."""

    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("assessment_id", "number", name="uq_release_assessment_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    #: 1, 2, … per assessment.
    number: Mapped[int]
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    #: Released while the survey still took responses.
    interim: Mapped[bool] = mapped_column(default=False)
    #: What ``flask results --json`` printed at that moment (JSON text).
    results: Mapped[str] = mapped_column(Text, deferred=True)
    #: Everything the leader's page shows: the report's content and its charts (JSON text).
    content: Mapped[str] = mapped_column(Text, deferred=True)
    #: The PDF report as rendered at that moment; loaded only when downloaded.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    assessment: Mapped[Assessment] = relationship()
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def __repr__(self) -> str:
        return f"<Release {self.number} assessment={self.assessment_id}>"
