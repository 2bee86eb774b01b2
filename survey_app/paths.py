"""Where the data folders are: inside the package when installed, beside it in a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def data_folder(name: str) -> Path:
    """The folder ``name`` (``questionnaires`` or ``reports``) as installed or in the source tree."""
    installed = PACKAGE / name
    return installed if installed.is_dir() else PACKAGE.parent / name
