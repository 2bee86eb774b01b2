"""Survey link tokens: unguessable, and stored only as hashes.

A team's token is derived from a random 128-bit salt (stored) and the app's secret
key (not stored), so the link can be shown again to its consultant while the
database alone never reveals it. The database keeps the token's SHA-256 for lookup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_salt() -> str:
    """A fresh random salt (128 bits from ``secrets``)."""
    return secrets.token_hex(16)


def derive_token(secret_key: str, purpose: str, salt: str) -> str:
    """The URL-safe token for ``salt``: an HMAC-SHA256 of it under the secret key."""
    digest = hmac.new(secret_key.encode(), f"{purpose}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    """The hex SHA-256 under which a token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(secret_key: str, purpose: str) -> tuple[str, str]:
    """A fresh link: the (salt, hash) to store; the token itself is derived when needed."""
    salt = new_salt()
    return salt, token_hash(derive_token(secret_key, purpose, salt))


def stored_link_token(secret_key: str, purpose: str, salt: str, stored_hash: str) -> str | None:
    """The token of a stored link, or None when it was made under another secret key."""
    token = derive_token(secret_key, purpose, salt)
    return token if token_hash(token) == stored_hash else None
