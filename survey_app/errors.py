"""Domain errors: raised by services, turned into messages by the views and the command line."""

from __future__ import annotations


class SurveyError(Exception):
    """Base of the errors whose message is meant for the user as it is."""


class NotFound(SurveyError):
    """A named object does not exist (or is not visible to the caller)."""


class InvalidInput(SurveyError):
    """Input that breaks a rule; the message says which and where."""
