"""User accounts: creation with validated e-mail, role and password."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .errors import InvalidInput, NotFound
from .models import Organization, Role, User
from .password_strength import MIN_LENGTH, weakness

MIN_PASSWORD_LENGTH = MIN_LENGTH

#: Werkzeug's hashing method; scrypt with its default (strong) cost. The test suite
#: lowers the cost to keep hundreds of sign-ins fast.
PASSWORD_METHOD = "scrypt"
MAX_EMAIL_LENGTH = 254
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class WeakPassword(InvalidInput):
    """A password that may not be set; the message completes "The password …" (views put it
    on their password field)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"the password {why}")
        self.why = why


def password_error(label: str, exc: WeakPassword) -> str:
    """The message for a password field named ``label``: "The new password is too easy to guess (…)."."""
    return f"The {label.lower()} {exc.why}."


def check_password(password: str, email: str = "") -> None:
    """Refuse a password that is short, common or easy to guess, or holds the e-mail's name
    or the product's words (``WeakPassword``)."""
    if why := weakness(password, email):
        raise WeakPassword(why)


def hash_password(password: str) -> str:
    """The salted hash stored for ``password``."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def find_organization(session: Session, name: str) -> Organization:
    """The organization with this name (case-insensitive) or slug; ``NotFound`` or, when two
    organizations share the name, ``InvalidInput`` asking for the slug."""
    text = name.strip()
    named = session.scalars(
        select(Organization).where(func.lower(Organization.name) == text.lower()).order_by(Organization.slug)
    ).all()
    if len(named) > 1:
        slugs = ", ".join(org.slug for org in named)
        raise InvalidInput(f"{len(named)} organizations are named {text!r}: give the slug of one ({slugs})")
    org = named[0] if named else session.scalar(select(Organization).where(Organization.slug == text))
    if org is not None:
        return org
    known = ", ".join(session.scalars(select(Organization.name).order_by(Organization.name))) or "none yet"
    raise NotFound(f"no organization named {name!r} (known: {known})")


def create_user(
    session: Session, email: str, role: Role, password: str, organization: str | None = None
) -> User:
    """Add a user; a leader must belong to an organization, a consultant may be assigned one."""
    email = email.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    check_password(password, email)
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise InvalidInput(f"a user with e-mail {email} already exists")
    if role is Role.LEADER and not organization:
        raise InvalidInput("a leader needs an organization: add --org NAME")
    user = User(email=email, role=role, password_hash=hash_password(password))
    if organization:
        org = find_organization(session, organization)
        if role is Role.LEADER:
            user.organization = org
        else:
            user.assigned_organizations.append(org)
    session.add(user)
    session.flush()
    return user
