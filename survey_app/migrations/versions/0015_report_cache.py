"""report: the cache of rendered PDF reports, one per assessment and paper size

Revision ID: f3d45e607182
Revises: e2c34d5f6071
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f3d45e607182"
down_revision: str | Sequence[str] | None = "e2c34d5f6071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the report_cache table (a new table: no existing one is altered)."""
    op.create_table(
        "report_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("paper", sa.String(length=10), nullable=False),
        sa.Column("state_key", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_report_cache_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_cache")),
        sa.UniqueConstraint("assessment_id", "paper", name="uq_report_cache_assessment_paper"),
    )


def downgrade() -> None:
    """Drop the report_cache table."""
    op.drop_table("report_cache")
