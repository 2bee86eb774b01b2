"""Forms for managing accounts."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..accounts import EMAIL, MAX_EMAIL_LENGTH, MIN_PASSWORD_LENGTH
from ..base_form import BaseForm
from ..models import Role

PASSWORD_MESSAGE = f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
ROLE_CHOICES = [
    SelectChoice(Role.CONSULTANT.value, "Consultant — runs assessments for assigned organizations"),
    SelectChoice(Role.LEADER.value, "Leader — reads the results of one organization"),
    SelectChoice(Role.ADMIN.value, "Admin — manages accounts and sees everything"),
]


class UserForm(BaseForm):
    """Name, role and organizations of an account (creation adds e-mail and password)."""

    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    organization = SelectField(
        "Organization (for a leader)", coerce=int, validators=[Optional()], validate_choice=False
    )
    assigned = SelectMultipleField(
        "Organizations (for a consultant)", coerce=int, validators=[Optional()], validate_choice=False
    )
    is_active = BooleanField("Account is active (can sign in)", default=True)
    password = PasswordField(
        "New password",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=1024, message=PASSWORD_MESSAGE)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Leave empty to keep the current one.",
    )


class NewUserForm(UserForm):
    """A new account."""

    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired(),
            Length(max=MAX_EMAIL_LENGTH),
            Regexp(EMAIL.pattern, message="Enter an e-mail address such as name@example.com."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024, message=PASSWORD_MESSAGE)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Give it to the person in a safe way.",
    )
