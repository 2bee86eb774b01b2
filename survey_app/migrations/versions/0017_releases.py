"""releases: results released to leaders, action status, release jobs

Revision ID: b5f67a8293a4
Revises: a4e56f718293
Create Date: 2026-12-06 11:00:00.000000

A ``release`` stores an assessment's results as they were released to its leaders (the
results JSON, the leader page's content and the PDF), numbered per assessment. Each action of
the plan gets a status (planned, in progress, done), existing ones planned. A report job can
now be a release (with the consultant's note and the release it made).

Only columns are added (with server defaults for existing rows), so no table is rebuilt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b5f67a8293a4"
down_revision: str | Sequence[str] | None = "a4e56f718293"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION_STATUS = sa.Enum("planned", "in_progress", "done", name="action_status", native_enum=False)


def upgrade() -> None:
    """Create ``release``; add ``action_item.status`` and the release columns of ``report_job``."""
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("interim", sa.Boolean(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_release_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["user_account.id"],
            name=op.f("fk_release_released_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_release_withdrawn_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release")),
        sa.UniqueConstraint("assessment_id", "number", name="uq_release_assessment_number"),
    )
    op.add_column("action_item", sa.Column("status", ACTION_STATUS, nullable=False, server_default="planned"))
    op.add_column(
        "report_job", sa.Column("releases", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("report_job", sa.Column("note", sa.Text(), nullable=False, server_default=""))
    op.add_column("report_job", sa.Column("release_number", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop what ``upgrade`` added (batch mode, for SQLite's DROP COLUMN limits)."""
    with op.batch_alter_table("report_job") as batch_op:
        batch_op.drop_column("release_number")
        batch_op.drop_column("note")
        batch_op.drop_column("releases")
    with op.batch_alter_table("action_item") as batch_op:
        batch_op.drop_column("status")
    op.drop_table("release")
