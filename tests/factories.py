"""The tests' app and the makers of their data, as plain functions of an app.

``conftest.py`` wraps them in the fixtures most tests use (``app``, ``make_assessment``, …);
a module-scoped fixture calls them on an app of its own, to build data once for a module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete

from survey_app import create_app, db
from survey_app.assessments import create_assessment, get_assessment
from survey_app.catalog import get_questionnaire
from survey_app.domain.questionnaire import Questionnaire
from survey_app.models import Base, ResponseSource
from survey_app.responses import NewResponse, add_responses

from helpers import PASSWORD, TEST_SECRET, sign_in, uniform, varied


def make_app(database_url: str, instance_path: Path, **config: Any) -> Flask:
    """The app on ``database_url`` as the tests use it: testing, CSRF off, the test secret."""
    return create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            **config,
        },
        instance_path=str(instance_path),
    )


def empty_tables(app: Flask) -> None:
    """Delete every row of every table, and close the app's connections."""
    engine = app.extensions["survey_db"].engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
    engine.dispose()


def kotler_of(app: Flask) -> Questionnaire:
    """The built-in Kotler questionnaire as ``app`` loaded it."""
    with app.app_context():
        questionnaire = get_questionnaire("kotler-2006")
    assert questionnaire is not None
    return questionnaire


def assessment_maker(app: Flask) -> Callable[..., str]:
    """A function that creates an assessment through the service layer and returns its slug."""
    kotler = kotler_of(app)

    def make(organization: str = "Acme", name: str = "Spring review", min_group: int = 5) -> str:
        with app.app_context(), db.write_session() as session:
            assessment = create_assessment(
                session,
                organization=organization,
                name=name,
                questionnaire=kotler,
                secret_key=TEST_SECRET,
                min_group=min_group,
            )
            return assessment.slug

    return make


def user_maker(app: Flask) -> Callable[..., str]:
    """A function that creates a user (role admin|consultant|leader, password ``PASSWORD``) and
    returns the e-mail."""

    def make(email: str, role: str = "consultant", organization: str | None = None, name: str = "") -> str:
        from survey_app.accounts import create_user
        from survey_app.models import Role

        with app.app_context(), db.write_session() as session:
            user = create_user(session, email, Role(role), PASSWORD, organization)
            user.name = name
        return email

    return make


def answers_adder(app: Flask) -> Callable[[str, str, Sequence[Mapping[str, int | None]]], None]:
    """A function that stores responses (answer mappings) for one team of an assessment."""
    kotler = kotler_of(app)

    def add(slug: str, team: str, responses: Sequence[Mapping[str, int | None]]) -> None:
        with app.app_context(), db.write_session() as session:
            add_responses(
                session,
                get_assessment(session, slug),
                kotler,
                [NewResponse(team, answers) for answers in responses],
                ResponseSource.IMPORT,
            )

    return add


def release_maker(app: Flask) -> Callable[..., int]:
    """A function that releases an assessment's results now (as ``flask assessment release``
    does) and returns the release's number."""
    kotler = kotler_of(app)

    def make(slug: str, note: str = "") -> int:
        from survey_app.releases.services import release

        with app.app_context(), db.write_session() as session:
            return release(
                session, get_assessment(session, slug), kotler, released_by_id=None, note=note
            ).number

    return make


def add_both_shown(app: Flask, client) -> str:  # noqa: ANN001 - a test client
    """Acme's assessment where Sales agrees much more than Marketing on statements 1–10 (both
    teams shown), with ``client`` signed in as its consultant ``consultant@example.com``."""
    add = answers_adder(app)
    slug = assessment_maker(app)(organization="Acme", min_group=5)
    add(slug, "sales", varied([4, 5], [3, 4], 12))
    add(slug, "marketing", varied([2, 3], [3, 4], 12) + [uniform(None, answered=5)])
    user_maker(app)("consultant@example.com", "consultant", organization="Acme")
    assert sign_in(client, "consultant@example.com").status_code == 302
    return slug
