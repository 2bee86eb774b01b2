"""The e-mail that brings a password link to its user: composed here (pure), sent with
``distribute.mail`` when MAIL_SERVER is set."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ..distribute import mail

PRODUCT = "Sales & Marketing Alignment"


def lifetime_words(hours: int) -> str:
    """``hours`` in words: "1 hour", "24 hours", "7 days" (whole days from two days on)."""
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24} days"
    return f"{hours} hour" + ("" if hours == 1 else "s")


def when_words(moment: datetime) -> str:
    """A moment in UTC for people: "7 December 2026, 09:15 UTC"."""
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def compose_reset(
    *, sender: str, to_email: str, to_name: str, made_by: str, link: str, hours: int, expires_at: datetime
) -> EmailMessage:
    """The e-mail with a link to set a new password, as plain text with an HTML alternative."""
    return _compose(
        sender=sender,
        to_email=to_email,
        to_name=to_name,
        subject=f"Set a new password for {PRODUCT}",
        link=link,
        paragraphs=[
            f"Hello {to_name}," if to_name else "Hello,",
            f"{made_by} has made a link for you to set a new password for your account {to_email}"
            f" at {PRODUCT}. Open it to choose your new password:",
            link,
            f"The link works once, for {lifetime_words(hours)} (until {when_words(expires_at)})."
            " Setting the password signs your account out everywhere.",
            "If you did not ask for this, tell the person named above. Your password stays as it is"
            " until someone uses the link.",
        ],
    )


def compose_invite(
    *,
    sender: str,
    to_email: str,
    to_name: str,
    made_by: str,
    organization: str,
    link: str,
    hours: int,
    expires_at: datetime,
) -> EmailMessage:
    """The e-mail inviting a leader to choose the password of their new account."""
    return _compose(
        sender=sender,
        to_email=to_email,
        to_name=to_name,
        subject=f"Your account for {organization}'s results at {PRODUCT}",
        link=link,
        paragraphs=[
            f"Hello {to_name}," if to_name else "Hello,",
            f"{made_by} has made an account for you ({to_email}) at {PRODUCT}, where you can read"
            f" {organization}'s results. Open this link to choose your password:",
            link,
            f"The link works once, for {lifetime_words(hours)} (until {when_words(expires_at)})."
            " Then sign in with your e-mail address and the password you chose.",
            "If you did not expect this, tell the person named above. No one can sign in to the"
            " account until a password is chosen with the link.",
        ],
    )


def _compose(
    *, sender: str, to_email: str, to_name: str, subject: str, link: str, paragraphs: list[str]
) -> EmailMessage:
    """A message of ``paragraphs`` as plain text with an HTML alternative; the ``link`` one is a link."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_email)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or "localhost")
    message.set_content("\n\n".join(paragraphs) + "\n")
    parts = [
        f'<p><a href="{html.escape(p)}">{html.escape(p)}</a></p>' if p == link else f"<p>{html.escape(p)}</p>"
        for p in paragraphs
    ]
    message.add_alternative(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"></head>'
        "<body style=\"font-family: 'DejaVu Sans', Verdana, sans-serif; line-height: 1.5\">\n"
        + "\n".join(parts)
        + "\n</body></html>\n",
        subtype="html",
    )
    return message


def send(config: Mapping[str, Any], compose: Callable[..., EmailMessage], **facts: Any) -> None:
    """Compose an e-mail with ``compose`` (``compose_reset`` or ``compose_invite``; ``facts``: its
    arguments but the sender) and send it through the configured mail server; ``mail.MailError``
    when it cannot go."""
    settings = mail.settings_from(config)
    if settings is None:
        raise mail.MailServerError("MAIL_SERVER is not set")
    try:
        message = compose(sender=settings.sender, **facts)
    except ValueError as exc:  # an address the e-mail package cannot write
        raise mail.MailError(f"the address cannot be written in an e-mail ({exc})") from None
    with mail.connect(settings) as mailer:
        mailer.send(message)
