"""Large PDF reports made by the background worker (RQ on Redis), and their progress.

A report of an assessment with more than ``REPORT_ASYNC_RESPONSES`` responses is not
rendered while the browser waits: a ``ReportJob`` row is stored, the job is put on the
worker's queue (``WORKER_QUEUE``, ``reports`` unless set), and ``rq worker --url
$REDIS_URL reports`` runs ``render_report_job``, which stores the PDF in the row. Only
the newest job of an assessment and paper size is kept: a new request deletes the
finished ones, and reuses one still waiting or running.

Each job runs in a work horse the worker forks for it, with RQ's time limit
(``REPORT_JOB_TIMEOUT``) and an address-space limit set here (``REPORT_JOB_MEMORY_MB``),
so one huge report cannot take the worker's machine down with it.
"""

from __future__ import annotations

import logging
import resource
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from .. import db, worker_queue
from ..catalog import get_questionnaire
from ..errors import NotFound
from ..models import Assessment, ReportJob, ReportJobStatus, Response, Team, utcnow
from . import services

log = logging.getLogger(__name__)

#: The renderer's progress messages, and how far along the job is when each is said.
STEPS = {
    "Computing results…": 10,
    "Drawing charts…": 40,
    "Laying out pages…": 70,
    "Storing the release…": 90,
}
UNFINISHED = (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING)


@dataclass(frozen=True)
class JobProgress:
    """What the status page and its JSON show about a job."""

    status: str
    percent: int
    message: str
    error: str
    is_finished: bool
    finished_at: datetime | None

    def as_json(self) -> dict[str, object]:
        """The JSON the status page's script polls."""
        return {
            "status": self.status,
            "progress": self.percent,
            "message": self.message,
            "error": self.error,
            "finished": self.is_finished,
        }


# --- Deciding and requesting ------------------------------------------------------------


def response_count(session: Session, assessment_id: int) -> int:
    """How many responses the assessment has (all teams, complete or not)."""
    return session.scalar(
        select(func.count(Response.id))
        .join(Team, Response.team_id == Team.id)
        .where(Team.assessment_id == assessment_id)
    )


def runs_in_background(responses: int, threshold: int, redis_url: str) -> bool:
    """Whether a report of ``responses`` responses is made by the worker (needs Redis)."""
    return bool(redis_url) and responses > threshold


def assessment_in_background(session: Session, assessment_id: int, config: Mapping[str, Any]) -> bool:
    """Whether the assessment's report (and its release) is made by the worker, under the app's
    ``REPORT_ASYNC_RESPONSES`` and ``REDIS_URL``."""
    count = response_count(session, assessment_id)
    return runs_in_background(count, config["REPORT_ASYNC_RESPONSES"], config["REDIS_URL"])


def request_job(
    session: Session,
    assessment: Assessment,
    paper: str,
    user_id: int | None,
    is_lost: Callable[[int], bool] = lambda _job_id: False,
) -> tuple[ReportJob, bool]:
    """The job making this report: one still waiting or running, else a new one.

    Returns the job and whether it is new (and must be put on the queue). Finished jobs of
    the same assessment and paper are deleted: only the newest report is kept. A waiting or
    running job the queue has lost (``is_lost(job_id)``, see ``queue_lost``) is replaced.
    """
    pending = session.scalar(
        select(ReportJob)
        .where(
            ReportJob.assessment_id == assessment.id,
            ReportJob.paper == paper,
            ReportJob.status.in_(UNFINISHED),
            ReportJob.releases.is_(False),
        )
        .order_by(ReportJob.id.desc())
        .limit(1)
    )
    if pending is not None and not is_lost(pending.id):
        return pending, False
    job = ReportJob(
        assessment_id=assessment.id,
        paper=paper,
        status=ReportJobStatus.QUEUED,
        progress=0,
        message="Waiting for the report worker…",
        requested_by_id=user_id,
    )
    session.add(job)
    session.flush()
    # Deleted after the insert, so the new job's id is above theirs even where ids are reused
    # (SQLite): an old status page never shows a newer job.
    session.execute(
        delete(ReportJob).where(
            ReportJob.assessment_id == assessment.id,
            ReportJob.paper == paper,
            ReportJob.id < job.id,
            ReportJob.releases.is_(False),  # release jobs (``releases.jobs``) are kept
        )
    )
    return job, True


def rq_id(job_id: int) -> str:
    """The job's id on the queue."""
    return f"report-{job_id}"


def enqueue(redis_url: str, queue: str, job_id: int, timeout: int) -> None:
    """Put the job on the worker's ``queue``, with its time limit in seconds."""
    worker_queue.enqueue(
        redis_url, queue, render_report_job, job_id, job_id=rq_id(job_id), job_timeout=timeout
    )


# --- Reading ------------------------------------------------------------


def get_job(session: Session, assessment: Assessment, job_id: int, *, releases: bool = False) -> ReportJob:
    """The job ``job_id`` of ``assessment`` (a release job when ``releases``); NotFound for
    another assessment's job, a job of the other kind or none."""
    job = session.scalar(
        select(ReportJob).where(
            ReportJob.id == job_id,
            ReportJob.assessment_id == assessment.id,
            ReportJob.releases.is_(releases),
        )
    )
    if job is None:
        raise NotFound(f"no report job {job_id} for assessment {assessment.slug!r}")
    return job


#: Shown when the worker lost a job without recording why (its work horse crashed or was killed).
LOST = (
    "The report worker stopped while making the report, probably because the report needed more"
    " time or memory than a report may use. Try again, or ask an administrator."
)


def queue_lost(redis_url: str, job_id: int) -> bool:
    """Whether RQ failed the unfinished job ``job_id`` behind our back, or no longer has it.

    A work horse that crashes (native code under the memory limit gets a segmentation
    fault rather than a ``MemoryError``) or is killed never records its failure in the
    database; RQ does. When Redis cannot be asked, the job is not called lost.
    """
    return worker_queue.is_lost(redis_url, rq_id(job_id))


def progress_of(job: ReportJob, *, is_lost: bool = False) -> JobProgress:
    """The job's progress in plain values (``is_lost``: shown as failed, see ``queue_lost``)."""
    if is_lost and job.status in UNFINISHED:
        return JobProgress(
            status=ReportJobStatus.FAILED.value,
            percent=100,
            message="Failed.",
            error=LOST,
            is_finished=True,
            finished_at=None,
        )
    return JobProgress(
        status=job.status.value,
        percent=job.progress,
        message=job.message,
        error=job.error,
        is_finished=job.status not in UNFINISHED,
        finished_at=job.finished_at,
    )


def job_pdf(session: Session, job: ReportJob) -> bytes:
    """The finished job's PDF; NotFound while it is not ready."""
    pdf = session.scalar(select(ReportJob.pdf).where(ReportJob.id == job.id))
    if job.status is not ReportJobStatus.DONE or not pdf:
        raise NotFound("the report is not ready")
    return pdf


# --- Writing progress ------------------------------------------------------------


def set_progress(session: Session, job_id: int, percent: int, message: str, **values: object) -> None:
    """Record how far along the job is (and any other column given)."""
    session.execute(
        update(ReportJob).where(ReportJob.id == job_id).values(progress=percent, message=message, **values)
    )


def mark_failed(session: Session, job_id: int, error: str) -> None:
    """The job failed: ``error`` says why, in words for the user."""
    set_progress(
        session, job_id, 100, "Failed.", status=ReportJobStatus.FAILED, error=error, finished_at=utcnow()
    )


# --- In the worker ------------------------------------------------------------


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space at ``megabytes`` (0: no cap) so a runaway job fails alone.

    RQ has no memory limit of its own. Its default worker forks a work horse per job, so
    the cap applies to that one job and goes away with it. Only the soft limit is set:
    the hard one is left as it was, and a larger soft limit can be set again later.
    """
    if megabytes <= 0:
        return
    wanted = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def render_report_job(job_id: int) -> None:
    """Make the PDF of report job ``job_id`` (runs in the worker; settings from the environment)."""
    from .. import worker_app

    with worker_app() as app:
        limit_memory(app.config["REPORT_JOB_MEMORY_MB"])
        run_job(job_id, app.config["REPORT_JOB_TIMEOUT"], _render)


def _render(
    read: Session, job: ReportJob, assessment: Assessment, say: Callable[[str], None]
) -> dict[str, object]:
    rendered = services.report_pdf(
        read, assessment, get_questionnaire(assessment.questionnaire_id), job.paper, progress=say
    )
    return {"pdf": rendered.pdf}


#: The work of a job: given a reading session, the job, its assessment and a progress
#: callback, it returns the job's columns to store once it succeeds.
Work = Callable[[Session, ReportJob, Assessment, Callable[[str], None]], dict[str, object]]


def run_job(job_id: int, timeout: int, work: Work, subject: str = "report") -> None:
    """Run job ``job_id``'s ``work`` while recording its progress; store what it made, or why it
    failed (in words naming the ``subject``: "report", "release")."""
    from rq.timeouts import JobTimeoutException

    with db.write_session() as session:
        job = session.get(ReportJob, job_id)
        if job is None:  # deleted since it was queued: nothing to do
            return
        set_progress(session, job_id, 5, "Starting…", status=ReportJobStatus.RUNNING)

    def say(message: str) -> None:
        with db.write_session() as write:
            set_progress(write, job_id, STEPS.get(message, 50), message)

    try:
        read = db.get_session()
        job = read.get(ReportJob, job_id)
        assessment = read.get(Assessment, job.assessment_id) if job is not None else None
        if job is None or assessment is None:
            raise NotFound("the assessment no longer exists")
        made = work(read, job, assessment, say)
        read.close()
    except NotFound as exc:
        error = f"The {subject} could not be made: {exc}."
    except JobTimeoutException:
        error = f"The {subject} took longer than the {timeout} seconds it may take. Ask an administrator."
    except MemoryError:
        error = f"The {subject} needed more memory than it may use. Ask an administrator."
    except Exception:
        log.exception("%s job %s failed", subject, job_id)
        error = f"The {subject} could not be made because of an unexpected error. Try again later."
    else:
        with db.write_session() as write:
            set_progress(
                write, job_id, 100, "Ready.", status=ReportJobStatus.DONE, finished_at=utcnow(), **made
            )
        return
    db.get_session().close()
    with db.write_session() as write:
        mark_failed(write, job_id, error)
