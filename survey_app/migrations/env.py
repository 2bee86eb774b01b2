"""Alembic environment: migrates the connection handed over by ``survey_app.migrate``."""

from alembic import context

from survey_app.models import Base

config = context.config


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
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations()
