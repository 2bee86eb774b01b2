"""The base of every form: text holding a NUL character is refused, field by field.

PostgreSQL cannot store U+0000 in a text column (SQLite can), and no person types one:
it comes from a pasted binary or a probe. Every form of the app derives from
``BaseForm``, so such a value is shown back as an error on its own field before any
validator or query sees it, on both databases alike.

``show_error`` puts a service's complaint (a ``SurveyError``) on the field it blames.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from .errors import FieldInvalid, SurveyError

NUL = "\x00"
NUL_MESSAGE = "This contains a null character (U+0000), which cannot be stored: remove it and try again."


def has_nul(value: object) -> bool:
    """Whether ``value`` is text holding a NUL character."""
    return isinstance(value, str) and NUL in value


def _leaves(fields: Any) -> Iterator[Field]:
    """The fields of a form, with those of its sub-forms and lists, depth first."""
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


class BaseForm(FlaskForm):
    """A Flask-WTF form (CSRF included) that refuses NUL characters in any field."""

    def validate(self, extra_validators: Any = None) -> bool:
        """Refuse the form with a message on each field holding a NUL; else validate as usual.

        The other validators do not run then, so none of them queries the database with
        a value it cannot hold.
        """
        refused = [field for field in _leaves(self) if any(map(has_nul, field.raw_data or ()))]
        for field in refused:
            field.errors = [NUL_MESSAGE]
        if refused:
            return False
        return super().validate(extra_validators)


def form_field(form: Any, name: str) -> Field | None:
    """A form's field by its HTML name; ``teams-2-name`` reaches into row 2 of the list ``teams``."""
    if name in form._fields:
        return form._fields[name]
    list_name, _, rest = name.partition("-")
    index, _, sub = rest.partition("-")
    rows = form._fields.get(list_name)
    if not isinstance(rows, FieldList) or not index.isdigit() or int(index) >= len(rows.entries):
        return None
    entry = rows.entries[int(index)]
    if not sub:
        return entry
    return form_field(entry.form, sub) if isinstance(entry, FormField) else None


def show_error(form: Any, exc: SurveyError) -> None:
    """Show a service's complaint next to the field it blames (``FieldInvalid``), else above the form.

    The message starts with a capital letter: services word some for the command line.
    """
    target = form_field(form, exc.field) if isinstance(exc, FieldInvalid) else None
    message = exc.reason if isinstance(exc, FieldInvalid) else str(exc)
    message = message[:1].upper() + message[1:]
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)
