"""Redis for the tests: a database number and a worker queue of this run's own.

A server or worker running on the same machine (the demo, another checkout's test run)
must not see the tests' rate-limit counters or take their jobs, nor they its. So a run
claims a free database number among 1–15 (0 is every server's default) with a key set
only if absent, and names its worker queue after the run; both are given up when the
run ends.

A database is free when it is empty, or holds only what an earlier test run left there
(marked by ``MARK``); one holding anything else belongs to someone else and is skipped.
"""

from __future__ import annotations

import atexit
import secrets
import socket

import pytest

HOST, PORT = "127.0.0.1", 6379
RUN = secrets.token_hex(4)
#: The queue this run's apps put jobs on and its workers listen to (never the default "reports").
WORKER_QUEUE = f"reports-test-{RUN}"
#: Set (with this run's id) in the database a run has claimed, for at most six hours.
CLAIM = "survey-app-tests:claimed-by"
#: Left in a database used by test runs: the next run may empty it and take it.
MARK = "survey-app-tests:used"
CLAIM_SECONDS = 6 * 3600

_claimed: str | None = None


def reachable() -> bool:
    """Whether a Redis server answers on 127.0.0.1:6379."""
    try:
        socket.create_connection((HOST, PORT), timeout=0.5).close()
    except OSError:
        return False
    return True


#: Marks a test that needs a Redis server on 127.0.0.1:6379: it is skipped without one.
needs_redis = pytest.mark.skipif(not reachable(), reason="no Redis on 127.0.0.1:6379")


def redis_url() -> str | None:
    """``redis://127.0.0.1:6379/N`` of this run's own database, or None without Redis.

    The first call claims the database; later calls return the same one.
    """
    global _claimed
    if _claimed is None and reachable():
        _claimed = _claim()
        atexit.register(_release, _claimed)
    return _claimed


def _claim() -> str:
    import redis

    for number in range(1, 16):
        url = f"redis://{HOST}:{PORT}/{number}"
        with redis.Redis.from_url(url, socket_timeout=5) as store:
            keys = store.dbsize()
            if keys and not store.exists(MARK):
                continue  # someone else's data
            if not store.set(CLAIM, RUN, nx=True, ex=CLAIM_SECONDS):
                continue  # another test run has it now
            for key in store.scan_iter(count=1000):
                if key.decode() != CLAIM:
                    store.delete(key)
            store.set(MARK, "1")
            return url
    raise RuntimeError("Redis databases 1-15 are all in use: no database is free for this test run")


def _release(url: str) -> None:
    import redis

    try:
        with redis.Redis.from_url(url, socket_timeout=5) as store:
            if store.get(CLAIM) == RUN.encode():
                store.flushdb()
                store.set(MARK, "1")
    except redis.RedisError:
        pass  # the server went away: the claim expires by itself


def empty(url: str) -> None:
    """Delete everything in this run's database but its claim and mark."""
    import redis

    with redis.Redis.from_url(url, socket_timeout=5) as store:
        for key in store.scan_iter(count=1000):
            if key.decode() not in (CLAIM, MARK):
                store.delete(key)


def work(connection) -> None:  # noqa: ANN001 - a Redis connection
    """Run every job queued on this run's queue in this process (RQ's non-forking
    ``SimpleWorker``), then stop."""
    from rq import Queue, SimpleWorker

    queue = Queue(WORKER_QUEUE, connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True)
