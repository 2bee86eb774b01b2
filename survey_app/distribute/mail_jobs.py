"""Invitation e-mails sent by the background worker (RQ on Redis), and their progress.

With REDIS_URL set, the "Send by e-mail" button does not send while the browser waits: a
``MailJob`` row is stored, the job is put on the worker's queue (``WORKER_QUEUE``), and
``rq worker --url $REDIS_URL <queue>`` runs ``send_invitations_job``, which sends the round
(``rounds.send_pending``) and records how far it is. One job of an assessment runs at a
time: another click while it waits or runs shows that job's progress.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import db, worker_queue
from ..errors import InvalidInput, NotFound
from ..models import Assessment, MailJob, MailJobStatus, User, utcnow
from . import mail, rounds

log = logging.getLogger(__name__)

UNFINISHED = (MailJobStatus.QUEUED, MailJobStatus.RUNNING)
#: Seconds a round may run in the worker: thousands of e-mails, even from a slow mail server.
TIMEOUT = 3600
#: Shown when the worker lost a job without recording why.
LOST = "The worker stopped while sending. What was sent is recorded: send again to send the rest."


def rq_id(job_id: int) -> str:
    """The job's id on the queue."""
    return f"mail-{job_id}"


@dataclass(frozen=True)
class MailProgress:
    """What the status page and its JSON show about a job."""

    status: str
    done: int
    total: int
    messages: tuple[tuple[str, str], ...]
    is_finished: bool
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        """How far along, in whole percent."""
        if self.is_finished:
            return 100
        return self.done * 100 // self.total if self.total else 0

    @property
    def label(self) -> str:
        """How far along, in words."""
        if self.status == MailJobStatus.QUEUED.value:
            return "Waiting for the worker…"
        return f"{self.done} of {self.total} invitations done"

    def as_json(self) -> dict[str, object]:
        """The JSON the status page's script polls."""
        return {
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "progress": self.percent,
            "message": self.label,
            "finished": self.is_finished,
        }


# --- Requesting ------------------------------------------------------------


def request_job(
    session: Session, assessment: Assessment, user_id: int | None, is_lost: bool = False
) -> tuple[MailJob, bool]:
    """The job sending the assessment's invitations: one still waiting or running, else a new one.

    Returns the job and whether it is new (and must be put on the queue). Finished jobs of the
    assessment are deleted. ``is_lost`` replaces an unfinished job the queue no longer has.
    """
    pending = active_job(session, assessment.id)
    if pending is not None and not is_lost:
        return pending, False
    job = MailJob(assessment_id=assessment.id, status=MailJobStatus.QUEUED, requested_by_id=user_id)
    session.add(job)
    session.flush()
    session.execute(delete(MailJob).where(MailJob.assessment_id == assessment.id, MailJob.id < job.id))
    return job, True


def active_job(session: Session, assessment_id: int) -> MailJob | None:
    """The assessment's job still waiting or sending, if any."""
    return session.scalar(
        select(MailJob)
        .where(MailJob.assessment_id == assessment_id, MailJob.status.in_(UNFINISHED))
        .order_by(MailJob.id.desc())
        .limit(1)
    )


def enqueue(redis_url: str, queue: str, job_id: int) -> None:
    """Put the job on the worker's ``queue``."""
    worker_queue.enqueue(
        redis_url, queue, send_invitations_job, job_id, job_id=rq_id(job_id), job_timeout=TIMEOUT
    )


def queue_lost(redis_url: str, job_id: int) -> bool:
    """Whether RQ failed the unfinished job behind our back, or no longer has it (Redis unreachable: no)."""
    return worker_queue.is_lost(redis_url, rq_id(job_id))


# --- Reading ------------------------------------------------------------


def get_job(session: Session, assessment: Assessment, job_id: int) -> MailJob:
    """The job ``job_id`` of ``assessment``; NotFound for another assessment's job or none."""
    job = session.scalar(select(MailJob).where(MailJob.id == job_id, MailJob.assessment_id == assessment.id))
    if job is None:
        raise NotFound(f"no mail job {job_id} for assessment {assessment.slug!r}")
    return job


def progress_of(job: MailJob, *, is_lost: bool = False) -> MailProgress:
    """The job's progress in plain values (``is_lost``: shown as failed, see ``queue_lost``)."""
    if is_lost and job.status in UNFINISHED:
        return MailProgress(MailJobStatus.FAILED.value, job.done, job.total, (("error", LOST),), True, None)
    messages = tuple((category, text) for category, text in json.loads(job.outcome or "[]"))
    return MailProgress(
        status=job.status.value,
        done=job.done,
        total=job.total,
        messages=messages,
        is_finished=job.status not in UNFINISHED,
        finished_at=job.finished_at,
    )


# --- Writing ------------------------------------------------------------


def set_progress(session: Session, job_id: int, **values: object) -> None:
    """Record how far along the job is (or how it ended)."""
    session.execute(update(MailJob).where(MailJob.id == job_id).values(**values))


def finish(session: Session, job_id: int, status: MailJobStatus, messages: list[tuple[str, str]]) -> None:
    """The job ended: its messages for the page."""
    set_progress(session, job_id, status=status, outcome=json.dumps(messages), finished_at=utcnow())


# --- In the worker ------------------------------------------------------------


def send_invitations_job(job_id: int) -> None:
    """Send the round of job ``job_id`` (runs in the worker; settings from the environment)."""
    from .. import worker_app

    with worker_app() as app:
        _run(job_id, app.config)


def _run(job_id: int, config: dict[str, object]) -> None:
    """Load the job, send its round while recording progress, then record how it ended."""
    from rq.timeouts import JobTimeoutException

    with db.write_session() as session:
        job = session.get(MailJob, job_id)
        if job is None:  # deleted since it was queued: nothing to do
            return
        assessment_id, requester_id = job.assessment_id, job.requested_by_id
        set_progress(session, job_id, status=MailJobStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        with db.write_session() as write:
            set_progress(write, job_id, done=done, total=total)

    status, messages = MailJobStatus.FAILED, []
    try:
        read = db.get_session()
        assessment = read.get(Assessment, assessment_id)
        if assessment is None:
            raise NotFound("the assessment no longer exists")
        settings = mail.settings_from(config)
        if settings is None:
            raise mail.MailServerError("e-mail is not configured on the worker (MAIL_SERVER is empty)")
        facts = rounds.letter_for(assessment, read.get(User, requester_id) if requester_id else None)
        report = rounds.send_pending(
            assessment_id,
            facts,
            rounds.RoundSettings(settings, str(config["SECRET_KEY"]), str(config["PUBLIC_URL"])),
            progress,
        )
        status, messages = MailJobStatus.DONE, rounds.outcome_messages(report)
    except (NotFound, InvalidInput, mail.MailError) as exc:
        messages = [("error", f"Nothing more was sent: {exc}.")]
    except JobTimeoutException:
        messages = [("error", f"Sending took longer than {TIMEOUT // 60} minutes and was stopped. " + LOST)]
    except Exception:
        log.exception("mail job %s failed", job_id)
        messages = [("error", "Sending stopped because of an unexpected error. " + LOST)]
    db.get_session().close()
    with db.write_session() as write:
        finish(write, job_id, status, messages)
