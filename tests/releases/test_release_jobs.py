"""Releasing a large assessment on the background worker, with the report's progress page.

Needs Redis (this run's own database and queue, see ``redis_support``); skipped without it.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from survey_app import db
from survey_app.models import Release, ReportJob

import redis_support
from helpers import sign_in
from redis_support import needs_redis


def releases_stored(app) -> int:  # noqa: ANN001 - Flask app
    with app.app_context():
        return db.get_session().scalar(select(func.count(Release.id)))


@needs_redis
def test_a_large_assessment_is_released_by_the_worker(jobs_app, large_assessment, redis_connection) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    posted = client.post(f"/a/{large_assessment}/releases/new", data={"note": "After the kick-off"})
    assert posted.status_code == 303
    status_path = posted.headers["Location"]
    assert re.fullmatch(rf"/a/{large_assessment}/releases/job/\d+", status_path), status_path
    waiting = client.get(status_path).get_data(as_text=True)
    assert "are being released" in waiting
    assert releases_stored(jobs_app) == 0

    # Asking again while it waits shows the same job instead of releasing twice.
    again = client.post(f"/a/{large_assessment}/releases/new", data={"note": "twice"})
    assert again.headers["Location"] == status_path

    redis_support.work(redis_connection)
    progress = client.get(f"{status_path}.json").get_json()
    assert progress["finished"] is True
    assert progress["status"] == "done"
    done = client.get(status_path).get_data(as_text=True)
    assert "Release 1 of" in done
    assert f'href="/a/{large_assessment}/releases/1"' in done
    assert releases_stored(jobs_app) == 1

    stored = client.get(f"/a/{large_assessment}/releases/1.json").get_json()
    assert stored["release"]["number"] == 1
    live = client.get(f"/a/{large_assessment}/results.json").get_json()
    assert {k: v for k, v in stored.items() if k != "release"} == json.loads(json.dumps(live))
    page = client.get(f"/a/{large_assessment}/releases").get_data(as_text=True)
    assert "After the kick-off" in page
    assert client.get(f"/a/{large_assessment}/releases/1.pdf").data.startswith(b"%PDF")


@needs_redis
def test_the_release_job_is_only_for_who_may_release(
    jobs_app, large_assessment, redis_connection, make_user, make_assessment
) -> None:
    owner = jobs_app.test_client()
    sign_in(owner, "c@acme.example")
    status_path = owner.post(f"/a/{large_assessment}/releases/new", data={"note": ""}).headers["Location"]
    make_assessment(organization="Globex")
    make_user("c@globex.example", "consultant", organization="Globex")
    for email, expected in (("lead@acme.example", 403), ("c@globex.example", 404)):
        client = jobs_app.test_client()
        sign_in(client, email)
        for path in (status_path, f"{status_path}.json"):
            assert client.get(path).status_code == expected, (email, path)


@needs_redis
def test_a_release_job_is_not_taken_for_a_report_job(jobs_app, large_assessment, redis_connection) -> None:
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    release_path = client.post(f"/a/{large_assessment}/releases/new", data={"note": ""}).headers["Location"]
    report_path = client.post(f"/a/{large_assessment}/report/jobs", data={"paper": "a4"}).headers["Location"]
    assert release_path.rsplit("/", 1)[1] != report_path.rsplit("/", 1)[1]
    release_id = int(release_path.rsplit("/", 1)[1])
    assert client.get(f"/a/{large_assessment}/report/job/{release_id}").status_code == 404
    redis_support.work(redis_connection)
    with jobs_app.app_context():
        kinds = dict(db.get_session().execute(select(ReportJob.id, ReportJob.releases)).all())
    assert kinds[release_id] is True
    assert client.get(f"{report_path}.pdf").data.startswith(b"%PDF")
    assert releases_stored(jobs_app) == 1


@needs_redis
def test_an_unreachable_queue_fails_the_release_and_releases_nothing(jobs_app, large_assessment) -> None:
    jobs_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    client = jobs_app.test_client()
    sign_in(client, "c@acme.example")
    status_path = client.post(f"/a/{large_assessment}/releases/new", data={"note": ""}).headers["Location"]
    page = client.get(status_path).get_data(as_text=True)
    assert "could not be released" in page
    assert "queue is unreachable" in page
    assert releases_stored(jobs_app) == 0
