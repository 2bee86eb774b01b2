"""Fixtures for the deployment tests: real gunicorn servers on a fresh PostgreSQL schema.

They need PostgreSQL (``TEST_DATABASE_URL``) and Redis on 127.0.0.1:6379, as in CI;
without either the tests that use them are skipped, saying which is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from deploy_support import (
    GUNICORN_CONF,
    REDIS_URL,
    ROOT,
    START_TIMEOUT,
    Deployment,
    Server,
    free_port,
    redis_answers,
    stop,
    wait_until_healthy,
)

from survey_app import db

import redis_support
from helpers import TEST_SECRET


@pytest.fixture(scope="module")
def postgres_schema_url() -> Iterator[str]:
    """A fresh, empty schema in the TEST_DATABASE_URL database, dropped afterwards."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set: the deployment tests need PostgreSQL")
    if not redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379: the deployment tests share rate limits there")
    with db.temporary_schema(os.environ["TEST_DATABASE_URL"], "deploy") as url:
        yield url


@pytest.fixture(scope="module")
def deployment(postgres_schema_url: str) -> Iterator[Deployment]:
    """The production environment, with its schema made by ``init-db`` (before any server starts)."""
    import redis

    store = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    redis_support.empty(REDIS_URL)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "GUNICORN_")) and name not in ("WEB_CONCURRENCY", "APP_SERVERS")
    }
    env.update(
        DATABASE_URL=postgres_schema_url,
        SECRET_KEY=TEST_SECRET,
        REDIS_URL=REDIS_URL,
        WORKER_QUEUE=redis_support.WORKER_QUEUE,
        PUBLIC_URL="http://127.0.0.1:8000",
        WEB_CONCURRENCY="2",
        APP_SERVERS="2",
        PYTHONUNBUFFERED="1",
    )
    deployment = Deployment(env, postgres_schema_url)
    deployment.flask("init-db")
    yield deployment
    redis_support.empty(REDIS_URL)
    store.close()


@pytest.fixture(scope="module")
def servers(
    deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two gunicorn servers with deploy/gunicorn.conf.py on two ports, sharing one database and Redis."""
    logs = tmp_path_factory.mktemp("gunicorn")
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = logs / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        str(GUNICORN_CONF),
                        "--no-control-socket",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "survey_app:create_app()",
                    ],
                    env=deployment.env,
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append(Server(f"http://127.0.0.1:{port}", process, log))
        deadline = time.monotonic() + START_TIMEOUT
        for server in started:
            wait_until_healthy(server, deadline)
        yield started[0], started[1]
    finally:
        for server in started:
            stop(server)
