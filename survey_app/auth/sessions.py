"""Server-side sign-in sessions: a random token in the cookie, its hash in the database.

Signing out deletes the row, so a copied cookie stops working at once; each sign-in
starts a new session with a new token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User, UserSession
from ..tokens import token_hash
from .principal import Principal

#: Compared against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.password_hash.startswith("!"):
        # No account, or one invited that has no password yet ("!invited", see passwords.py):
        # hash anyway, so the answer takes as long as for a real account and tells nothing.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def start_session(session: Session, user: User) -> str:
    """Record a new sign-in session for ``user``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=token_hash(token)))
    session.flush()
    return token


def end_session(session: Session, token: str) -> None:
    """Forget a sign-in session (signing out)."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(session: Session, user_id: int) -> None:
    """Sign a user out everywhere (after a password change or deactivation)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def load_principal(session: Session, token: str, lifetime: timedelta) -> Principal | None:
    """The user of a live session token, or None when unknown, expired or deactivated."""
    row = session.scalar(
        select(UserSession)
        .where(UserSession.token_hash == token_hash(token))
        .options(selectinload(UserSession.user).selectinload(User.assigned_organizations))
    )
    if row is None or not row.user.is_active:
        return None
    if datetime.now(UTC) - row.created_at > lifetime:
        return None
    return Principal.of(row.user, token)


def end_other_sessions(session: Session, user_id: int, keep_token: str) -> None:
    """Sign a user out everywhere but in the session of ``keep_token`` (after changing their password)."""
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user_id, UserSession.token_hash != token_hash(keep_token)
        )
    )
