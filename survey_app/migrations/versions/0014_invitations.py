"""invitations: a claim on each invitation while its e-mail is sent, and background mail jobs

Revision ID: e2c34d5f6071
Revises: d1b23c4e5f60
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e2c34d5f6071"
down_revision: str | Sequence[str] | None = "d1b23c4e5f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add invitation.sending_since (a plain ADD COLUMN: no table is copied) and the mail_job table."""
    op.add_column("invitation", sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "mail_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="mail_job_status", native_enum=False),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_mail_job_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_mail_job_requested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_job")),
    )
    op.create_index(op.f("ix_mail_job_assessment_id"), "mail_job", ["assessment_id"], unique=False)


def downgrade() -> None:
    """Drop the mail_job table and invitation.sending_since (SQLite drops a column in place since 3.35)."""
    op.drop_index(op.f("ix_mail_job_assessment_id"), table_name="mail_job")
    op.drop_table("mail_job")
    op.drop_column("invitation", "sending_since")
