"""\"E-mail me this link\": the resume link of a saved draft, sent once to an address the respondent types.

The address is used for this one e-mail and kept nowhere: not in the database, the
session or the logs. Composing is pure; sending goes through ``distribute.mail``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ..distribute import mail

SUBJECT = "Your saved survey answers: the link to finish"


@dataclass(frozen=True)
class ResumeLink:
    """Where a respondent's saved answers wait: the link, the resume page and the code."""

    url: str
    page: str
    code: str


def compose(link: ResumeLink, sender: str, to: str) -> EmailMessage:
    """The e-mail with the resume link, in plain text (``ValueError`` for an address it cannot write)."""
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or "localhost")
    message.set_content(
        "Hello,\n\n"
        "You saved your survey answers to finish later. To carry on where you left off, open this link:\n\n"
        f"{link.url}\n\n"
        f"Or go to {link.page} and type this resume code: {link.code}\n\n"
        "Keep this e-mail to yourself: anyone who has the link or the code can see and change your"
        " answers. Once you send your answers, the link stops working.\n\n"
        "This address was used only to send you this e-mail: it was not stored.\n"
    )
    return message


def is_configured(config: Mapping[str, Any]) -> bool:
    """Whether this server can send e-mail (MAIL_SERVER is set)."""
    return mail.is_configured(config)


def send(config: Mapping[str, Any], link: ResumeLink, to: str) -> None:
    """Send the resume link to ``to`` through the configured mail server (``mail.MailError``
    when the address or the server refuses it)."""
    settings = mail.settings_from(config)
    if settings is None:
        raise mail.MailServerError("MAIL_SERVER is not set")
    try:
        message = compose(link, settings.sender, to)
    except ValueError:
        raise mail.MailError("the address cannot be written in an e-mail") from None
    with mail.connect(settings) as mailer:
        mailer.send(message)
