"""Domain errors: raised by services, turned into messages by the views and the command line."""

from __future__ import annotations


class SurveyError(Exception):
    """Base of the errors whose message is meant for the user as it is."""


class NotFound(SurveyError):
    """A named object does not exist (or is not visible to the caller)."""


class InvalidInput(SurveyError):
    """Input that breaks a rule; the message says which and where."""


class FieldInvalid(InvalidInput):
    """Input that breaks a rule, blamed on one form field (``name``, ``teams-2-name``, ``logo``).

    The command line shows the reason alone; a page shows it next to the field
    (``base_form.show_error``).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(reason)
