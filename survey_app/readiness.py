"""Readiness of a server for a load balancer: the database, Redis and the worker's queue.

``/healthz`` only says the process is alive. ``/readyz`` (see ``views``) asks each
dependency in turn and reports it on its own, so an operator sees which one failed. The
server is ready when its database answers and, when ``REDIS_URL`` is set, Redis answers:
without Redis, sign-in limits fall back to each process and large reports cannot be
queued. A queue nobody works is reported, but does not make the server unready.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"
NO_WORKER = "no worker"
#: Seconds to wait for Redis before calling it unavailable.
REDIS_TIMEOUT = 1.0


@dataclass(frozen=True)
class QueueState:
    """The worker's queue: its name, whether a worker listens, and how many jobs wait."""

    name: str
    status: str
    workers: int | None = None
    waiting: int | None = None


@dataclass(frozen=True)
class Readiness:
    """Each dependency's status ("ok", "unavailable", "not configured", "no worker")."""

    database: str
    redis: str
    queue: QueueState

    @property
    def is_ready(self) -> bool:
        """The database answers, and so does Redis when it is configured."""
        return self.database == OK and self.redis in (OK, NOT_CONFIGURED)

    def as_json(self) -> dict[str, Any]:
        """The body of ``/readyz``."""
        return {
            "status": "ready" if self.is_ready else "not ready",
            "database": self.database,
            "redis": self.redis,
            "worker_queue": {
                "name": self.queue.name,
                "status": self.queue.status,
                "workers": self.queue.workers,
                "waiting": self.queue.waiting,
            },
        }


def database_check(session: Session) -> str:
    """ "ok" when the database answers a query, else "unavailable"."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means the database cannot serve
        return UNAVAILABLE
    return OK


def check(*, database: str, redis_url: str, queue: str) -> Readiness:
    """Ask Redis and the worker's queue (when ``redis_url`` is set) and report with ``database``."""
    if not redis_url:
        return Readiness(database, NOT_CONFIGURED, QueueState(queue, NOT_CONFIGURED))
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    try:
        with Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        ) as connection:
            connection.ping()
            rq_queue = Queue(queue, connection=connection)
            workers = Worker.count(connection=connection, queue=rq_queue)
            waiting = rq_queue.count
    except RedisError:
        return Readiness(database, UNAVAILABLE, QueueState(queue, UNAVAILABLE))
    return Readiness(database, OK, QueueState(queue, OK if workers else NO_WORKER, workers, waiting))
