"""deploy/gunicorn.conf.py: real gunicorn settings, and the database connection check at start."""

from __future__ import annotations

import gc
import importlib.util
import os
import types
from typing import Any

import pytest
from deploy_support import GUNICORN_CONF
from gunicorn.config import Config


def load_conf(monkeypatch: pytest.MonkeyPatch, **environ: str) -> types.ModuleType:
    """Execute the config file as gunicorn does, with ``environ`` set."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", GUNICORN_CONF)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def settings_of(module: types.ModuleType) -> dict[str, Any]:
    """The names gunicorn would read: everything public that is not a function, class or module."""
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not callable(value)
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }


class Log:
    """Stands in for gunicorn's logger."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *args: object) -> None:
        self.lines.append(("info", message % args))

    def warning(self, message: str, *args: object) -> None:
        self.lines.append(("warning", message % args))


def test_every_setting_is_one_gunicorn_knows(monkeypatch) -> None:
    settings = settings_of(load_conf(monkeypatch))
    unknown = set(settings) - set(Config().settings)
    assert not unknown, f"gunicorn would silently ignore {sorted(unknown)}"
    cfg = Config()
    for name, value in settings.items():
        cfg.set(name, value)
    assert cfg.preload_app is True
    assert cfg.control_socket_disable is True
    assert cfg.accesslog == "-"
    assert cfg.max_requests == 1000
    assert cfg.max_requests_jitter == 500
    assert cfg.graceful_timeout == 30
    assert cfg.bind == ["127.0.0.1:8000"]


def test_the_master_freezes_the_loaded_app_before_each_fork(monkeypatch) -> None:
    conf = load_conf(monkeypatch)
    gc.unfreeze()
    try:
        conf.pre_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_installed_gunicorn_knows_no_control_socket() -> None:
    assert "--no-control-socket" in Config().settings["control_socket_disable"].cli


def test_workers_and_bind_come_from_the_environment(monkeypatch) -> None:
    conf = load_conf(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_BIND="0.0.0.0:9000, unix:/run/survey.sock")
    assert conf.workers == 3
    assert conf.bind == ["0.0.0.0:9000", "unix:/run/survey.sock"]


def test_default_workers_is_two_per_core_plus_one_capped(monkeypatch) -> None:
    conf = load_conf(monkeypatch)
    assert conf.default_workers(1) == 3
    assert conf.default_workers(2) == 5
    assert conf.default_workers(64) == 8
    assert conf.workers == conf.default_workers(os.cpu_count())


def test_pool_warning_when_the_pools_exceed_the_connection_limit(monkeypatch) -> None:
    conf = load_conf(monkeypatch)
    needed = conf.connections_needed(servers=2, workers=5, pool_size=5, max_overflow=5)
    assert needed == 100
    message = conf.pool_warning(needed, 100, 3, servers=2, workers=5, pool=5, overflow=5)
    assert message is not None
    assert "= 100, but the database allows 97" in message
    assert conf.pool_warning(97, 100, 3, servers=2, workers=5, pool=5, overflow=5) is None


def test_check_is_skipped_for_sqlite(monkeypatch) -> None:
    conf = load_conf(monkeypatch)
    log = Log()
    assert conf.check_pool(log, {"DATABASE_URL": "sqlite:///x.db"}, worker_count=2) is None
    assert log.lines == [("info", "database connection check skipped: DATABASE_URL is not PostgreSQL")]


def test_a_database_that_does_not_answer_does_not_stop_the_start(monkeypatch) -> None:
    conf = load_conf(monkeypatch)
    log = Log()
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    environ = {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
    assert conf.check_pool(log, environ, worker_count=2) is None
    assert len(log.lines) == 1
    level, line = log.lines[0]
    assert level == "warning"
    assert line.startswith("database connection check failed (OperationalError")
    assert line.endswith("starting anyway")


def test_a_bad_setting_does_not_stop_the_start_either(monkeypatch) -> None:
    conf = load_conf(monkeypatch)
    log = Log()
    environ = {"DATABASE_URL": "postgresql://x@127.0.0.1:9/none", "DB_POOL_SIZE": "many"}
    assert conf.check_pool(log, environ, worker_count=2) is None
    assert log.lines[0][0] == "warning"
    assert "DB_POOL_SIZE must be a whole number" in log.lines[0][1]


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: this check asks a PostgreSQL server")
    return url


def test_the_check_asks_postgresql_for_its_limit(monkeypatch, postgres_url: str) -> None:
    conf = load_conf(monkeypatch)
    log = Log()
    environ = {"DATABASE_URL": postgres_url, "APP_SERVERS": "2"}
    assert conf.check_pool(log, environ, worker_count=2) is None
    assert log.lines[0][0] == "info"
    assert log.lines[0][1].startswith("database connections: at most 40 of ")

    log = Log()
    environ = {"DATABASE_URL": postgres_url, "DB_POOL_SIZE": "50", "DB_MAX_OVERFLOW": "50"}
    warning = conf.check_pool(log, environ, worker_count=100)
    assert warning is not None
    assert log.lines == [("warning", warning)]
    assert "1 server(s) x 100 workers x (DB_POOL_SIZE 50 + DB_MAX_OVERFLOW 50) = 10000" in warning
