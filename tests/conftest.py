"""Shared fixtures: an app on each test database, a CLI runner, factories and common test data.

Every test that uses ``app`` (or a fixture built on it) runs on SQLite, and also on
PostgreSQL when ``TEST_DATABASE_URL`` is set. The schema is built once per database
by the real migrations; after each test every table is emptied. A test that reads and
writes no table is marked ``sqlite_only`` and runs once, on SQLite.

The tests mirror the packages of ``survey_app`` (``tests/results/`` for ``survey_app/results/``,
``tests/app/`` for the app-wide modules); a folder's own fixtures are in its ``conftest.py``,
plain helpers in ``helpers.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from survey_app import db, migrate
from survey_app.domain.questionnaire import Questionnaire, load_questionnaire

import factories
import redis_support
from helpers import KOTLER_PATH, TEST_SECRET, uniform

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test marked ``sqlite_only`` on SQLite alone: ``database_url`` gets that one value."""
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_only"):
        # A parametrize mark naming the fixture takes the place of the fixture's own params.
        metafunc.definition.add_marker(pytest.mark.parametrize("database_url", ["sqlite"], indirect=True))


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
    app = factories.make_app(database_url, tmp_path / "instance")
    yield app
    factories.empty_tables(app)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask`` commands against ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like HTTP client for ``app``."""
    return app.test_client()


@pytest.fixture
def kotler(app: Flask) -> Questionnaire:
    """The built-in Kotler questionnaire as the app loaded it."""
    return factories.kotler_of(app)


@pytest.fixture(scope="session")
def q() -> Questionnaire:
    """The built-in Kotler questionnaire, straight from its file (no app, no database)."""
    return load_questionnaire(KOTLER_PATH)


@pytest.fixture
def make_assessment(app: Flask) -> Callable[..., str]:
    """Create an assessment through the service layer; returns its slug."""
    return factories.assessment_maker(app)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., str]:
    """Create a user (role admin|consultant|leader); returns the e-mail. Password: ``PASSWORD``."""
    return factories.user_maker(app)


@pytest.fixture
def add_answers(app: Flask) -> Callable[[str, str, Sequence[Mapping[str, int | None]]], None]:
    """Store responses (answer mappings) for one team of an assessment."""
    return factories.answers_adder(app)


@pytest.fixture
def make_release(app: Flask) -> Callable[..., int]:
    """Release an assessment's results now (as ``flask assessment release`` does); returns its number."""
    return factories.release_maker(app)


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
    return factories.make_app(
        database_url,
        tmp_path / "jobs",
        REDIS_URL=redis_support.redis_url(),
        WORKER_QUEUE=redis_support.WORKER_QUEUE,
        REPORT_ASYNC_RESPONSES=10,
    )


@pytest.fixture
def large_assessment(make_assessment, make_user, add_answers) -> str:
    """Acme's assessment with 11 responses (over ``jobs_app``'s threshold of 10), its consultant
    ``c@acme.example`` and its leader ``lead@acme.example``."""
    slug = make_assessment(organization="Acme")
    add_answers(slug, "sales", [uniform(4)] * 6)
    add_answers(slug, "marketing", [uniform(3)] * 5)
    make_user("c@acme.example", "consultant", organization="Acme")
    make_user("lead@acme.example", "leader", organization="Acme")
    return slug


@pytest.fixture
def both_shown(app: Flask, client: FlaskClient) -> str:
    """Acme's assessment where Sales agrees much more than Marketing on statements 1–10; ``client``
    is signed in as its consultant, ``consultant@example.com``."""
    return factories.add_both_shown(app, client)


@pytest.fixture
def two_orgs(make_assessment, make_user) -> dict[str, str]:
    """Acme's and Globex's assessments (no responses) by organization, with an admin and, for each,
    a leader (``lead@acme.example``) and a consultant (``c@acme.example``)."""
    acme = make_assessment(organization="Acme")
    globex = make_assessment(organization="Globex")
    make_user("admin@example.com", "admin")
    make_user("lead@acme.example", "leader", organization="Acme")
    make_user("lead@globex.example", "leader", organization="Globex")
    make_user("c@acme.example", "consultant", organization="Acme")
    make_user("c@globex.example", "consultant", organization="Globex")
    return {"acme": acme, "globex": globex}
