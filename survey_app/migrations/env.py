"""Alembic environment: migrates the connection handed over by ``survey_app.migrate``."""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext

from survey_app.models import Base, UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Write ``UTCDateTime`` columns as the plain column type they are: a revision must not
    import the app's models (the UTC handling happens in Python, not in the schema)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    """Run the migrations on the connection given in ``config.attributes``."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `flask --app survey_app init-db`")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations()
