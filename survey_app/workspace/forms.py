"""Forms of the workspace: organizations, assessments, settings, status, import, undoing an import."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ..assessments import DEFAULT_TEAMS, MAX_NAME_LENGTH
from ..base_form import BaseForm
from ..domain.scoring import MIN_GROUP_FLOOR
from .services import MAX_PURPOSE_LENGTH, MAX_TEAM_NAME_LENGTH, MAX_TEAMS

WHOLE_NUMBER = re.compile(r"\s*[0-9]+\s*")
DATE_MESSAGE = "Enter a date such as 2025-05-31."


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """A whole number typed as digits only (no signs, no "1_000"), with a plain message."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(
            label, validators, invalid_value_message="Enter a whole number, such as 12.", **kwargs
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Accept digits only; anything else is an error that keeps what was typed."""
        if valuelist and isinstance(valuelist[0], str) and valuelist[0].strip():
            if not WHOLE_NUMBER.fullmatch(valuelist[0]):
                self.data = None
                raise ValueError(self.invalid_value_message)
            valuelist = [valuelist[0].strip()]
        elif valuelist:
            self.data = None
            return
        super().process_formdata(valuelist)


class OrganizationForm(BaseForm):
    """A new client organization."""

    name = StringField(
        "Organization name",
        validators=[
            DataRequired(message="Enter the organization's name."),
            Length(
                max=MAX_NAME_LENGTH, message=f"The name must be at most {MAX_NAME_LENGTH} characters long."
            ),
        ],
        filters=[_strip],
    )


class TeamForm(Form):
    """One team row: its name and how many people were asked (both optional here)."""

    name = StringField(
        "Name",
        validators=[
            Optional(),
            Length(
                max=MAX_TEAM_NAME_LENGTH,
                message=f"The team name must be at most {MAX_TEAM_NAME_LENGTH} characters long.",
            ),
        ],
        filters=[_strip],
    )
    headcount = WholeNumberField("Headcount", validators=[Optional()])

    def validate_headcount(self, field: WholeNumberField) -> None:
        """At least one person, when given."""
        if field.data is not None and field.data < 1:
            raise ValidationError("The headcount must be at least 1.")


class _AssessmentFields(BaseForm):
    """Fields shared by the new-assessment and the settings forms."""

    name = StringField(
        "Name of the assessment",
        validators=[
            DataRequired(message="Enter a name for the assessment."),
            Length(
                max=MAX_NAME_LENGTH, message=f"The name must be at most {MAX_NAME_LENGTH} characters long."
            ),
        ],
        filters=[_strip],
    )
    teams = FieldList(FormField(TeamForm), min_entries=MAX_TEAMS, max_entries=MAX_TEAMS)
    min_group_size = WholeNumberField("Minimum group size")
    opens_on = DateField("Opening date", validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    closes_on = DateField("Closing date", validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    purpose = TextAreaField(
        "Purpose (shown to respondents)",
        validators=[
            Optional(),
            Length(
                max=MAX_PURPOSE_LENGTH,
                message=f"The purpose must be at most {MAX_PURPOSE_LENGTH} characters long.",
            ),
        ],
        filters=[_strip],
    )

    #: Set by the view: the minimum group size and the teams no longer change.
    is_locked = False

    def validate_min_group_size(self, field: WholeNumberField) -> None:
        """Required while it can still be set; never below the anonymity floor."""
        if field.data is None:
            if not self.is_locked and not field.errors:
                raise ValidationError("Enter the minimum group size.")
            return
        if field.data < MIN_GROUP_FLOOR:
            raise ValidationError(
                f"The minimum group size must be at least {MIN_GROUP_FLOOR}, so that no one's answers"
                " can be picked out."
            )

    def validate_closes_on(self, field: DateField) -> None:
        """The closing date is the last day to answer: not before the opening date."""
        if field.data is not None and self.opens_on.data is not None and field.data < self.opens_on.data:
            raise ValidationError("The closing date must not be before the opening date.")


class AssessmentForm(_AssessmentFields):
    """A new assessment; the questionnaire's choices are set by the view."""

    questionnaire = SelectField("Questionnaire")

    @classmethod
    def default_teams(cls) -> list[dict[str, Any]]:
        """Sales and Marketing, then empty rows for more teams."""
        rows: list[dict[str, Any]] = [{"name": name, "headcount": None} for _key, name in DEFAULT_TEAMS]
        return rows + [{"name": "", "headcount": None}] * (MAX_TEAMS - len(rows))


class SettingsForm(_AssessmentFields):
    """An assessment's settings."""


class StatusForm(BaseForm):
    """Close or reopen (the button sends the action); closing only with ``confirm`` set to "yes"."""

    action = StringField(validators=[AnyOf(["close", "reopen"])])
    confirm = HiddenField()


class RerunForm(BaseForm):
    """The next wave of an assessment: its name and dates (the rules are checked by
    ``assessments.rerun_assessment``, as for the command line)."""

    name = StringField("Name of the new wave", filters=[_strip])
    opens_on = DateField("Opening date", validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    closes_on = DateField("Closing date", validators=[Optional()], invalid_value_message=DATE_MESSAGE)


class SeriesForm(BaseForm):
    """Take the assessment out of its organization's series (``out``) or put it back (``in``)."""

    series = StringField(validators=[AnyOf(["in", "out"])])


class ImportForm(BaseForm):
    """A responses file to import; ``allow_duplicate`` (shown once a file was refused as one
    imported before) imports the same content again as a new batch."""

    csv_file = FileField(
        "Responses file (CSV)", validators=[FileRequired(message="Choose a CSV file to import.")]
    )
    allow_duplicate = BooleanField("Import it again as a new batch")


class UndoBatchForm(BaseForm):
    """Undo one import batch (its number is in the URL)."""
