"""waves and import batches: the series flag, actions' statements, import batches, snapshots

Revision ID: c6a7d9e0f1b2
Revises: b5f67a8293a4
Create Date: 2026-12-06 14:00:00.000000

An assessment is in its organization's series (its trend) unless a consultant takes it out.
An action of the plan can name the statements it aims to move, and the action of the
previous wave it continues. A team counts the changes of its published set, and an
assessment's published figures are kept as a ``results_snapshot`` while those are unchanged
(the trend reads them). Every import is recorded as an ``import_batch``, and each
imported response names its batch (existing responses have none: they stay as they are).

Only columns are added, with server defaults for existing rows. SQLite cannot add a foreign
key to a table, so there ``action_item`` and ``response`` are rebuilt (a few seconds for a
million responses; PostgreSQL only adds the columns).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c6a7d9e0f1b2"
down_revision: str | Sequence[str] | None = "b5f67a8293a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_foreign_key(table: str, column: str, target: str, ondelete: str) -> None:
    """Add a nullable integer column referring to ``target``'s id, its constraint named as the
    models name it (on SQLite, which cannot add a constraint, by rebuilding the table)."""
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            f"fk_{table}_{column}_{target}", target, [column], ["id"], ondelete=ondelete
        )


def upgrade() -> None:
    """Create ``import_batch``; add the series flag, the actions' statements and ``response.batch_id``."""
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("team_rows", sa.Text(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_import_batch_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["user_account.id"],
            name=op.f("fk_import_batch_imported_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["user_account.id"],
            name=op.f("fk_import_batch_undone_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
        sa.UniqueConstraint("assessment_id", "number", name="uq_import_batch_assessment_number"),
    )
    op.create_table(
        "results_snapshot",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("state_key", sa.String(length=64), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_results_snapshot_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_results_snapshot")),
    )
    op.add_column("team", sa.Column("published_version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "assessment", sa.Column("in_series", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column(
        "action_item", sa.Column("statements", sa.String(length=400), nullable=False, server_default="")
    )
    _add_foreign_key("action_item", "carried_from_id", "action_item", "SET NULL")
    _add_foreign_key("response", "batch_id", "import_batch", "CASCADE")
    op.create_index(op.f("ix_response_batch_id"), "response", ["batch_id"], unique=False)


def downgrade() -> None:
    """Drop what ``upgrade`` added (batch mode, for SQLite's DROP COLUMN limits)."""
    op.drop_index(op.f("ix_response_batch_id"), table_name="response")
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_column("batch_id")
    with op.batch_alter_table("action_item") as batch_op:
        batch_op.drop_column("carried_from_id")
        batch_op.drop_column("statements")
    with op.batch_alter_table("assessment") as batch_op:
        batch_op.drop_column("in_series")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("published_version")
    op.drop_table("results_snapshot")
    op.drop_table("import_batch")
