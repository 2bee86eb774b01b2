"""Forms of the distribution page: new personal invitations, and the send button."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..base_form import BaseForm

#: Largest CSV file of people accepted (bytes).
MAX_CSV_BYTES = 1024 * 1024
#: Longest pasted list accepted (characters).
MAX_PASTED_CHARS = 200_000


class InvitationsForm(BaseForm):
    """People for one team: a pasted list or a CSV file."""

    team = SelectField("Team", validators=[DataRequired(message="Choose the team these people belong to.")])
    people = TextAreaField(
        "People to invite",
        validators=[
            Length(max=MAX_PASTED_CHARS, message="The list is too long: add at most 2000 people at once.")
        ],
        description=(
            "One person a line: \u201cName <email>\u201d, \u201cName, email\u201d, \u201cName; email\u201d"
            " or just the e-mail address."
        ),
    )
    csv_file = FileField(
        "Or a CSV file",
        validators=[
            FileAllowed(["csv", "txt"], "Choose a .csv file."),
            FileSize(MAX_CSV_BYTES, message="The file is larger than 1 MB: split it."),
        ],
        description=(
            "The first line names the columns: name and email (separated by commas or semicolons)."
            " Saved as UTF-8."
        ),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Exactly one source of people: the pasted list or the file."""
        if not super().validate(extra_validators):
            return False
        pasted = bool((self.people.data or "").strip())
        if pasted and self.csv_file.data:
            self.csv_file.errors.append(
                "Use either the pasted list or a file, not both: the file was not read."
            )
            return False
        if not pasted and not self.csv_file.data:
            self.people.errors.append("Paste at least one person, or choose a CSV file.")
            return False
        return True


class SendForm(BaseForm):
    """The "Send by e-mail" button (its CSRF token only)."""


class TeamLinksForm(BaseForm):
    """Whether the team links take answers, or only personal invitations do."""

    invitations_only = BooleanField("Take answers through personal invitations only (team links off)")
