"""The background worker's queue (RQ on Redis): putting a job on it, and asking after one.

Callers name the queue with the app's ``REDIS_URL`` and ``WORKER_QUEUE``, the same two
settings the worker is started with (``rq worker --url $REDIS_URL <WORKER_QUEUE>``). Each
call opens its own connection to Redis and closes it before returning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import SurveyError


class QueueUnreachable(SurveyError):
    """Redis did not take the job, so the worker will never see it."""


def enqueue(
    redis_url: str,
    queue: str,
    func: Callable[..., Any],
    *args: Any,
    job_id: str | None = None,
    job_timeout: int | None = None,
    result_ttl: int | None = None,
    failure_ttl: int | None = None,
) -> None:
    """Put ``func(*args)`` on the worker's ``queue``; QueueUnreachable when Redis cannot take it.

    :param job_id: the job's id on the queue (None: RQ makes one).
    :param job_timeout: seconds the job may run; ``result_ttl`` and ``failure_ttl``: seconds
        RQ keeps a finished or failed job (None, for each: RQ's default).
    """
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        with Redis.from_url(redis_url) as connection:
            Queue(queue, connection=connection).enqueue(
                func,
                *args,
                job_id=job_id,
                job_timeout=job_timeout,
                result_ttl=result_ttl,
                failure_ttl=failure_ttl,
            )
    except RedisError as exc:
        # Redis's own message names the host and port, never a password of the URL.
        raise QueueUnreachable(f"the worker's queue {queue!r} cannot be reached: {exc}") from exc


def is_lost(redis_url: str, job_id: str) -> bool:
    """Whether RQ failed the job ``job_id`` behind our back, or no longer has it.

    A job's own code records how it ended; a work horse that crashed or was killed cannot,
    but RQ does. When Redis cannot be asked, the job is not called lost.
    """
    from redis import Redis
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        with Redis.from_url(redis_url) as connection:
            status = Job.fetch(job_id, connection=connection).get_status()
    except NoSuchJobError:
        return True
    except RedisError:
        return False
    return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
