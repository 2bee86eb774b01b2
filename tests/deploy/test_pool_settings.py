"""DB_POOL_SIZE, DB_MAX_OVERFLOW and DB_POOL_TIMEOUT size each server process's PostgreSQL pool."""

from __future__ import annotations

from pathlib import Path

import config as settings
from survey_app import create_app, db

from helpers import TEST_SECRET

#: Nothing listens there; making an engine does not connect.
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/none"


def test_pool_defaults() -> None:
    values = settings.from_env({})
    assert (values["DB_POOL_SIZE"], values["DB_MAX_OVERFLOW"], values["DB_POOL_TIMEOUT"]) == (5, 5, 10)
    assert values["PROXY_FIX_HOPS"] == 0


def test_the_app_sizes_its_pool_from_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "2")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "7")
    app = create_app({"TESTING": True, "DATABASE_URL": NOWHERE, "SECRET_KEY": TEST_SECRET}, str(tmp_path))
    engine = app.extensions["survey_db"].engine
    try:
        assert engine.pool.size() == 3
        assert engine.pool._max_overflow == 2  # no public accessor
        assert engine.pool.timeout() == 7
        assert engine.pool._pre_ping is True
    finally:
        engine.dispose()


def test_make_engine_keeps_its_old_signature() -> None:
    engine = db.make_engine(NOWHERE, 15)
    try:
        assert engine.pool.size() == 5
        assert engine.pool.timeout() == 10
    finally:
        engine.dispose()


def test_sqlite_ignores_the_pool_settings(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}", pool_size=1, max_overflow=0, pool_timeout=1)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
