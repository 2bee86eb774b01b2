"""report: consultant logo, commentary, action plan

Revision ID: 98f101307375
Revises: 9fd7fa808c4d
Create Date: 2026-11-23 14:17:15.845671

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "98f101307375"
down_revision: str | Sequence[str] | None = "9fd7fa808c4d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("action", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_action_item_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item")),
    )
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_item_assessment_id"), ["assessment_id"], unique=False)

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commentary", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("logo_type", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("logo_type")
        batch_op.drop_column("logo")

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("commentary")

    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_item_assessment_id"))

    op.drop_table("action_item")
