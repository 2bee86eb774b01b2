"""response: each comment's rank, indexed, so the comments shown are picked by the database

Revision ID: 9c2e4a7d1b35
Revises: 5b1f3c9e2a47
Create Date: 2026-12-01 17:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from survey_app.domain.comments import comment_rank

# revision identifiers, used by Alembic.
revision: str = "9c2e4a7d1b35"
down_revision: str | Sequence[str] | None = "5b1f3c9e2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Comments ranked per UPDATE round trip.
BATCH = 5000


def upgrade() -> None:
    """Add the column, rank every stored comment (in batches, in this transaction), index it."""
    op.add_column("response", sa.Column("comment_rank", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    response = sa.table(
        "response", sa.column("id", sa.Integer), sa.column("comment", sa.Text), sa.column("comment_rank")
    )
    update = (
        sa.update(response)
        .where(response.c.id == sa.bindparam("row_id"))
        .values(comment_rank=sa.bindparam("rank"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(response.c.id, response.c.comment)
            .where(response.c.id > last, response.c.comment.is_not(None))
            .order_by(response.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        ranked = [{"row_id": row_id, "rank": comment_rank(text)} for row_id, text in rows]
        ranked = [row for row in ranked if row["rank"] is not None]  # blank comments have none
        if ranked:
            connection.execute(update, ranked)
        last = rows[-1][0]
    op.create_index(
        "ix_response_team_comment_rank", "response", ["team_id", "comment_rank", "id"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_response_team_comment_rank", table_name="response")
    op.drop_column("response", "comment_rank")
