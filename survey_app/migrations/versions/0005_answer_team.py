"""results: each answer's team and whether it is scored, for the per-team counts without a join

Revision ID: 2387624d5b10
Revises: 77685a87a61f
Create Date: 2026-12-01 11:58:24.712630

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "2387624d5b10"
down_revision: str | Sequence[str] | None = "77685a87a61f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns empty, copy each answer's team and scored flag from its response, then
    require them and index them."""
    with op.batch_alter_table("response_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scored", sa.Boolean(), nullable=True))

    # One statement for every existing answer. UPDATE … FROM needs SQLite 3.33; the app's
    # INSERT … RETURNING already needs 3.35.
    op.execute(
        "UPDATE response_answer SET team_id = response.team_id, scored = (response.total IS NOT NULL)"
        " FROM response WHERE response.id = response_answer.response_id"
    )

    with op.batch_alter_table("response_answer", schema=None) as batch_op:
        batch_op.alter_column("team_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("scored", existing_type=sa.Boolean(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_response_answer_team_id_team"), "team", ["team_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(
            "ix_response_answer_team_scored_item_value",
            ["team_id", "scored", "item_id", "value"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("response_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_response_answer_team_scored_item_value")
        batch_op.drop_constraint(batch_op.f("fk_response_answer_team_id_team"), type_="foreignkey")
        batch_op.drop_column("scored")
        batch_op.drop_column("team_id")
