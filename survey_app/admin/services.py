"""Changing accounts: role, organizations, activation, password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..accounts import check_password, hash_password
from ..auth.sessions import end_all_sessions
from ..errors import InvalidInput, NotFound
from ..models import Organization, Role, User


@dataclass(frozen=True)
class AccountChange:
    """What an admin set on the account form."""

    name: str
    role: Role
    organization_id: int | None
    assigned_ids: frozenset[int]
    is_active: bool
    password: str | None = None


def list_users(session: Session) -> list[User]:
    """Every account, admins first, then by e-mail."""
    return list(
        session.scalars(
            select(User)
            .options(selectinload(User.organization), selectinload(User.assigned_organizations))
            .order_by(User.role, User.email)
        )
    )


def get_user(session: Session, user_id: int) -> User:
    """An account by id, or ``NotFound``."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no account with id {user_id}")
    return user


def organizations(session: Session) -> list[Organization]:
    """Every organization, by name."""
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def apply_change(session: Session, user: User, change: AccountChange, *, acting_user_id: int) -> None:
    """Set role, organizations, activation and (optionally) a new password on ``user``.

    A leader needs an organization; admins cannot lock themselves out. Deactivating
    an account or changing its password signs it out everywhere.
    """
    if user.id == acting_user_id and (change.role is not Role.ADMIN or not change.is_active):
        raise InvalidInput("you cannot remove your own admin role or deactivate your own account")
    if change.role is Role.LEADER and change.organization_id is None:
        raise InvalidInput("a leader needs an organization")
    known = {org.id: org for org in organizations(session)}
    if change.organization_id is not None and change.organization_id not in known:
        raise InvalidInput("that organization does not exist")
    user.name = change.name.strip()
    user.role = change.role
    user.organization_id = change.organization_id if change.role is Role.LEADER else None
    user.assigned_organizations = (
        [known[i] for i in sorted(change.assigned_ids) if i in known]
        if change.role is Role.CONSULTANT
        else []
    )
    sign_out = user.is_active and not change.is_active
    user.is_active = change.is_active
    if change.password:
        check_password(change.password, user.email)
        user.password_hash = hash_password(change.password)
        sign_out = True
    session.flush()
    if sign_out:
        end_all_sessions(session, user.id)


def get_organization_name(session: Session, organization_id: int) -> str:
    """The name of an organization by id, or ``InvalidInput``."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise InvalidInput("that organization does not exist")
    return org.name
