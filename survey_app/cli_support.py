"""Command-line plumbing: one-line error messages instead of usage dumps and tracebacks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError

from .errors import SurveyError

F = TypeVar("F", bound=Callable[..., Any])


class Command(click.Command):
    """A command whose option errors print as a single ``Error: …`` line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as usual; turn a usage error into a one-line error."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise click.ClickException(f"{exc.format_message()} (see {ctx.command_path} --help)") from None


class Group(AppGroup):
    """A command group whose commands run in the app context and report errors in one line."""

    command_class = Command

    #: Sub-groups are of this same class (click's convention for ``type``).
    group_class = type

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        """Find the sub-command; an unknown one is a one-line error."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise click.ClickException(f"{exc.format_message()} (see {ctx.command_path} --help)") from None


def _database_message(exc: Exception, url: str) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    safe_url = make_url(url).render_as_string(hide_password=True) if url else "(unset)"
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return f"the database at {safe_url} has no tables yet: run `flask --app survey_app init-db` first"
    return f"database error at {safe_url}: {text}"


def friendly_errors(func: F) -> F:
    """Report domain and database errors as one line on stderr with exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SurveyError as exc:
            raise click.ClickException(str(exc)) from None
        except (OperationalError, ProgrammingError, DataError, IntegrityError) as exc:
            raise click.ClickException(
                _database_message(exc, current_app.config.get("DATABASE_URL", ""))
            ) from None

    return wrapper  # type: ignore[return-value]
