"""Shared fixtures: an app on each test database, a CLI runner, and factories for test data.

Every test that uses ``app`` (or a fixture built on it) runs on SQLite, and also on
PostgreSQL when ``TEST_DATABASE_URL`` is set. The schema is built once per database
by the real migrations; after each test every table is emptied.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete

from survey_app import create_app, db, migrate
from survey_app.assessments import create_assessment
from survey_app.catalog import get_questionnaire
from survey_app.domain.questionnaire import Questionnaire
from survey_app.models import Assessment, Base, ResponseSource
from survey_app.responses import NewResponse, add_responses

import redis_support
from helpers import PASSWORD, TEST_SECRET

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """scrypt at a low cost: the tests sign in hundreds of times (production keeps the default)."""
    from survey_app import accounts

    strong, accounts.PASSWORD_METHOD = accounts.PASSWORD_METHOD, "scrypt:1024:8:1"
    yield
    accounts.PASSWORD_METHOD = strong


@pytest.fixture(autouse=True)
def _dispose_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the connection pools of every app a test makes (PostgreSQL warns about open ones)."""
    made: list[db.Database] = []
    original = db.make_database

    def recording(*args: object, **kwargs: object) -> db.Database:
        database = original(*args, **kwargs)
        made.append(database)
        return database

    monkeypatch.setattr(db, "make_database", recording)
    yield
    for database in made:
        database.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database on each backend under test."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        else:
            url = stack.enter_context(db.temporary_schema(os.environ["TEST_DATABASE_URL"], "test"))
        engine = db.make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on the test database; tables are emptied after the test."""
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    engine = app.extensions["survey_db"].engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
    engine.dispose()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask`` commands against ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def kotler(app: Flask) -> Questionnaire:
    """The built-in Kotler questionnaire as the app loaded it."""
    with app.app_context():
        questionnaire = get_questionnaire("kotler-2006")
    assert questionnaire is not None
    return questionnaire


@pytest.fixture
def make_assessment(app: Flask, kotler: Questionnaire) -> Callable[..., str]:
    """Create an assessment through the service layer; returns its slug."""

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


@pytest.fixture
def make_user(app: Flask) -> Callable[..., str]:
    """Create a user (role admin|consultant|leader); returns the e-mail. Password: ``PASSWORD``."""

    def make(email: str, role: str = "consultant", organization: str | None = None, name: str = "") -> str:
        from survey_app.accounts import create_user
        from survey_app.models import Role

        with app.app_context(), db.write_session() as session:
            user = create_user(session, email, Role(role), PASSWORD, organization)
            user.name = name
        return email

    return make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like HTTP client for ``app``."""
    return app.test_client()


@pytest.fixture
def add_answers(
    app: Flask, kotler: Questionnaire
) -> Callable[[str, str, Sequence[Mapping[str, int | None]]], None]:
    """Store responses (answer mappings) for one team of an assessment."""

    def add(slug: str, team: str, responses: Sequence[Mapping[str, int | None]]) -> None:
        from survey_app.assessments import get_assessment

        with app.app_context(), db.write_session() as session:
            assessment: Assessment = get_assessment(session, slug)
            add_responses(
                session,
                assessment,
                kotler,
                [NewResponse(team, answers) for answers in responses],
                ResponseSource.IMPORT,
            )

    return add


@pytest.fixture
def make_release(app: Flask, kotler: Questionnaire) -> Callable[..., int]:
    """Release an assessment's results now (as ``flask assessment release`` does); returns its number."""

    def make(slug: str, note: str = "") -> int:
        from survey_app.assessments import get_assessment
        from survey_app.releases.services import release

        with app.app_context(), db.write_session() as session:
            return release(
                session, get_assessment(session, slug), kotler, released_by_id=None, note=note
            ).number

    return make


@pytest.fixture
def redis_connection() -> Iterator[object]:
    """A connection to this run's own Redis database (``redis_support``), emptied before and
    after the test; the test is skipped without Redis."""
    from redis import Redis

    url = redis_support.redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")
    redis_support.empty(url)
    connection = Redis.from_url(url)
    yield connection
    redis_support.empty(url)
    connection.close()


@pytest.fixture
def jobs_app(app: Flask, database_url: str, tmp_path: Path, monkeypatch, redis_connection) -> Flask:
    """The app with this run's Redis and a background threshold of 10 responses (reports and
    releases), and the worker's environment to match; skipped without Redis."""
    # The job builds its own app from the environment, as the real worker does.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("REPORT_JOB_MEMORY_MB", "0")
    return create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "REDIS_URL": redis_support.redis_url(),
            "WORKER_QUEUE": redis_support.WORKER_QUEUE,
            "REPORT_ASYNC_RESPONSES": 10,
        },
        instance_path=str(tmp_path / "jobs"),
    )
