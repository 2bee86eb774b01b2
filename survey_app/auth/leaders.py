"""Leader accounts of a client organization: its consultant (or an admin) invites, lists and revokes them.

An invited leader's account has no password (``passwords.NO_PASSWORD``) until its person
opens the invitation, an ``invite`` password link that works once, for seven days.
Revoking deletes the account: its sessions end and its links stop working.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..accounts import EMAIL, MAX_EMAIL_LENGTH
from ..errors import FieldInvalid, NotFound
from ..models import LinkPurpose, Organization, PasswordLink, Role, User
from . import passwords
from .principal import Principal
from .sessions import end_all_sessions

MAX_NAME_LENGTH = 200
#: Said of an address that belongs to an account elsewhere: never which organization or role.
TAKEN = (
    "This e-mail address belongs to another account, so it cannot be invited here. Use another"
    " address for this leader, or ask an admin of this site."
)


class LeaderStatus(enum.StrEnum):
    """Where a leader account stands."""

    #: Its person has chosen a password and can sign in.
    ACTIVE = "active"
    #: No password yet; the invitation link still works.
    INVITED = "invited"
    #: No password yet, and no link works any more: a new one is needed.
    EXPIRED = "expired"
    #: An admin deactivated the account: it cannot sign in.
    DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class Leader:
    """A leader account as the organization's page lists it."""

    id: int
    name: str
    email: str
    status: LeaderStatus
    #: Until when its newest unused link works (or worked); None when it has none.
    link_expires_at: datetime | None

    @property
    def display_name(self) -> str:
        """The name, or the e-mail address when no name is set."""
        return self.name or self.email


@dataclass(frozen=True)
class Invitation:
    """A leader just invited: the account, and the link (its token is shown once, never stored)."""

    user_id: int
    name: str
    email: str
    link: passwords.NewLink
    #: True when the account was waiting already (invited before) and only got a new link.
    is_renewed: bool


def managed_organization(session: Session, actor: Principal, slug: str) -> Organization:
    """The organization ``slug`` if ``actor`` may manage its leaders (an admin, or a consultant
    assigned to it); else ``NotFound``, for leaders too: its existence is not revealed."""
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None or not actor.can_manage_organization(org.id):
        raise NotFound(f"no organization {slug!r} whose leaders you may manage")
    return org


def leaders_of(session: Session, organization_id: int, now: datetime) -> list[Leader]:
    """The leader accounts of the organization, by name and e-mail, each with where it stands at ``now``."""
    users = session.scalars(
        select(User)
        .where(User.role == Role.LEADER, User.organization_id == organization_id)
        .order_by(func.lower(User.name), User.email)
    ).all()
    expiries = _newest_unused_links(session, [user.id for user in users])
    return [_leader(user, expiries.get(user.id), now) for user in users]


def get_leader(session: Session, organization_id: int, user_id: int, now: datetime) -> Leader:
    """The leader account ``user_id`` of the organization, or ``NotFound``."""
    user = _leader_row(session, organization_id, user_id)
    return _leader(user, _newest_unused_links(session, [user.id]).get(user.id), now)


def invite(session: Session, actor: Principal, slug: str, name: str, email: str) -> Invitation:
    """Make a leader account of organization ``slug`` for ``name`` and ``email`` with a fresh
    invitation link (``passwords.INVITE_LIFETIME``), or a fresh link for a leader of it who has
    not chosen a password yet (their earlier link stops working).

    Raises ``NotFound`` when ``actor`` may not manage the organization's leaders, and
    ``FieldInvalid`` for a missing name, a malformed address, or an address that belongs
    to another account (which one is not said).
    """
    org = managed_organization(session, actor, slug)
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise FieldInvalid("name", "Enter the leader’s name.")
    if len(name) > MAX_NAME_LENGTH:
        raise FieldInvalid("name", f"The name is too long: at most {MAX_NAME_LENGTH} characters.")
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
        raise FieldInvalid("email", "Enter an e-mail address such as name@example.com.")
    user = session.scalar(select(User).where(User.email == email))
    renewed = user is not None
    if user is None:
        user = User(
            email=email,
            name=name,
            role=Role.LEADER,
            organization_id=org.id,
            password_hash=passwords.NO_PASSWORD,
        )
        session.add(user)
        session.flush()
    else:
        _check_invitable(user, org)
        user.name = name
    made = passwords.create_link(
        session, user, LinkPurpose.INVITE, passwords.INVITE_LIFETIME, created_by_id=actor.id
    )
    return Invitation(user.id, user.name, user.email, made, is_renewed=renewed)


def revoke(session: Session, actor: Principal, slug: str, user_id: int) -> None:
    """Delete the leader account ``user_id`` of organization ``slug``: it can no longer sign in,
    its sessions end and its unused links stop working.

    Raises ``NotFound`` when ``actor`` may not manage the organization's leaders or the
    account is not a leader of it (an admin's or consultant's account is never revoked here).
    """
    org = managed_organization(session, actor, slug)
    user = _leader_row(session, org.id, user_id)
    end_all_sessions(session, user.id)
    session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    session.delete(user)
    session.flush()


def _check_invitable(user: User, org: Organization) -> None:
    """Refuse to invite ``user`` again unless they are a leader of ``org`` still without a password."""
    if user.role is not Role.LEADER or user.organization_id != org.id:
        raise FieldInvalid("email", TAKEN)
    if not user.is_active:
        raise FieldInvalid(
            "email",
            f"This is the address of a leader of {org.name} whose account an admin deactivated. Ask an"
            " admin to reactivate it, or revoke it below and invite the leader again.",
        )
    if passwords.has_password(user):
        raise FieldInvalid(
            "email",
            f"This is the address of a leader of {org.name} who has chosen a password already. If it"
            " is forgotten, make them a reset link (Leaders’ passwords).",
        )


def _leader_row(session: Session, organization_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role is not Role.LEADER or user.organization_id != organization_id:
        raise NotFound(f"no leader account with id {user_id} in this organization")
    return user


def _newest_unused_links(session: Session, user_ids: list[int]) -> dict[int, datetime]:
    """Until when each user's newest unused link (of any purpose) works, by user id."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(PasswordLink.user_id, func.max(PasswordLink.expires_at))
        .where(PasswordLink.user_id.in_(user_ids), PasswordLink.used_at.is_(None))
        .group_by(PasswordLink.user_id)
    )
    return {user_id: expires_at for user_id, expires_at in rows}


def _leader(user: User, link_expires_at: datetime | None, now: datetime) -> Leader:
    if not user.is_active:
        status = LeaderStatus.DEACTIVATED
    elif passwords.has_password(user):
        status = LeaderStatus.ACTIVE
    elif link_expires_at is not None and link_expires_at > now:
        status = LeaderStatus.INVITED
    else:
        status = LeaderStatus.EXPIRED
    return Leader(user.id, user.name, user.email, status, link_expires_at)
