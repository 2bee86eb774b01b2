"""Forms of the respondents' survey.

CSRF tokens are bound to the browser session and do not expire while someone is
answering: the app sets ``WTF_CSRF_TIME_LIMIT`` to None (see ``create_app``).
"""

from __future__ import annotations

from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..base_form import BaseForm
from ..distribute.services import is_email
from .services import MAX_COMMENT, clean_comment

#: What the buttons of the questionnaire ask for: send the answers, save them to finish later,
#: or send them "anyway" with too few answers (recorded as an incomplete response).
ACTIONS = ("submit", "save", "anyway")

COMMENT_LABEL = "What is the one change that would most improve how sales and marketing work together?"


class SurveyForm(BaseForm):
    """Base of the survey's forms."""


class StartForm(SurveyForm):
    """A personal link's welcome page: its start button opens the person's draft (only the CSRF token)."""


class ResumeForm(SurveyForm):
    """Type the resume code (or paste the resume link) to go back to saved answers."""

    code = StringField(
        "Resume code",
        validators=[
            DataRequired(message="Enter the resume code you were given."),
            Length(max=500, message="This is longer than any resume code: copy only the code."),
        ],
    )


class EmailLinkForm(SurveyForm):
    """ "E-mail me this link": the address is used once, to send the resume link, and never kept."""

    email = StringField(
        "Your e-mail address",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(message="Enter an e-mail address to send the link to.")],
    )

    def validate_email(self, field: Field) -> None:
        """Refuse what cannot be an e-mail address (the same rule as invitations)."""
        if not is_email(field.data or ""):
            raise ValidationError("Enter an e-mail address like name@example.com.")


class AnswersForm(SurveyForm):
    """The questionnaire's CSRF token, submission token, button and comment.

    The statements' radio groups are rendered from ``services.FormView`` and read by
    ``services.read_answers``: an unknown value counts as no answer, since only a
    tampered form can send one, so they need no field validation here.
    """

    #: The form's submission token: sending the same form twice records one response.
    submission = HiddenField()
    #: The button pressed ("submit": Send my answers, "save": Save and finish later,
    #: "anyway": Send anyway, with too few answers).
    action = StringField()
    comment = TextAreaField(COMMENT_LABEL)

    def validate_comment(self, field: Field) -> None:
        """Refuse a comment that is too long, saying by how much."""
        length = len(clean_comment(field.data or ""))
        if length > MAX_COMMENT:
            raise ValidationError(
                f"Your comment has {length:,} characters; shorten it to {MAX_COMMENT:,} characters or fewer."
            )
