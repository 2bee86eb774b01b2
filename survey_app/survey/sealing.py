"""Drafts sealed under a key the server does not keep, so the database alone cannot read them.

A draft's answers and comment are stored only as a sealed blob: AES-256-GCM under a key
derived with HKDF-SHA256 from the draft's key material, a token the database does not
hold (a personal invitation's token, which needs the app's secret key to derive, or a
team-link draft's resume code, of which only the hash is stored). The tokens carry at
least 118 random bits (a resume code: 24 characters of 31), so HKDF is enough: no slow
password hash is needed.

A blob is a version byte, a random 96-bit nonce, then the ciphertext with its 16-byte
tag. The version byte is authenticated too (as associated data). Pure: no Flask, no
database.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import SurveyError

#: The first byte of every sealed draft: how it was sealed.
VERSION = 1
#: HKDF's salt: fixed for this application, so its keys differ from any other use of a token.
SALT = b"survey_app: sales-marketing alignment survey drafts"
#: HKDF's info: what the key is for, and the version of the format.
INFO = b"survey draft v1"
NONCE_BYTES = 12
TAG_BYTES = 16


class DraftUnreadable(SurveyError):
    """A sealed draft that cannot be opened: a wrong key, or a blob altered or cut short."""


def _aead(key_material: str) -> AESGCM:
    if not key_material:
        raise ValueError("a draft needs key material to be sealed or opened")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=INFO).derive(key_material.encode())
    return AESGCM(key)


def seal(key_material: str, answers: Mapping[str, int | str], comment: str) -> bytes:
    """``answers`` (item id -> value or "dk") and ``comment``, sealed under ``key_material``.

    Each seal has a fresh random nonce, so sealing the same draft twice gives different blobs.
    """
    payload = json.dumps({"answers": dict(answers), "comment": comment}, ensure_ascii=False).encode()
    header = bytes([VERSION])
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + _aead(key_material).encrypt(nonce, payload, header)


def unseal(key_material: str, sealed: bytes) -> tuple[dict[str, int | str], str]:
    """The answers and comment of a sealed draft; ``DraftUnreadable`` for a wrong key or a
    blob that was altered."""
    sealed = bytes(sealed)  # PostgreSQL's driver may give a memoryview
    if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES or sealed[0] != VERSION:
        raise DraftUnreadable("these saved answers are not in a form this version can read")
    header, nonce, ciphertext = sealed[:1], sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        payload = json.loads(_aead(key_material).decrypt(nonce, ciphertext, header))
    except InvalidTag:
        raise DraftUnreadable("these saved answers cannot be opened with this key") from None
    # Authentic, so written by ``seal``: checked all the same, as anything read back is.
    answers = payload.get("answers") if isinstance(payload, dict) else None
    comment = payload.get("comment") if isinstance(payload, dict) else None
    if not isinstance(answers, dict) or not isinstance(comment, str):
        raise DraftUnreadable("these saved answers are not in a form this version can read")
    return answers, comment
