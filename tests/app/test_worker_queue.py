"""The worker's queue: a job goes on it with its options, and an unreachable Redis is one clear error.

The tests that talk to Redis use this run's own database and queue (``redis_connection``,
``redis_support``) and are skipped without Redis.
"""

from __future__ import annotations

import pytest

from survey_app import worker_queue
from survey_app.errors import SurveyError

import redis_support

DEAD_REDIS = "redis://127.0.0.1:1/0"


def job_to_queue(*args: object) -> None:
    """Stands for a real job: only queued here, never run."""


def fetch(redis_connection, job_id: str):  # noqa: ANN001, ANN201 - a Redis connection, an RQ job
    from rq.job import Job

    return Job.fetch(job_id, connection=redis_connection)


def test_a_job_goes_on_the_queue_with_its_arguments_and_options(redis_connection) -> None:
    worker_queue.enqueue(
        redis_support.redis_url(),
        redis_support.WORKER_QUEUE,
        job_to_queue,
        7,
        "a4",
        job_id="test-7",
        job_timeout=120,
        result_ttl=60,
        failure_ttl=600,
    )
    assert redis_connection.lrange(f"rq:queue:{redis_support.WORKER_QUEUE}", 0, -1) == [b"test-7"]
    job = fetch(redis_connection, "test-7")
    assert job.func_name == f"{__name__}.job_to_queue"
    assert job.args == (7, "a4")
    assert (job.timeout, job.result_ttl, job.failure_ttl) == (120, 60, 600)


def test_options_left_out_are_rqs_defaults(redis_connection) -> None:
    from rq import Queue

    worker_queue.enqueue(redis_support.redis_url(), redis_support.WORKER_QUEUE, job_to_queue)
    (job_id,) = Queue(redis_support.WORKER_QUEUE, connection=redis_connection).job_ids
    job = fetch(redis_connection, job_id)
    assert job.args == ()
    assert job.timeout == Queue.DEFAULT_TIMEOUT
    assert job.result_ttl is None
    assert job.failure_ttl is None


def test_an_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(worker_queue.QueueUnreachable, match="the worker's queue 'reports' cannot be reached"):
        worker_queue.enqueue(DEAD_REDIS, "reports", job_to_queue, 1)
    # The command line and the views show a SurveyError's message as it is.
    assert issubclass(worker_queue.QueueUnreachable, SurveyError)


def test_a_waiting_job_is_not_lost_an_unknown_or_failed_one_is(redis_connection) -> None:
    from rq.job import JobStatus

    url = redis_support.redis_url()
    worker_queue.enqueue(url, redis_support.WORKER_QUEUE, job_to_queue, job_id="test-waiting")
    assert worker_queue.is_lost(url, "test-waiting") is False
    assert worker_queue.is_lost(url, "test-never-queued") is True
    fetch(redis_connection, "test-waiting").set_status(JobStatus.FAILED)
    assert worker_queue.is_lost(url, "test-waiting") is True


def test_a_job_is_not_called_lost_when_redis_cannot_be_asked() -> None:
    assert worker_queue.is_lost(DEAD_REDIS, "test-1") is False
