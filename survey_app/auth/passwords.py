"""Setting passwords: one's own (with the current one), or through a single-use link.

A password link carries a random token of 256 bits; the database keeps only its SHA-256,
so whoever reads the database cannot use a link. A link works once and until it expires.
Its ``purpose`` says why it was made: "reset" now (an admin, or the consultant of a
leader's organization, makes it), "invite" for a new account's first password (``leaders``:
a consultant invites their client's leaders; the link works for ``INVITE_LIFETIME``).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash

from ..accounts import check_password, hash_password
from ..errors import InvalidInput, NotFound
from ..models import LinkPurpose, Organization, PasswordLink, Role, User
from ..tokens import token_hash
from .principal import Principal
from .sessions import end_all_sessions, end_other_sessions

#: Random bytes in a link's token (256 bits).
TOKEN_BYTES = 32
#: How long an invitation works: a new account's person may take days to open their mail
#: (a reset link lives ``RESET_LINK_HOURS``, 24 by default).
INVITE_LIFETIME = timedelta(days=7)
#: The password hash of an account whose person has not chosen a password yet: it is no
#: hash of anything, so no password signs in with it (``check_password_hash`` refuses it).
NO_PASSWORD = "!invited"


class WrongPassword(InvalidInput):
    """The current password given to change it is not right."""


class LinkState(enum.StrEnum):
    """Whether a password link can still be used."""

    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class LinkUnusable(InvalidInput):
    """The link is unknown, used or expired (``state``)."""

    def __init__(self, state: LinkState) -> None:
        super().__init__(f"the link is {state.value}")
        self.state = state


def change_own_password(session: Session, user: Principal, current: str, new: str) -> None:
    """Set ``user``'s password to ``new`` if ``current`` is right; end their other sessions.

    Raises ``WrongPassword`` or ``WeakPassword``; nothing changes then.
    """
    row = session.get(User, user.id)
    if row is None or not check_password_hash(row.password_hash, current):
        raise WrongPassword("the current password is not right")
    check_password(new, row.email)
    row.password_hash = hash_password(new)
    session.flush()
    end_other_sessions(session, row.id, user.session_token)


def has_password(user: User) -> bool:
    """Whether the account's person has chosen a password (an invited one may not have yet)."""
    return user.password_hash != NO_PASSWORD


# Who may make a reset link for whom ---------------------------------------------------------


def may_reset(actor: Principal, target: User) -> bool:
    """Admins may reset anyone's password; a consultant only that of a leader of their organizations."""
    if actor.is_admin:
        return True
    return (
        actor.role is Role.CONSULTANT
        and target.role is Role.LEADER
        and target.organization_id in actor.assigned_organization_ids
    )


def resettable_users(session: Session, actor: Principal) -> list[User]:
    """The accounts whose password ``actor`` may reset, by organization and e-mail."""
    query = (
        select(User)
        .outerjoin(Organization, User.organization_id == Organization.id)
        .options(selectinload(User.organization))
        .order_by(Organization.name, User.email)
    )
    if not actor.is_admin:
        query = query.where(
            User.role == Role.LEADER, User.organization_id.in_(actor.assigned_organization_ids)
        )
    return list(session.scalars(query))


def resettable_user(session: Session, actor: Principal, user_id: int) -> User:
    """The account ``user_id`` if ``actor`` may reset its password, else ``NotFound`` (its existence
    is not revealed)."""
    user = session.get(User, user_id)
    if user is None or not may_reset(actor, user):
        raise NotFound(f"no account with id {user_id} that you may reset")
    return user


# Links ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewLink:
    """A link just made: its token (shown once, never stored) and when it stops working."""

    token: str
    expires_at: datetime


def create_link(
    session: Session, user: User, purpose: LinkPurpose, lifetime: timedelta, created_by_id: int | None
) -> NewLink:
    """A fresh link of ``purpose`` for ``user``; it replaces their earlier unused ones of that purpose."""
    session.execute(
        delete(PasswordLink).where(
            PasswordLink.user_id == user.id, PasswordLink.purpose == purpose, PasswordLink.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = datetime.now(UTC)
    session.add(
        PasswordLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_by_id=created_by_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return NewLink(token, now + lifetime)


def find_link(session: Session, token: str, now: datetime) -> PasswordLink:
    """The usable link of ``token`` with its user, or ``LinkUnusable`` saying why not."""
    link = session.scalar(
        select(PasswordLink)
        .where(PasswordLink.token_hash == token_hash(token))
        .options(selectinload(PasswordLink.user))
    )
    if link is None:
        raise LinkUnusable(LinkState.UNKNOWN)
    if link.used_at is not None:
        raise LinkUnusable(LinkState.USED)
    if link.expires_at <= now:
        raise LinkUnusable(LinkState.EXPIRED)
    return link


def use_link(session: Session, token: str, password: str, now: datetime) -> User:
    """Set the password of the link's user and end all their sessions; the link never works again.

    Raises ``LinkUnusable`` or ``WeakPassword`` (the link stays usable then). Two requests
    racing with one link: only one of them marks it used, the other gets ``LinkUnusable``.
    """
    link = find_link(session, token, now)
    user = link.user
    check_password(password, user.email)
    marked = session.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        raise LinkUnusable(LinkState.USED)
    user.password_hash = hash_password(password)
    session.flush()
    end_all_sessions(session, user.id)
    return user
