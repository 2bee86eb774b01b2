"""Invitation e-mails: composing them (pure) and sending them through SMTP (smtplib).

Composition never touches the network, so it can be read and tested on its own;
``connect`` opens one SMTP connection for a round of e-mails.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

#: The values MAIL_SECURITY may take.
SECURITY_CHOICES = ("starttls", "ssl", "none")
#: Seconds to wait for the mail server before giving up.
TIMEOUT = 30


class MailError(Exception):
    """One e-mail was not accepted (a refused address); the next may still go."""


class MailServerError(MailError):
    """The mail server cannot be used (unreachable, refuses us, went away): stop sending."""


@dataclass(frozen=True)
class MailSettings:
    """How to reach the outgoing mail server (from the MAIL_* settings)."""

    server: str
    port: int
    username: str
    password: str
    sender: str
    security: str


def settings_from(config: Mapping[str, Any]) -> MailSettings | None:
    """The mail settings, or None when MAIL_SERVER is empty; ``MailServerError`` when unusable."""
    server = str(config.get("MAIL_SERVER") or "").strip()
    if not server:
        return None
    security = str(config.get("MAIL_SECURITY") or "starttls").strip().lower()
    if security not in SECURITY_CHOICES:
        raise MailServerError(f"MAIL_SECURITY must be one of {', '.join(SECURITY_CHOICES)}, not {security!r}")
    sender = str(config.get("MAIL_SENDER") or "").strip()
    if not sender:
        raise MailServerError("MAIL_SENDER is not set: set the address the e-mails come from")
    return MailSettings(
        server=server,
        port=int(config.get("MAIL_PORT") or 25),
        username=str(config.get("MAIL_USERNAME") or ""),
        password=str(config.get("MAIL_PASSWORD") or ""),
        sender=sender,
        security=security,
    )


def is_configured(config: Mapping[str, Any]) -> bool:
    """Whether the app is set up to send e-mail (MAIL_SERVER is set)."""
    return bool(str(config.get("MAIL_SERVER") or "").strip())


# Composing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyFacts:
    """What every invitation of one assessment tells its reader."""

    organization: str
    assessment: str
    #: What the questionnaire is about (its title).
    topic: str
    #: Who runs the survey and signs the e-mail.
    consultant: str
    #: Where replies go (the consultant's address), or "".
    reply_to: str
    #: Why the survey is run, in the consultant's words, or "".
    purpose: str
    statements: int
    minutes: int
    #: The closing date in words, or "".
    answer_by: str
    min_group_size: int


@dataclass(frozen=True)
class Recipient:
    """One invited person and their personal link."""

    name: str
    email: str
    team: str
    link: str


def subject(facts: SurveyFacts) -> str:
    """The subject line: who asks and how long it takes."""
    return f"{facts.organization} asks for your view: {facts.assessment} (about {facts.minutes} minutes)"


def _paragraphs(facts: SurveyFacts, recipient: Recipient, *, reminder: bool = False) -> list[str]:
    """The body as paragraphs of plain text; the link is a paragraph of its own."""
    why = facts.purpose or (
        "Your answers show where the teams see their work together the same way and where they"
        " see it differently, so that everyone can agree on what to improve first."
    )
    paragraphs = [f"Hello {recipient.name}," if recipient.name else "Hello,"]
    if reminder:
        paragraphs.append(
            "A short reminder, in case you have not found the time yet: your view is still missing,"
            " and every answer makes the results more reliable."
        )
    paragraphs += [
        f"{facts.consultant} is running a short survey for {facts.organization}:"
        f" \u201c{facts.topic}\u201d. We would like to hear your view as a member of"
        f" the {recipient.team} team.",
        f"Why: {why}",
        f"How long: about {facts.minutes} minutes. There are {facts.statements} short statements;"
        " for each one you say how far you agree. If you cannot judge one,"
        " choose \u201cDon\u2019t know\u201d.",
        "Your personal link (please do not pass it on):",
        recipient.link,
    ]
    if facts.answer_by:
        paragraphs.append(f"Please answer by {facts.answer_by}.")
    paragraphs += [
        "Your answers stay confidential. Results are shown only for groups of at least"
        f" {facts.min_group_size} people, never for one person. This link records only that you"
        " have answered (so you are not reminded again), never which answers are yours.",
        f"Thank you,\n{facts.consultant}\nfor {facts.organization}",
    ]
    return paragraphs


def _html(paragraphs: list[str], link: str) -> str:
    """The same paragraphs as a small HTML document, the link clickable."""
    parts = []
    for paragraph in paragraphs:
        if paragraph == link:
            url = html.escape(link)
            parts.append(f'<p><a href="{url}">{url}</a></p>')
        else:
            parts.append("<p>" + html.escape(paragraph).replace("\n", "<br>\n") + "</p>")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"></head>'
        "<body style=\"font-family: 'DejaVu Sans', Verdana, sans-serif; line-height: 1.5\">\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def compose_invitation(
    facts: SurveyFacts, recipient: Recipient, sender: str, *, reminder: bool = False
) -> EmailMessage:
    """The invitation e-mail to one person (or its ``reminder``): plain text, with an HTML
    alternative.

    Raises ``ValueError`` (from the e-mail package) for an address it cannot write.
    """
    message = EmailMessage()
    message["Subject"] = ("Reminder: " if reminder else "") + subject(facts)
    message["From"] = sender
    message["To"] = Address(display_name=recipient.name, addr_spec=recipient.email)
    if facts.reply_to:
        message["Reply-To"] = Address(display_name=facts.consultant, addr_spec=facts.reply_to)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or "localhost")
    paragraphs = _paragraphs(facts, recipient, reminder=reminder)
    message.set_content("\n\n".join(paragraphs) + "\n")
    message.add_alternative(_html(paragraphs, recipient.link), subtype="html")
    return message


# Sending -------------------------------------------------------------------------------------


class Mailer:
    """An open SMTP connection that sends one message at a time."""

    def __init__(self, smtp: smtplib.SMTP, sender: str) -> None:
        self._smtp = smtp
        self.sender = sender

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; ``MailError`` if its address is refused."""
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(_reply(code, text) for code, text in exc.recipients.values())
            raise MailError(f"the mail server refused the address ({reasons})") from None
        except smtplib.SMTPDataError as exc:
            # The message itself, not its address: the next ones would be refused too, and
            # refusing one person's e-mail alone would single them out (see check_address).
            raise MailServerError(
                f"the mail server refused the e-mail ({_reply(exc.smtp_code, exc.smtp_error)})"
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise MailServerError(
                f"the mail server refused the sender {exc.sender} ({_reply(exc.smtp_code, exc.smtp_error)})"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailServerError(f"the mail server went away ({exc or type(exc).__name__})") from None

    def check_address(self, address: str) -> None:
        """Ask the server whether it takes mail for ``address``, sending nothing (MAIL, RCPT, RSET).

        For the invitations of people who answered already: they get no e-mail, but their
        address is asked all the same, so that a refused address is refused whether or not
        its person answered, and naming it tells nothing about answering.
        """
        try:
            self._smtp.ehlo_or_helo_if_needed()
            code, text = self._smtp.mail(self.sender)
            if code != 250:
                raise MailServerError(
                    f"the mail server refused the sender {self.sender} ({_reply(code, text)})"
                )
            code, text = self._smtp.rcpt(address)
            self._smtp.rset()
        except (smtplib.SMTPException, OSError) as exc:
            raise MailServerError(f"the mail server went away ({exc or type(exc).__name__})") from None
        if code not in (250, 251):
            raise MailError(f"the mail server refused the address ({_reply(code, text)})")


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


@contextmanager
def connect(settings: MailSettings) -> Iterator[Mailer]:
    """An SMTP connection (TLS as configured, signed in when a user name is set) for a round of e-mails."""
    where = f"{settings.server}:{settings.port}"
    try:
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=TIMEOUT)
    except OSError as exc:
        raise MailServerError(f"cannot reach the mail server {where} ({exc})") from None
    try:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
    except smtplib.SMTPAuthenticationError:
        smtp.close()
        raise MailServerError(f"the mail server {where} refused the user name or password") from None
    except (smtplib.SMTPException, OSError) as exc:
        smtp.close()
        raise MailServerError(f"the mail server {where} did not accept the connection ({exc})") from None
    try:
        yield Mailer(smtp, settings.sender)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
