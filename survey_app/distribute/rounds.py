"""A round of invitation e-mails: claim, send, record, release; in the request or in the worker.

The round runs inside an app context and opens its own short transactions: each batch of
invitations is claimed and committed before its e-mails go out, and each e-mail is recorded
as sent the moment the server accepts it. So two rounds at the same moment (two clicks, two
servers, the worker and a request) e-mail each person once, and whatever a round could not
send is released for the next one, even when it stops half-way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from .. import db
from ..catalog import get_questionnaire
from ..models import Assessment, User, utcnow
from . import mail, services


@dataclass(frozen=True)
class RoundSettings:
    """What a round needs besides the assessment: the mail server and how links are made."""

    mail: mail.MailSettings
    secret_key: str
    public_url: str


def letter_for(assessment: Assessment, requester: User | None) -> mail.SurveyFacts:
    """What the assessment's invitations say; signed by its consultant, else by who sends them."""
    signer = assessment.created_by or requester
    return services.survey_letter(
        assessment,
        get_questionnaire(assessment.questionnaire_id),
        consultant=(signer.name or signer.email) if signer else "The survey team",
        reply_to=signer.email if signer else "",
    )


def _composer(
    facts: mail.SurveyFacts, sender: str, *, reminder: bool = False
) -> Callable[[services.InvitationLink], EmailMessage]:
    def compose(link: services.InvitationLink) -> EmailMessage:
        recipient = mail.Recipient(name=link.name, email=link.email, team=link.team_name, link=link.url)
        return mail.compose_invitation(facts, recipient, sender, reminder=reminder)

    return compose


def _no_progress(_done: int, _total: int) -> None:
    """Progress goes nowhere (a round in the request)."""


class _Round:
    """The state of one round: what it holds claimed, and what it achieved so far."""

    def __init__(self, assessment_id: int, total: int, on_progress: Callable[[int, int], None]) -> None:
        self.assessment_id = assessment_id
        self.total = total
        self.on_progress = on_progress
        self.held: set[int] = set()
        self.done = 0
        self.failed: list[tuple[str, str]] = []

    def claim(self) -> list[int]:
        """Claim the next batch (committed at once, so other rounds see it)."""
        with db.write_session() as session:
            ids = services.claim_pending(session, self.assessment_id, utcnow())
        self.held.update(ids)
        return ids

    def record(self, invitation_id: int) -> None:
        """One invitation is done: its e-mail went out (or its person had answered already)."""
        with db.write_session() as session:
            services.mark_sent(session, invitation_id, utcnow())
        self.held.discard(invitation_id)
        self.done += 1
        self.total = max(self.total, self.done)
        self.on_progress(self.done, self.total)

    def release(self) -> None:
        """Give back every claimed invitation not sent."""
        if self.held:
            with db.write_session() as session:
                services.release_claims(session, self.held)
            self.held.clear()


def send_pending(
    assessment_id: int,
    facts: mail.SurveyFacts,
    settings: RoundSettings,
    on_progress: Callable[[int, int], None] = _no_progress,
) -> services.DeliveryReport:
    """E-mail every invitation of the assessment still waiting for its e-mail, each exactly once.

    Someone who answered already gets no e-mail but counts as done like the others, so that no
    count tells who answered before their e-mail went out. ``on_progress(done, total)`` follows
    each invitation. Raises ``MailServerError`` when the server cannot be reached (nothing is
    claimed then) and ``InvalidInput`` for links made with another SECRET_KEY.
    """
    total = services.count_claimable(db.get_session(), assessment_id, utcnow())
    if not total:
        return services.DeliveryReport(0)
    round_ = _Round(assessment_id, total, on_progress)
    on_progress(0, total)
    compose = _composer(facts, settings.mail.sender)
    stopped = ""
    with mail.connect(settings.mail) as mailer:
        try:
            while not stopped:
                ids = round_.claim()
                if not ids:
                    break
                links = services.invitation_links(
                    db.get_session(), assessment_id, settings.secret_key, settings.public_url, only_ids=ids
                )
                report = services.deliver(
                    links, compose, mailer.send, round_.record, check_address=mailer.check_address
                )
                round_.failed += report.failed
                stopped = report.stopped
        finally:
            round_.release()
    not_tried = 0
    if stopped:
        left = services.count_claimable(db.get_session(), assessment_id, utcnow())
        not_tried = max(left - len(round_.failed), 0)
    return services.DeliveryReport(round_.done, tuple(round_.failed), stopped, not_tried)


def send_reminders(
    links: list[services.InvitationLink], facts: mail.SurveyFacts, settings: mail.MailSettings
) -> services.DeliveryReport:
    """E-mail a reminder to each of ``links`` (nothing is recorded); ``MailServerError`` when unreachable."""
    with mail.connect(settings) as mailer:
        return services.deliver(
            links, _composer(facts, settings.sender, reminder=True), mailer.send, lambda _invitation_id: None
        )


def outcome_messages(report: services.DeliveryReport) -> list[tuple[str, str]]:
    """What a round achieved, as (category, text) messages for the page."""
    messages = []
    if report.sent:
        messages.append(
            (
                "success",
                f"{report.sent} invitation{'s' * (report.sent != 1)} done: everyone among them who had"
                " not answered yet was e-mailed their personal link.",
            )
        )
    refused = [(address, reason) for address, reason in report.failed if reason != report.stopped]
    if refused:
        names = "; ".join(f"{address} ({reason})" for address, reason in refused)
        messages.append(("error", f"Not sent to: {names}. Check these addresses, then send again."))
    if report.stopped:
        missed = report.not_tried + len(report.failed) - len(refused)
        messages.append(
            (
                "error",
                f"Sending stopped: {report.stopped}. {missed} invitation"
                f"{'s were' if missed != 1 else ' was'} not sent; send again to send the rest.",
            )
        )
    if not messages:
        messages.append(
            ("info", "Every invitation has been e-mailed already, or is being e-mailed now: nothing to send.")
        )
    return messages
