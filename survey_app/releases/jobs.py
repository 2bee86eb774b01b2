"""Releases of large assessments made by the background worker, with the report's progress page.

Over ``REPORT_ASYNC_RESPONSES`` responses (and with Redis), releasing takes as long as a large
report, so it runs as a ``ReportJob`` marked ``releases`` on the worker's queue: the worker
prepares the release like ``services.release`` and stores it, and the job keeps its number
for the progress page to link. One unfinished release job per assessment: asking again
while one runs shows it instead of releasing twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db, worker_queue
from ..catalog import get_questionnaire
from ..models import Assessment, ReportJob, ReportJobStatus
from ..report import jobs as report_jobs
from . import services


def request_job(
    session: Session,
    assessment: Assessment,
    user_id: int | None,
    note: str,
    is_lost: Callable[[int], bool] = lambda _job_id: False,
) -> tuple[ReportJob, bool]:
    """The job releasing ``assessment``: one still waiting or running (unless the queue lost
    it), else a new one; and whether it is new and must be put on the queue."""
    services.check_note(note)
    pending = session.scalar(
        select(ReportJob)
        .where(
            ReportJob.assessment_id == assessment.id,
            ReportJob.releases.is_(True),
            ReportJob.status.in_(report_jobs.UNFINISHED),
        )
        .limit(1)
    )
    if pending is not None and not is_lost(pending.id):
        return pending, False
    job = ReportJob(
        assessment_id=assessment.id,
        paper="a4",
        status=ReportJobStatus.QUEUED,
        progress=0,
        message="Waiting for the report worker…",
        requested_by_id=user_id,
        releases=True,
        note=note,
    )
    session.add(job)
    session.flush()
    return job, True


def rq_id(job_id: int) -> str:
    """The job's id on the queue."""
    return f"release-{job_id}"


def enqueue(redis_url: str, queue: str, job_id: int, timeout: int) -> None:
    """Put the release job on the worker's ``queue``, with its time limit in seconds."""
    worker_queue.enqueue(redis_url, queue, release_job, job_id, job_id=rq_id(job_id), job_timeout=timeout)


def release_job(job_id: int) -> None:
    """Make and store release job ``job_id``'s release (runs in the worker)."""
    from .. import worker_app

    with worker_app() as app:
        report_jobs.limit_memory(app.config["REPORT_JOB_MEMORY_MB"])
        report_jobs.run_job(job_id, app.config["REPORT_JOB_TIMEOUT"], _release, subject="release")


def queue_lost(redis_url: str, job_id: int) -> bool:
    """Whether the queue failed or no longer has the unfinished release job ``job_id``."""
    return worker_queue.is_lost(redis_url, rq_id(job_id))


def _release(
    read: Session, job: ReportJob, assessment: Assessment, say: Callable[[str], None]
) -> dict[str, object]:
    """Prepare with the reading session, then store in a short write (see ``services.prepare``)."""
    note, user_id, assessment_id = job.note, job.requested_by_id, assessment.id
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    prepared = services.prepare(read, assessment, questionnaire, progress=say)
    read.close()
    with db.write_session() as write:
        stored = services.store(write, assessment_id, prepared, released_by_id=user_id, note=note)
        return {"release_number": stored.number}
