"""Database engine and sessions: one engine per app, one session per request or command.

SQLite is tuned for several concurrent respondents: WAL journal, a busy timeout,
foreign keys on, and write transactions that take the write lock when they begin
(``BEGIN IMMEDIATE``), so a transaction never fails half-way on "database is locked".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

#: Execution option that makes a SQLite transaction begin with ``BEGIN IMMEDIATE``.
IMMEDIATE = "survey_begin_immediate"


@dataclass(frozen=True)
class Database:
    """The app's engine and its session factories."""

    engine: Engine
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]


def _tune_sqlite(engine: Engine, busy_timeout: int) -> None:
    """WAL, busy timeout, foreign keys, and explicit BEGIN so IMMEDIATE can be chosen."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://`` means the installed psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(
    url: str | URL,
    busy_timeout: int = 15,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_timeout: float = 10,
) -> Engine:
    """Create an engine for ``url``; SQLite gets the concurrency settings above.

    A statement's parameters are never put in its error's message (``hide_parameters``):
    they hold respondents' comments and answers, names, e-mail addresses and token
    hashes, and an error's message ends up in the log.

    Other databases get a connection pool of ``pool_size`` connections plus up to
    ``max_overflow`` more, a ``pool_timeout`` in seconds for a free one, and a ping
    before each use so a connection dropped by the server is replaced, not failed.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout}, hide_parameters=True)
        _tune_sqlite(engine, busy_timeout)
        return engine
    return create_engine(
        parsed,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
    )


def make_database(url: str | URL, busy_timeout: int = 15, **pool: Any) -> Database:
    """Engine plus session factories: plain sessions for reading, write sessions for writing.

    ``pool`` holds ``make_engine``'s pool arguments (``pool_size``, ``max_overflow``, ``pool_timeout``).
    """
    engine = make_engine(url, busy_timeout, **pool)
    sessions = sessionmaker(_for_reading(engine), expire_on_commit=False)
    event.listen(sessions, "before_flush", _refuse_writing)
    return Database(
        engine=engine,
        sessions=sessions,
        write_sessions=sessionmaker(engine, expire_on_commit=False, execution_options={IMMEDIATE: True}),
    )


def _for_reading(engine: Engine) -> Engine:
    """The engine of reading sessions: on PostgreSQL each query commits by itself (autocommit).

    Reads there run at READ COMMITTED, where every statement sees its own snapshot even
    inside a transaction, so a transaction around them guarantees nothing more; it only
    costs a BEGIN and a ROLLBACK, two round trips on every request. SQLite keeps its
    transactions, which are local calls (see ``end_reading`` for why they end early).
    """
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _refuse_writing(session: Session, _context: Any, _instances: Any) -> None:
    """Reading sessions never write (on PostgreSQL a write there would commit at once)."""
    raise RuntimeError("a reading session cannot write: use db.write_session()")


def init_app(app: Flask) -> None:
    """Attach the database to ``app`` and close each request's session when it ends."""
    app.extensions["survey_db"] = make_database(
        app.config["DATABASE_URL"],
        app.config["SQLITE_BUSY_TIMEOUT"],
        pool_size=app.config["DB_POOL_SIZE"],
        max_overflow=app.config["DB_MAX_OVERFLOW"],
        pool_timeout=app.config["DB_POOL_TIMEOUT"],
    )
    app.teardown_appcontext(_close_session)


def get_database() -> Database:
    """The current app's database."""
    return current_app.extensions["survey_db"]


def get_session() -> Session:
    """The session of the current request or command, for reading."""
    if "db_session" not in g:
        g.db_session = get_database().sessions()
    return g.db_session


@contextmanager
def write_session() -> Iterator[Session]:
    """A session whose transaction holds the write lock; commits on success, rolls back on error.

    The request's reading transaction, if one is open, is ended first (see ``end_reading``).
    """
    end_reading()
    with get_database().write_sessions.begin() as session:
        yield session


def end_reading() -> None:
    """End the request's reading transaction, keeping what it loaded.

    A reader left open while another connection commits keeps SQLite from starting its
    write-ahead log over, so under steady use the log grew by every write (160 MB after
    1,500 respondents) and each commit's checkpoint had more to do. On PostgreSQL it
    keeps a second connection busy. Objects already loaded stay usable; reading again
    opens a new transaction. The reading session never writes: a change made to one of
    its objects is dropped here, as it would be at the request's end.
    """
    session = g.get("db_session")
    if session is None or not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.rollback()  # drops the changes; what was loaded is read again when used
    else:
        session.commit()  # nothing to write: ends the transaction, and nothing expires


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def temporary_schema(base_url: str | URL, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL schema in ``base_url``'s database, dropped afterwards (tests, benchmarks).

    Yields a URL whose connections use the schema (``search_path``).
    """
    base = normalize_url(base_url)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
