"""The sign-in form, the forms that set a password, and the invitation of a leader."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..accounts import EMAIL, MAX_EMAIL_LENGTH, MIN_PASSWORD_LENGTH
from ..base_form import BaseForm


class SignInForm(BaseForm):
    """E-mail and password."""

    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in")


NEW_PASSWORD_HINT = (
    f"At least {MIN_PASSWORD_LENGTH} characters. Three or four unrelated words work well. Common"
    " passwords, your e-mail name and the words of this product are refused."
)


class NewPasswordForm(BaseForm):
    """A new password, typed twice (set through a link)."""

    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024)], description=NEW_PASSWORD_HINT
    )
    new_password_again = PasswordField(
        "New password again",
        validators=[
            DataRequired(),
            EqualTo("new_password", message="The two new passwords are not the same."),
        ],
    )
    submit = SubmitField("Set the new password")


class ChangePasswordForm(NewPasswordForm):
    """The current password, and a new one typed twice."""

    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Change the password")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class InviteLeaderForm(BaseForm):
    """A leader of the client to invite: their name and e-mail address."""

    name = StringField(
        "Name",
        filters=[_strip],
        validators=[DataRequired(message="Enter the leader’s name."), Length(max=200)],
    )
    email = EmailField(
        "E-mail address",
        filters=[_strip],
        validators=[
            DataRequired(message="Enter the leader’s e-mail address."),
            Length(max=MAX_EMAIL_LENGTH),
            Regexp(EMAIL.pattern, message="Enter an e-mail address such as name@example.com."),
        ],
        description=(
            "The leader signs in with this address. Where this site sends e-mail, the invitation goes to it."
        ),
    )
    submit = SubmitField("Invite")
