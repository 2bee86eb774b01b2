"""Large reports made by the background worker: request, progress, download, failure, limits.

These tests need Redis on 127.0.0.1:6379 (they use this run's own database and queue,
see ``redis_support``) and are skipped without it. The queue is worked in this process
by RQ's ``SimpleWorker``, which does not fork, so the memory limit is switched off here
(``REPORT_JOB_MEMORY_MB=0``) and ``limit_memory`` is tested on its own.
"""

from __future__ import annotations

import re
import resource
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from survey_app import create_app, db
from survey_app.models import Assessment, ReportJob
from survey_app.report import jobs

import redis_support
from helpers import TEST_SECRET, csrf_token, pdf_text, sign_in, sign_in_with_csrf, uniform
from redis_support import needs_redis

REDIS_URL = redis_support.redis_url() or "redis://127.0.0.1:6379/1"


@pytest.fixture
def acme(large_assessment, make_assessment, make_user) -> str:
    """``large_assessment`` (11 responses, over the threshold), with an admin, and Globex's
    assessment with its leader and consultant."""
    make_user("admin@example.com", "admin")
    make_assessment(organization="Globex")
    make_user("lead@globex.example", "leader", organization="Globex")
    make_user("c@globex.example", "consultant", organization="Globex")
    return large_assessment


def stored_jobs(app: Flask) -> list[tuple[int, str, int]]:
    with app.app_context():
        rows = db.get_session().execute(
            select(ReportJob.id, ReportJob.status, ReportJob.progress).order_by(ReportJob.id)
        )
        return [(row.id, row.status.value, row.progress) for row in rows]


def request_report(client, slug: str) -> str:  # noqa: ANN001 - test client
    """Post the results page's form; returns the status page's path."""
    response = client.post(f"/a/{slug}/report/jobs", data={"paper": "a4"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(rf"/a/{slug}/report/job/\d+", location), location
    return location


# --- the whole way through ---------------------------------------------------------------------------


@needs_redis
def test_a_consultant_requests_a_large_report_and_downloads_it_when_the_worker_is_done(
    jobs_app, acme, redis_connection
) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    results = client.get(f"/a/{acme}/results").get_data(as_text=True)
    assert f'action="/a/{acme}/report/jobs"' in results
    assert "Make the PDF report" in results
    assert f'href="/a/{acme}/report.pdf"' not in results
    # The plain download link now points to the form instead of blocking the server.
    direct = client.get(f"/a/{acme}/report.pdf")
    assert direct.status_code == 302
    assert direct.headers["Location"] == f"/a/{acme}/results"

    status_path = request_report(client, acme)
    [(job_id, status, progress)] = stored_jobs(jobs_app)
    assert (status, progress) == ("queued", 0)
    assert redis_connection.llen(f"rq:queue:{redis_support.WORKER_QUEUE}") == 1
    waiting = client.get(status_path).get_data(as_text=True)
    assert "is being made" in waiting
    assert '<progress class="progress__native" id="report-job-bar" max="100" value="0"' in waiting
    assert f'href="{status_path}">Refresh</a>' in waiting
    assert "job-progress.js" in waiting
    assert client.get(f"{status_path}.json").get_json() == {
        "status": "queued",
        "progress": 0,
        "message": "Waiting for the report worker…",
        "error": "",
        "finished": False,
    }
    assert client.get(f"{status_path}.pdf").status_code == 404

    redis_support.work(redis_connection)

    assert stored_jobs(jobs_app) == [(job_id, "done", 100)]
    assert client.get(f"{status_path}.json").get_json()["status"] == "done"
    ready = client.get(status_path).get_data(as_text=True)
    assert "is ready" in ready
    assert f'href="{status_path}.pdf"' in ready
    pdf = client.get(f"{status_path}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{acme}-report.pdf"'
    assert pdf.headers["Cache-Control"] == "no-store"
    assert "Acme" in pdf_text(pdf.data)


@needs_redis
def test_a_second_request_reuses_the_waiting_job_and_a_later_one_replaces_the_finished(
    jobs_app, acme, redis_connection
) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    first = request_report(client, acme)
    assert request_report(client, acme) == first
    assert redis_connection.llen(f"rq:queue:{redis_support.WORKER_QUEUE}") == 1
    redis_support.work(redis_connection)
    second = request_report(client, acme)
    assert second != first
    [(job_id, status, _progress)] = stored_jobs(jobs_app)
    assert second.endswith(f"/{job_id}")
    assert status == "queued"
    assert client.get(first).status_code == 404


@needs_redis
def test_a_failed_job_shows_a_readable_error_and_no_pdf(jobs_app, acme, redis_connection) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    status_path = request_report(client, acme)
    with jobs_app.app_context(), db.write_session() as session:
        session.execute(update(Assessment).where(Assessment.slug == acme).values(questionnaire_id="gone"))
    redis_support.work(redis_connection)
    [(_job_id, status, _progress)] = stored_jobs(jobs_app)
    assert status == "failed"
    page = client.get(status_path).get_data(as_text=True)
    assert "could not be made" in page
    assert "the questionnaire &#39;gone&#39;" in page
    assert "is not installed" in page
    assert "Traceback" not in page
    assert f'action="/a/{acme}/report/jobs"' in page  # "Try again"
    progress = client.get(f"{status_path}.json").get_json()
    assert progress["status"] == "failed"
    assert progress["finished"] is True
    assert "is not installed" in progress["error"]
    assert client.get(f"{status_path}.pdf").status_code == 404


@needs_redis
def test_a_job_the_worker_lost_shows_as_failed_and_can_be_tried_again(
    jobs_app, acme, redis_connection
) -> None:
    """A work horse that crashes (e.g. at the memory limit) records nothing; RQ's record tells."""
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    first = request_report(client, acme)
    redis_support.empty(REDIS_URL)  # the queue no longer knows the job
    page = client.get(first).get_data(as_text=True)
    assert "could not be made" in page
    assert "The report worker stopped while making the report" in page
    progress = client.get(f"{first}.json").get_json()
    assert progress["status"] == "failed"
    assert progress["finished"] is True
    assert [status for _id, status, _p in stored_jobs(jobs_app)] == ["queued"]  # GET wrote nothing
    second = request_report(client, acme)
    assert second != first
    assert [status for _id, status, _p in stored_jobs(jobs_app)] == ["queued"]
    assert redis_connection.llen(f"rq:queue:{redis_support.WORKER_QUEUE}") == 1
    redis_support.work(redis_connection)
    assert "is ready" in client.get(second).get_data(as_text=True)


@needs_redis
def test_an_unreachable_queue_fails_the_job_with_a_message(jobs_app, acme, monkeypatch) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    jobs_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    page = client.get(request_report(client, acme)).get_data(as_text=True)
    assert "the report worker&#39;s queue is unreachable" in page
    assert [status for _id, status, _p in stored_jobs(jobs_app)] == ["failed"]


@needs_redis
def test_a_small_assessment_still_downloads_at_once(
    jobs_app, make_assessment, make_user, add_answers, redis_connection
) -> None:
    slug = make_assessment(organization="Acme")
    add_answers(slug, "sales", [uniform(4)] * 5)
    make_user("c@acme.example", "consultant", organization="Acme")
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    assert f'href="/a/{slug}/report.pdf"' in client.get(f"/a/{slug}/results").get_data(as_text=True)
    response = client.get(f"/a/{slug}/report.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    posted = client.post(f"/a/{slug}/report/jobs", data={"paper": "letter"})
    assert posted.status_code == 303
    assert posted.headers["Location"] == f"/a/{slug}/report.pdf?paper=letter"
    assert stored_jobs(jobs_app) == []


@needs_redis
def test_a_download_that_finds_every_render_slot_taken_goes_to_the_worker(
    jobs_app, acme, redis_connection, during_a_render
) -> None:
    # Small enough to render at once, but the process's one slot stays taken.
    jobs_app.config.update(
        REPORT_ASYNC_RESPONSES=1000, REPORT_RENDERS_PER_PROCESS=1, REPORT_RENDER_WAIT_SECONDS=0.3
    )
    first, second = jobs_app.test_client(), jobs_app.test_client()
    sign_in(first, "c@acme.example")
    sign_in(second, "c@acme.example")
    answered, sent = during_a_render(
        lambda: first.get(f"/a/{acme}/report.pdf"), lambda: second.get(f"/a/{acme}/report.pdf?paper=letter")
    )
    assert answered.status_code == 200
    assert sent.status_code == 303
    status_path = sent.headers["Location"]
    assert re.fullmatch(rf"/a/{acme}/report/job/\d+", status_path), status_path
    [(_job_id, status, _progress)] = stored_jobs(jobs_app)
    assert status == "queued"
    assert redis_connection.llen(f"rq:queue:{redis_support.WORKER_QUEUE}") == 1
    page = second.get(status_path).get_data(as_text=True)
    assert "Other reports are being made right now, so yours is made in the background." in page


def test_without_redis_every_report_downloads_at_once(client, acme) -> None:
    sign_in(client, "c@acme.example")
    response = client.get(f"/a/{acme}/report.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


# --- who may do what ---------------------------------------------------------------------------------


@needs_redis
@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("lead@acme.example", 404),  # leaders read releases only
        ("admin@example.com", 200),
        ("c@acme.example", 200),
        ("lead@globex.example", 404),
        ("c@globex.example", 404),
    ],
)
def test_only_people_of_the_organization_see_its_report_jobs(
    jobs_app, acme, redis_connection, email, expected
) -> None:
    owner = jobs_app.test_client()
    sign_in(owner, "c@acme.example")
    status_path = request_report(owner, acme)
    redis_support.work(redis_connection)

    client = jobs_app.test_client()
    sign_in(client, email)
    for path in (status_path, f"{status_path}.json", f"{status_path}.pdf"):
        response = client.get(path)
        assert response.status_code == expected, (path, response.status_code)
        if expected == 404:
            assert b"Acme" not in response.data
    posted = client.post(f"/a/{acme}/report/jobs", data={"paper": "a4"})
    assert posted.status_code == (303 if expected == 200 else 404)


@needs_redis
def test_anonymous_visitors_are_sent_to_sign_in(jobs_app, acme, redis_connection) -> None:
    owner = jobs_app.test_client()
    sign_in(owner, "c@acme.example")
    status_path = request_report(owner, acme)
    client = jobs_app.test_client()
    for path in (status_path, f"{status_path}.json", f"{status_path}.pdf"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
    response = client.post(f"/a/{acme}/report/jobs", data={"paper": "a4"})
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert len(stored_jobs(jobs_app)) == 1


@needs_redis
def test_a_job_of_another_assessment_is_not_found_under_this_one(
    jobs_app, acme, make_assessment, add_answers, redis_connection
) -> None:
    other = make_assessment(organization="Acme", name="Autumn review")
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    status_path = request_report(client, acme)
    job_id = status_path.rsplit("/", 1)[1]
    assert client.get(f"/a/{other}/report/job/{job_id}").status_code == 404
    assert client.get(f"/a/{acme}/report/job/{int(job_id) + 1}").status_code == 404


@needs_redis
def test_a_bad_paper_size_is_refused(jobs_app, acme, redis_connection) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    assert client.post(f"/a/{acme}/report/jobs", data={"paper": "tabloid"}).status_code == 400
    assert stored_jobs(jobs_app) == []


@needs_redis
def test_requesting_a_report_needs_the_csrf_token(
    jobs_app, acme, database_url: str, tmp_path: Path, redis_connection
) -> None:
    guarded = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "REDIS_URL": REDIS_URL,
            "WORKER_QUEUE": redis_support.WORKER_QUEUE,
            "REPORT_ASYNC_RESPONSES": 10,
        },
        instance_path=str(tmp_path / "csrf"),
    )
    assert guarded.config["WTF_CSRF_ENABLED"] is not False
    client = guarded.test_client()
    assert sign_in_with_csrf(client, "c@acme.example").status_code == 302
    assert client.post(f"/a/{acme}/report/jobs", data={"paper": "a4"}).status_code == 400
    assert stored_jobs(jobs_app) == []
    results = client.get(f"/a/{acme}/results").get_data(as_text=True)
    posted = client.post(f"/a/{acme}/report/jobs", data={"paper": "a4", "csrf_token": csrf_token(results)})
    assert posted.status_code == 303
    assert len(stored_jobs(jobs_app)) == 1


# --- pieces ------------------------------------------------------------------------------------------


def test_reports_run_in_the_background_only_above_the_threshold_and_with_redis() -> None:
    assert jobs.runs_in_background(11, 10, REDIS_URL) is True
    assert jobs.runs_in_background(10, 10, REDIS_URL) is False
    assert jobs.runs_in_background(5000, 10, "") is False


def test_response_count_counts_every_team(app, acme) -> None:
    with app.app_context():
        session = db.get_session()
        assessment_id = session.scalar(select(Assessment.id).where(Assessment.slug == acme))
        assert jobs.response_count(session, assessment_id) == 11


def test_the_memory_limit_caps_the_soft_address_space_limit_and_zero_sets_none() -> None:
    before = resource.getrlimit(resource.RLIMIT_AS)
    try:
        jobs.limit_memory(0)
        assert resource.getrlimit(resource.RLIMIT_AS) == before
        # Generous, so this test process keeps working while the limit is in place.
        jobs.limit_memory(256 * 1024)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        expected = 256 * 1024 * 1024 * 1024
        assert soft == (expected if before[1] == resource.RLIM_INFINITY else min(expected, before[1]))
        assert hard == before[1]
    finally:
        resource.setrlimit(resource.RLIMIT_AS, before)
