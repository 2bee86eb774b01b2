"""The secret key kept in the instance folder when none is configured."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILENAME = "secret_key"


def load_or_create(instance_path: Path) -> str:
    """Read the instance's secret key, creating it (readable by the owner only) the first time."""
    path = instance_path / FILENAME
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty: delete it to have a new secret key generated") from None
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
