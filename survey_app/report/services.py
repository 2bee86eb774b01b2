"""The work behind the report's pages: the PDF, the commentary and action plan, the logo.

Functions take a SQLAlchemy session and plain values; they never touch the request,
and they raise ``InvalidInput`` (``FieldInvalid`` when one form field is to blame).
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.questionnaire import Questionnaire
from ..errors import FieldInvalid, InvalidInput, NotFound
from ..models import ActionItem, ActionStatus, Assessment, User
from . import cache
from .assets import data_url

if TYPE_CHECKING:
    from .render import RenderedReport

#: The largest logo file accepted, in bytes.
MAX_LOGO_BYTES = 1024 * 1024
#: The largest logo accepted, in pixels (width × height): a small file can still unpack huge.
MAX_LOGO_PIXELS = 25_000_000
#: What Pillow calls the accepted formats, and their media types.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
#: How PNG and JPEG files start.
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
MAX_COMMENTARY_LENGTH = 10_000
MAX_ACTIONS = 30
MAX_ACTION_LENGTH = 500
MAX_OWNER_LENGTH = 200
ACTION_STATUS_MESSAGE = "Choose a status for this action: Planned, In progress or Done."
#: The longest list of an action's statements (the column's size: item ids and spaces).
MAX_STATEMENTS_LENGTH = 400
#: How much of a statement's text the action plan's choices show after its id.
STATEMENT_LABEL_LENGTH = 70


# --- The PDF ------------------------------------------------------------------------------------------


def report_pdf(
    session: Session,
    assessment: Assessment,
    questionnaire: Questionnaire | None,
    paper: str = "a4",
    progress: Callable[[str], None] | None = None,
) -> RenderedReport:
    """The assessment's PDF report."""
    # Imported here: WeasyPrint takes half a second to load, which pages and commands
    # that never make a PDF need not pay.
    from .render import build_report

    if questionnaire is None:
        raise NotFound(
            f"the questionnaire {assessment.questionnaire_id!r} of assessment {assessment.slug!r}"
            " is not installed"
        )
    return build_report(session, assessment, questionnaire, paper=paper, progress=progress)


def cached_report(
    session: Session, assessment_id: int, questionnaire: Questionnaire, paper: str
) -> tuple[str, bytes | None]:
    """The state key of the assessment's report on ``paper``, and its PDF if one was made in that state.

    The key covers only published figures (see ``cache``), so a response waiting for its
    step never makes a new report.
    """
    key = cache.state_key(session, assessment_id, questionnaire, paper)
    return key, cache.stored_pdf(session, assessment_id, paper, key)


def keep_report(
    session: Session, assessment_id: int, questionnaire: Questionnaire, paper: str, key: str, pdf: bytes
) -> bool:
    """Store ``pdf``, made in state ``key``, for the next download; whether it was stored.

    It is not stored when the state changed while the report was being made: the PDF
    might show some of the new state, and must never be served for the old one.
    """
    if cache.state_key(session, assessment_id, questionnaire, paper) != key:
        return False
    cache.store(session, assessment_id, paper, key, pdf)
    return True


def check_output(path: Path) -> None:
    """Fail early, before the slow work, when the PDF could not be written to ``path``."""
    if path.is_dir():
        raise InvalidInput(f"cannot write {path}: it is a folder")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {path}: the folder {folder} does not exist")
    writable = os.access(path, os.W_OK) if path.exists() else os.access(folder, os.W_OK | os.X_OK)
    if not writable:
        raise InvalidInput(f"cannot write {path}: permission denied")


def write_pdf(path: Path, data: bytes) -> None:
    """Write the PDF to ``path``, as one readable error when that fails."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


def report_filename(assessment: Assessment) -> str:
    """The download's file name: the slug is URL- and file-safe."""
    return f"{assessment.slug}-report.pdf"


# --- Commentary and action plan -------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    """One row of the action plan as entered."""

    action: str
    owner: str = ""
    due_on: date | None = None
    #: One of ``ActionStatus``'s values ("planned", "in_progress", "done").
    status: str = ActionStatus.PLANNED
    #: The item ids of the statements the action aims to move; None leaves a stored action's
    #: statements as they are (a new action then names none).
    statements: tuple[str, ...] | None = None
    #: The stored action this row is (``ActionItem.id``), None for a new one: a stored action is
    #: changed in place, so it keeps its id (which the next wave's carried actions point at) and
    #: the action of the previous wave it was carried from.
    id: int | None = None


def action_rows(session: Session, assessment: Assessment) -> list[ActionInput]:
    """The stored action plan, in order."""
    rows = session.scalars(
        select(ActionItem)
        .where(ActionItem.assessment_id == assessment.id)
        .order_by(ActionItem.position, ActionItem.id)
    )
    return [
        ActionInput(row.action, row.owner, row.due_on, row.status, row.statement_ids, row.id) for row in rows
    ]


def statement_choices(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """The statements an action can name, as (item id, "k03 · its text, shortened")."""
    choices = []
    for item in questionnaire.items:
        text = item.text
        if len(text) > STATEMENT_LABEL_LENGTH:
            text = text[:STATEMENT_LABEL_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        choices.append((item.id, f"{item.id} · {text}"))
    return choices


def _checked_statements(
    index: int, action: str, statements: Sequence[str], questionnaire: Questionnaire | None
) -> tuple[str, ...]:
    """The statements of row ``index`` as stored: known item ids, once each, in the questionnaire's order."""
    field = f"actions-{index}-statements"
    if not statements:
        return ()
    # The row is named by its action (shortened): this row's number counts only the rows kept.
    action = action if len(action) <= 60 else action[:60].rsplit(" ", 1)[0] + "…"
    wanted = set(statements)
    if questionnaire is None:
        raise FieldInvalid(
            field,
            f"The statements of the action “{action}” cannot be checked: the questionnaire is not installed.",
        )
    unknown = sorted(wanted - set(questionnaire.item_ids))
    if unknown:
        named = ", ".join(unknown)
        verb = "is not a statement" if len(unknown) == 1 else "are not statements"
        raise FieldInvalid(
            field,
            f"The action “{action}” names {named}, which {verb} of the questionnaire {questionnaire.id}.",
        )
    chosen = tuple(item_id for item_id in questionnaire.item_ids if item_id in wanted)
    if len(" ".join(chosen)) > MAX_STATEMENTS_LENGTH:
        raise FieldInvalid(field, f"The action “{action}” names too many statements: choose fewer.")
    return chosen


def save_commentary(
    session: Session,
    assessment: Assessment,
    commentary: str,
    actions: Sequence[ActionInput],
    questionnaire: Questionnaire | None = None,
) -> int:
    """Replace the commentary and the action plan; rows without an action are dropped.

    A row naming a stored action of this plan (``ActionInput.id``) changes it in place, the
    stored actions no row names are deleted, the other rows are added. The statements a row
    names must be statements of ``questionnaire`` (the assessment's). Returns how many actions
    are stored.
    """
    commentary = commentary.strip()
    if len(commentary) > MAX_COMMENTARY_LENGTH:
        raise FieldInvalid(
            "commentary", f"The commentary must be at most {MAX_COMMENTARY_LENGTH:,} characters long."
        )
    kept: list[ActionInput] = []
    for index, row in enumerate(actions):
        action, owner = row.action.strip(), row.owner.strip()
        if not action:
            if owner or row.due_on is not None:
                raise FieldInvalid(
                    f"actions-{index}-action", "Enter the action, or clear the owner and the date."
                )
            if row.statements:
                raise FieldInvalid(f"actions-{index}-action", "Enter the action, or clear its statements.")
            continue
        if len(action) > MAX_ACTION_LENGTH:
            raise FieldInvalid(
                f"actions-{index}-action", f"The action must be at most {MAX_ACTION_LENGTH} characters long."
            )
        if len(owner) > MAX_OWNER_LENGTH:
            raise FieldInvalid(
                f"actions-{index}-owner", f"The owner must be at most {MAX_OWNER_LENGTH} characters long."
            )
        if row.status not in set(ActionStatus):
            raise FieldInvalid(f"actions-{index}-status", ACTION_STATUS_MESSAGE)
        statements = (
            None
            if row.statements is None
            else _checked_statements(index, action, row.statements, questionnaire)
        )
        kept.append(ActionInput(action, owner, row.due_on, ActionStatus(row.status), statements, row.id))
    if len(kept) > MAX_ACTIONS:
        raise InvalidInput(f"An action plan can have at most {MAX_ACTIONS} actions.")
    assessment.commentary = commentary
    stored = {
        item.id: item
        for item in session.scalars(select(ActionItem).where(ActionItem.assessment_id == assessment.id))
    }
    for position, row in enumerate(kept):
        # An id of another plan's action (or one named twice) is a new action, never a change of it.
        item = stored.pop(row.id, None) if row.id is not None else None
        if item is None:
            item = ActionItem(assessment_id=assessment.id, statements="")
            session.add(item)
        item.position = position
        item.action, item.owner, item.due_on, item.status = row.action, row.owner, row.due_on, row.status
        if row.statements is not None:
            item.statements = " ".join(row.statements)
    for item in stored.values():
        session.delete(item)
    session.flush()
    return len(kept)


# --- The consultant's logo --------------------------------------------------------------------------


@dataclass(frozen=True)
class LogoInfo:
    """A stored logo as the profile page describes it."""

    media_type: str
    size_text: str
    width: int
    height: int
    data_url: str


def check_logo(data: bytes) -> str:
    """The media type of an acceptable logo (PNG or JPEG, at most 1 MB, a real image), or raise."""
    if not data:
        raise FieldInvalid("logo", "The file is empty. Choose a PNG or JPEG image.")
    if len(data) > MAX_LOGO_BYTES:
        raise FieldInvalid(
            "logo", f"The file is larger than {MAX_LOGO_BYTES // (1024 * 1024)} MB. Choose a smaller image."
        )
    not_an_image = FieldInvalid("logo", "The file is not a PNG or JPEG image. Choose a PNG or JPEG file.")
    too_large = FieldInvalid("logo", "The image has too many pixels. Scale it down and try again.")
    if not data.startswith(SIGNATURES):
        if b"<svg" in data[:1024].lower():
            raise FieldInvalid("logo", "SVG images are not accepted: upload the logo as PNG or JPEG.")
        raise not_an_image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Opening reads only the header; Pillow refuses a size past its own bomb limit here.
            with Image.open(io.BytesIO(data)) as image:
                media_type = LOGO_FORMATS.get(image.format or "")
                if media_type is None:
                    raise not_an_image
                width, height = image.size
                if width * height > MAX_LOGO_PIXELS:
                    raise too_large
                image.verify()
            # verify() leaves the image unusable: decode it fully from a fresh start.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except FieldInvalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # A header claiming a huge image (a decompression bomb): its size, not its format, is wrong.
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    return media_type


def set_logo(session: Session, user_id: int, data: bytes) -> str:
    """Store ``data`` as the user's logo after checking it; returns its media type."""
    media_type = check_logo(data)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    user.logo = data
    user.logo_type = media_type
    session.flush()
    return media_type


def remove_logo(session: Session, user_id: int) -> bool:
    """Remove the user's logo; whether there was one."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    had_logo = user.logo_type is not None
    user.logo = None
    user.logo_type = None
    session.flush()
    return had_logo


def logo_info(session: Session, user_id: int) -> LogoInfo | None:
    """The user's logo, described, or None."""
    row = session.execute(select(User.logo, User.logo_type).where(User.id == user_id)).one_or_none()
    if row is None or not row.logo or row.logo_type not in LOGO_FORMATS.values():
        return None
    with Image.open(io.BytesIO(row.logo)) as image:
        width, height = image.size
    size = len(row.logo)
    size_text = f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
    return LogoInfo(row.logo_type, size_text, width, height, data_url(row.logo, row.logo_type))
