"""response: one covering index for the results' totals, in place of (team_id, total)

Revision ID: 5b1f3c9e2a47
Revises: d0f53df20625
Create Date: 2026-12-01 15:20:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5b1f3c9e2a47"
down_revision: str | Sequence[str] | None = "d0f53df20625"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The totals are grouped by team, statements answered and their sum: index exactly those."""
    op.create_index(
        "ix_response_team_scores", "response", ["team_id", "answered", "answer_sum", "total"], unique=False
    )
    op.drop_index("ix_response_team_total", table_name="response")


def downgrade() -> None:
    """Downgrade schema."""
    op.create_index("ix_response_team_total", "response", ["team_id", "total"], unique=False)
    op.drop_index("ix_response_team_scores", table_name="response")
