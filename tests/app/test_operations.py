"""What operators rely on: readiness for load balancers, and error logs without personal data."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from survey_app import create_app, db

import redis_support
from helpers import ITEM_IDS, TEST_SECRET
from redis_support import needs_redis
from survey_client import form_path, open_form, send

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def make_app(database_url: str, tmp_path, **config: object) -> Flask:  # noqa: ANN001 - a path
    return create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, **config},
        instance_path=str(tmp_path / "instance"),
    )


# --- /readyz -------------------------------------------------------------------------------------


def test_readyz_without_redis_reports_each_part(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "database": "ok",
        "redis": "not configured",
        "worker_queue": {"name": "reports", "status": "not configured", "workers": None, "waiting": None},
    }


def test_readyz_is_503_naming_redis_when_it_does_not_answer(database_url: str, tmp_path) -> None:
    app = make_app(database_url, tmp_path, REDIS_URL=DEAD_REDIS)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"], body["redis"]) == ("not ready", "ok", "unavailable")
    # Liveness is another question: the process serves.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(tmp_path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'x.db'}", tmp_path)
    body = app.test_client().get("/readyz").get_json()
    assert (body["status"], body["database"], body["redis"]) == ("not ready", "unavailable", "not configured")


@needs_redis
def test_readyz_counts_the_workers_and_waiting_jobs_of_the_queue(database_url: str, tmp_path) -> None:
    from redis import Redis
    from rq import Queue, Worker

    url = redis_support.redis_url()
    redis_support.empty(url)
    app = make_app(database_url, tmp_path, REDIS_URL=url, WORKER_QUEUE=redis_support.WORKER_QUEUE)
    client = app.test_client()
    body = client.get("/readyz").get_json()
    assert client.get("/readyz").status_code == 200
    assert body["redis"] == "ok"
    assert body["worker_queue"] == {
        "name": redis_support.WORKER_QUEUE,
        "status": "no worker",
        "workers": 0,
        "waiting": 0,
    }
    with Redis.from_url(url) as connection:
        queue = Queue(redis_support.WORKER_QUEUE, connection=connection)
        queue.enqueue("builtins.print", "waiting")
        worker = Worker([queue], connection=connection, name=f"readyz-{redis_support.RUN}")
        worker.register_birth()
        try:
            body = client.get("/readyz").get_json()
        finally:
            worker.register_death()
    assert body["worker_queue"] == {
        "name": redis_support.WORKER_QUEUE,
        "status": "ok",
        "workers": 1,
        "waiting": 1,
    }
    redis_support.empty(url)


# --- error logs --------------------------------------------------------------------------------


SECRET_COMMENT = "Ask Dana about the 4711 quota fight"


@pytest.fixture
def refusing_responses(app: Flask) -> Iterator[None]:
    """The response table refuses every new row, as a database fault would (undone afterwards).

    On PostgreSQL a CHECK constraint, whose error quotes the failing row in its DETAIL
    line; on SQLite a trigger.
    """
    engine = app.extensions["survey_db"].engine
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.execute(text("ALTER TABLE response ADD CONSTRAINT refuse_all CHECK (false) NOT VALID"))
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_all BEFORE INSERT ON response BEGIN SELECT RAISE(ABORT, 'no'); END"
                )
            )
    yield
    with engine.begin() as connection:
        if postgres:
            connection.execute(text("ALTER TABLE response DROP CONSTRAINT refuse_all"))
        else:
            connection.execute(text("DROP TRIGGER refuse_all"))


def test_a_database_error_is_logged_without_the_comment_answers_or_parameters(
    app: Flask, make_assessment, refusing_responses, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # served as a 500 page and logged, as in production
    slug = make_assessment()
    client = app.test_client()
    path = form_path(app, slug)
    submission = open_form(client, path)
    with caplog.at_level(logging.ERROR):
        response = send(
            client, path, dict.fromkeys(ITEM_IDS, "4"), comment=SECRET_COMMENT, submission=submission
        )
    assert response.status_code == 500
    logged = caplog.text
    assert "Exception on" in logged  # the error itself is logged
    assert "Traceback" in logged
    assert "response" in logged  # with the statement's table, to find the fault
    assert "4711" not in logged
    assert "Dana" not in logged
    assert "[parameters:" not in logged or "withheld" in logged
    assert path.split("/")[2] not in logged  # nor the team link's token
    with app.app_context():
        assert db.get_session().execute(text("SELECT count(*) FROM response")).scalar() == 0
