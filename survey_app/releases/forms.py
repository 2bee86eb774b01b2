"""The release form and the withdraw confirmation."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from ..base_form import BaseForm
from .services import MAX_NOTE_LENGTH


class ReleaseForm(BaseForm):
    """Release the results now, with an optional note for the leaders."""

    note = TextAreaField(
        "Note for the leaders (optional)",
        description="Shown with this release, for example what it covers or when the next one comes.",
        validators=[
            Length(
                max=MAX_NOTE_LENGTH, message=f"The note must be at most {MAX_NOTE_LENGTH:,} characters long."
            )
        ],
    )


class WithdrawForm(BaseForm):
    """Withdraw one release (its number is in the URL)."""
