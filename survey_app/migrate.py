"""Schema migrations with Alembic: create or upgrade the database, or write a new revision."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; return (revision before, revision after).

    Idempotent: on an up-to-date database it changes nothing.
    """
    config = _alembic_config(engine)
    with engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
    with engine.connect() as connection, _sqlite_foreign_keys_off(connection), connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        _check_foreign_keys(connection)
    return before, head_revision()


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys are off while the migrations run, and checked once at their end.

    SQLite alters a table by rebuilding it (Alembic's batch mode): the old table is
    dropped, and with foreign keys on, dropping it deletes the rows that refer to it
    through ON DELETE CASCADE, or fails. SQLite's own procedure for altering a table
    turns them off first; the pragma only works outside a transaction, so it is set on
    the driver's connection before the migrations' transaction begins.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
    try:
        yield
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def _check_foreign_keys(connection: Connection) -> None:
    """On SQLite, refuse (and so roll back) migrations that left a row referring to nothing."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = ", ".join(sorted({row[0] for row in broken}))
        raise RuntimeError(f"the migrations left {len(broken)} rows referring to missing rows (in {tables})")


def head_revision() -> str:
    """The newest revision in the migrations folder."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def new_revision(engine: Engine, message: str) -> None:
    """Write a migration for the difference between the models and the (upgraded) database."""
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
