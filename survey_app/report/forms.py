"""Forms of the report's pages: commentary and action plan, logo, background report jobs."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..base_form import BaseForm
from ..models import ActionStatus
from .context import PAPER_SIZES
from .services import (
    ACTION_STATUS_MESSAGE,
    MAX_ACTION_LENGTH,
    MAX_ACTIONS,
    MAX_COMMENTARY_LENGTH,
    MAX_OWNER_LENGTH,
)
from .wording import ACTION_STATUS_TEXT

#: Empty rows offered under the stored ones, so actions can be added without JavaScript.
BLANK_ROWS = 3
DATE_MESSAGE = "Enter a date such as 2027-03-31."


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ActionRowForm(Form):
    """One action: what, who, by when, how far along; ticking "remove" drops it."""

    action = StringField(
        "Action",
        validators=[
            Length(
                max=MAX_ACTION_LENGTH,
                message=f"The action must be at most {MAX_ACTION_LENGTH} characters long.",
            )
        ],
        filters=[_strip],
    )
    owner = StringField(
        "Owner",
        validators=[
            Length(
                max=MAX_OWNER_LENGTH, message=f"The owner must be at most {MAX_OWNER_LENGTH} characters long."
            )
        ],
        filters=[_strip],
    )
    due_on = DateField("Due date", validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    # AnyOf rather than the field's own choice check, whose message ("Not a valid choice") says
    # nothing of what to choose.
    status = SelectField(
        "Status",
        choices=[SelectChoice(status.value, ACTION_STATUS_TEXT[status.value]) for status in ActionStatus],
        default=ActionStatus.PLANNED.value,
        validate_choice=False,
        validators=[AnyOf([status.value for status in ActionStatus], message=ACTION_STATUS_MESSAGE)],
    )
    remove = BooleanField("Remove this action")
    #: The statements it aims to move, as checkboxes; the view sets the questionnaire's
    #: statements as the choices, and ``services.save_commentary`` checks what was ticked.
    statements = SelectMultipleField(
        "Statements it aims to move",
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    #: The stored action the row shows (its id), so saving changes it in place.
    action_id = HiddenField()


class CommentaryForm(BaseForm):
    """The consultant's commentary and the action plan of an assessment."""

    commentary = TextAreaField(
        "Commentary",
        validators=[
            Length(
                max=MAX_COMMENTARY_LENGTH,
                message=f"The commentary must be at most {MAX_COMMENTARY_LENGTH:,} characters long.",
            )
        ],
        filters=[_strip],
    )
    actions = FieldList(FormField(ActionRowForm), min_entries=0, max_entries=MAX_ACTIONS + BLANK_ROWS)


class LogoForm(BaseForm):
    """Upload a logo for the report cover."""

    logo = FileField(
        "Logo file (PNG or JPEG, at most 1 MB)",
        validators=[FileRequired(message="Choose a PNG or JPEG file to upload.")],
        render_kw={"accept": "image/png,image/jpeg"},
    )


class RemoveLogoForm(BaseForm):
    """Remove the logo (a button and the CSRF token only)."""


class ReportJobForm(BaseForm):
    """Ask the background worker to make the PDF report (CSRF token and paper size)."""

    paper = HiddenField("Paper size", default="a4", validators=[AnyOf(PAPER_SIZES)])
