"""`flask drafts purge`: abandoned drafts (closed surveys, untouched for 90 days) are deleted, others kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from rq import Queue, SimpleWorker
from sqlalchemy import func, select, update

from survey_app import create_app, db
from survey_app.assessments import get_assessment
from survey_app.models import Draft, utcnow

import redis_support
from helpers import ITEM_IDS, TEST_SECRET
from redis_support import needs_redis
from survey_client import form_path, open_form, send


def save_draft(app: Flask, slug: str) -> str:
    """Save answers to finish later through a team link (a fresh browser); returns the draft's path."""
    client = app.test_client()
    path = form_path(app, slug)
    submission = open_form(client, path)
    response = send(client, path, dict.fromkeys(ITEM_IDS[:5], "3"), action="save", submission=submission)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].removesuffix("/saved")


def drafts(app: Flask) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(Draft))


def opens(app: Flask, draft_path: str) -> bool:
    return app.test_client().get(draft_path).status_code == 200


@pytest.fixture
def world(app: Flask, make_assessment) -> dict[str, str]:
    """Drafts: two in an open survey (one untouched for 100 days), one in a closed survey,
    one in a survey whose closing date has passed."""
    open_slug = make_assessment(organization="Acme", name="Open")
    closed_slug = make_assessment(organization="Acme", name="Closed")
    past_slug = make_assessment(organization="Acme", name="Past")
    paths = {
        "fresh": save_draft(app, open_slug),
        "old": save_draft(app, open_slug),
        "closed": save_draft(app, closed_slug),
        "past": save_draft(app, past_slug),
    }
    now = utcnow()
    with app.app_context(), db.write_session() as session:
        get_assessment(session, closed_slug).close()
        get_assessment(session, past_slug).closes_at = now - timedelta(hours=1)
        oldest = session.scalars(select(Draft.id).order_by(Draft.created_at, Draft.id)).all()[1]
        session.execute(update(Draft).where(Draft.id == oldest).values(updated_at=now - timedelta(days=100)))
    return paths


def test_a_dry_run_counts_and_deletes_nothing(app, runner, world) -> None:
    result = runner.invoke(args=["drafts", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "Would delete 3 abandoned drafts: 2 of closed surveys, 1 untouched for more than 90 days."
        in result.output
    )
    assert drafts(app) == 4


def test_purge_deletes_the_abandoned_drafts_and_keeps_the_live_one(app, runner, world) -> None:
    assert opens(app, world["closed"])
    result = runner.invoke(args=["drafts", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 3 abandoned drafts" in result.output
    assert drafts(app) == 1
    assert opens(app, world["fresh"])
    assert not opens(app, world["old"])
    # Run again (as cron would): nothing left to do.
    assert "Deleted 0 abandoned drafts" in runner.invoke(args=["drafts", "purge"]).output


def test_days_sets_the_age_limit(app, runner, world) -> None:
    result = runner.invoke(args=["drafts", "purge", "--days", "200"])
    assert (
        "Deleted 2 abandoned drafts: 2 of closed surveys, 0 untouched for more than 200 days."
        in result.output
    )
    assert opens(app, world["old"])


def test_queue_without_redis_is_a_clear_error(runner, world) -> None:
    result = runner.invoke(args=["drafts", "purge", "--queue"])
    assert result.exit_code != 0
    assert "--queue needs REDIS_URL" in result.stderr
    assert "Traceback" not in result.output


@needs_redis
def test_the_worker_runs_the_purge_it_is_given(
    app: Flask, world, database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_support.redis_url()
    redis_support.empty(url)
    # The job makes its own app from the environment, as the real worker does.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    queued = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "REDIS_URL": url,
            "WORKER_QUEUE": redis_support.WORKER_QUEUE,
        },
        instance_path=str(tmp_path / "queued"),
    )
    result = queued.test_cli_runner().invoke(args=["drafts", "purge", "--queue"])
    assert result.exit_code == 0, result.output
    assert drafts(app) == 4  # only queued so far
    from redis import Redis

    with Redis.from_url(url) as connection:
        queue = Queue(redis_support.WORKER_QUEUE, connection=connection)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
    assert drafts(app) == 1
    redis_support.empty(url)
