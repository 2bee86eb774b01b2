"""``base_form.show_error``: a service's complaint lands on the field it blames, or above the form."""

from __future__ import annotations

from wtforms import FieldList, Form, FormField, StringField

from survey_app.base_form import form_field, show_error
from survey_app.errors import FieldInvalid, InvalidInput, NotFound


class RowForm(Form):
    """One row of a list."""

    name = StringField()


class PageForm(Form):
    """A form with a plain field and a list of rows, like the new-assessment form."""

    name = StringField()
    teams = FieldList(FormField(RowForm), min_entries=3)
    tags = FieldList(StringField(), min_entries=2)


def test_a_plain_field_gets_the_reason() -> None:
    form = PageForm()
    show_error(form, FieldInvalid("name", "Enter a name for the assessment."))
    assert form.name.errors == ["Enter a name for the assessment."]
    assert form.form_errors == []


def test_a_row_of_a_list_is_found_by_its_html_name() -> None:
    form = PageForm()
    show_error(form, FieldInvalid("teams-2-name", "Another team is already called 'sales'."))
    assert form.teams.entries[2].form.name.errors == ["Another team is already called 'sales'."]
    assert form.teams.entries[0].form.name.errors == ()
    assert form_field(form, "tags-1") is form.tags.entries[1]


def test_a_field_already_in_error_keeps_its_errors() -> None:
    form = PageForm()
    form.name.errors = ["Enter a name."]
    show_error(form, FieldInvalid("name", "Too long."))
    assert form.name.errors == ["Enter a name.", "Too long."]


def test_an_unknown_field_or_row_puts_the_reason_above_the_form() -> None:
    form = PageForm()
    for name in ("logo", "teams-9-name", "teams-x-name", "teams-1-colour", "name-0-x"):
        assert form_field(form, name) is None, name
    show_error(form, FieldInvalid("teams-9-name", "Enter the team's name."))
    assert form.form_errors == ["Enter the team's name."]


def test_other_errors_go_above_the_form_starting_with_a_capital() -> None:
    form = PageForm()
    show_error(form, InvalidInput("the file is empty"))
    show_error(form, NotFound("no assessment with slug 'x'"))
    assert form.form_errors == ["The file is empty", "No assessment with slug 'x'"]
