"""Invitation e-mails sent by the background worker when Redis is configured.

These tests need Redis on 127.0.0.1:6379 (this run's own database and queue, see
``redis_support``) and are skipped without it. The queue is worked in this process by RQ's
``SimpleWorker``; the job builds its app from the environment, as the real worker does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from survey_app import db
from survey_app.distribute import mail_jobs
from survey_app.models import MailJob

import factories
import redis_support
from helpers import TEST_SECRET, invitations, paste, sign_in
from redis_support import needs_redis
from smtp_support import Collector

REDIS_URL = redis_support.redis_url() or "redis://127.0.0.1:6379/1"
MAIL = {
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_SECURITY": "none",
    "MAIL_SENDER": "Alignment survey <survey@example.com>",
}


@pytest.fixture
def worker_app(
    app: Flask,
    database_url: str,
    tmp_path: Path,
    monkeypatch,
    redis_connection,
    smtp,
) -> tuple[Flask, Collector]:
    """The app with Redis and mail; the worker's environment to match. Returns it and the mailbox."""
    handler, port = smtp
    settings = {**MAIL, "MAIL_PORT": str(port), "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    queued = factories.make_app(
        database_url,
        tmp_path / "worker",
        **MAIL,
        MAIL_PORT=port,
        REDIS_URL=REDIS_URL,
        WORKER_QUEUE=redis_support.WORKER_QUEUE,
    )
    return queued, handler


@pytest.fixture
def slug(make_assessment, make_user) -> str:
    """Acme's assessment, its consultant Casey, and a consultant of another organization."""
    made = make_assessment("Acme", "Spring review")
    make_user("casey@example.com", "consultant", "Acme", name="Casey Consultant")
    make_assessment("Globex", "Autumn")
    make_user("gil@example.com", "consultant", "Globex")
    return made


@needs_redis
def test_with_redis_the_worker_sends_the_invitations_and_the_page_shows_progress(
    worker_app, slug: str, redis_connection
) -> None:
    app, mailbox = worker_app
    client = app.test_client()
    sign_in(client, "casey@example.com")
    people = ["ann@example.com", "bob@example.com", "cy@example.com"]
    paste(client, slug, "\n".join(people))

    response = client.post(f"/a/{slug}/invitations/send")
    assert response.status_code == 303
    status_path = response.headers["Location"]
    assert re.fullmatch(rf"/a/{slug}/invitations/job/\d+", status_path), status_path
    assert mailbox.messages == []  # nothing is sent while the browser waits
    assert redis_connection.llen(f"rq:queue:{redis_support.WORKER_QUEUE}") == 1
    waiting = client.get(status_path)
    assert waiting.headers["Cache-Control"] == "private, no-store"
    page = waiting.get_data(as_text=True)
    assert "Waiting for the worker…" in page
    assert 'id="mail-job-bar" max="100" value="0"' in page
    assert f'href="{status_path}">Refresh</a>' in page
    assert "job-progress.js" in page
    # Another click while it waits shows the same job instead of queueing a second one.
    assert client.post(f"/a/{slug}/invitations/send").headers["Location"] == status_path

    redis_support.work(redis_connection)
    assert sorted(recipients[0] for recipients, _ in mailbox.messages) == people
    assert all(row.sent_at is not None for row in invitations(app))
    assert client.get(f"{status_path}.json").get_json() == {
        "status": "done",
        "done": 3,
        "total": 3,
        "progress": 100,
        "message": "3 of 3 invitations done",
        "finished": True,
    }
    page = client.get(status_path).get_data(as_text=True)
    assert "The invitations of “Spring review” are sent" in page
    assert "3 invitations done: everyone among them who had not answered yet was e-mailed" in page
    assert f'href="/a/{slug}/distribute#invitations">Back to the invitations</a>' in page


@needs_redis
def test_the_job_records_progress_as_it_goes(worker_app, slug: str, redis_connection, monkeypatch) -> None:
    app, mailbox = worker_app
    client = app.test_client()
    sign_in(client, "casey@example.com")
    paste(client, slug, "ann@example.com\nbob@example.com")
    seen: list[tuple[int, int]] = []
    recorded = mail_jobs.set_progress

    def spy(session, job_id: int, **values: object) -> None:  # noqa: ANN001
        recorded(session, job_id, **values)
        if "done" in values:
            seen.append((values["done"], values["total"]))

    monkeypatch.setattr(mail_jobs, "set_progress", spy)
    client.post(f"/a/{slug}/invitations/send")
    redis_support.work(redis_connection)
    assert seen == [(0, 2), (1, 2), (2, 2)]


@needs_redis
def test_a_job_that_cannot_reach_the_mail_server_says_so_and_sends_again_later(
    worker_app, slug: str, redis_connection, monkeypatch
) -> None:
    app, mailbox = worker_app
    client = app.test_client()
    sign_in(client, "casey@example.com")
    paste(client, slug, "ann@example.com")
    monkeypatch.setenv("MAIL_PORT", "1")  # the worker's mail server is down
    status_path = client.post(f"/a/{slug}/invitations/send").headers["Location"]
    redis_support.work(redis_connection)
    page = client.get(status_path).get_data(as_text=True)
    assert "Sending the invitations of “Spring review” stopped" in page
    assert "Nothing more was sent: cannot reach the mail server 127.0.0.1:1" in page
    assert invitations(app)[0].sending_since is None

    monkeypatch.delenv("MAIL_PORT")
    monkeypatch.setenv("MAIL_PORT", str(app.config["MAIL_PORT"]))
    again = client.post(f"/a/{slug}/invitations/send").headers["Location"]
    assert again != status_path  # a finished job is replaced by a new one
    redis_support.work(redis_connection)
    assert [r for r, _ in mailbox.messages] == [["ann@example.com"]]
    with app.app_context():
        assert len(db.get_session().scalars(select(MailJob)).all()) == 1  # only the newest is kept


@needs_redis
def test_a_job_is_shown_only_to_those_who_manage_its_assessment(
    worker_app, slug: str, redis_connection
) -> None:
    app, _mailbox = worker_app
    client = app.test_client()
    sign_in(client, "casey@example.com")
    paste(client, slug, "ann@example.com")
    status_path = client.post(f"/a/{slug}/invitations/send").headers["Location"]
    outsider = app.test_client()
    sign_in(outsider, "gil@example.com")
    assert outsider.get(status_path).status_code == 404
    assert outsider.get(f"{status_path}.json").status_code == 404
    # Another assessment's path with this job's number finds nothing either.
    job_id = status_path.rsplit("/", 1)[1]
    assert client.get(f"/a/globex-autumn/invitations/job/{job_id}").status_code == 404
    assert client.get(f"/a/{slug}/invitations/job/{int(job_id) + 1}").status_code == 404


@needs_redis
def test_the_distribution_page_points_to_the_job_under_way(worker_app, slug: str, redis_connection) -> None:
    app, _mailbox = worker_app
    client = app.test_client()
    sign_in(client, "casey@example.com")
    paste(client, slug, "ann@example.com")
    status_path = client.post(f"/a/{slug}/invitations/send").headers["Location"]
    page = client.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert "The invitations are being e-mailed" in page
    assert f'href="{status_path}">See how far it is</a>' in page
