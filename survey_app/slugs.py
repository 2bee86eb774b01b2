"""Readable, URL-safe identifiers made from names."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable

#: Letters and digits no one confuses with another (no 0/o, 1/l/i).
SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SUFFIX_LENGTH = 5


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens: "Acme GmbH – Q4" → "acme-gmbh-q4"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def unique_slug(base: str, is_taken: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3``… the first one ``is_taken`` says is free."""
    candidate, number = base, 1
    while is_taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def suffixed_slug(base: str, is_taken: Callable[[str], bool]) -> str:
    """``base`` with a random suffix ("acme-k7p2x"), whatever else exists.

    Unlike ``unique_slug``, the result does not depend on which slugs are taken, so it
    tells nothing about other people's records of the same name.
    """
    while True:
        suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
        candidate = f"{base}-{suffix}"
        if not is_taken(candidate):
            return candidate
