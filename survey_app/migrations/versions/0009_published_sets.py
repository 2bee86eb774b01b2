"""anonymity: published sets of responses, per-pool waiting counts, burst counts, invitation-only assessments

Revision ID: 3f6a9d2c8e14
Revises: 9c2e4a7d1b35
Create Date: 2026-12-06 05:10:00.000000

Every figure is computed from a team's published responses, which grow only in steps of
at least the minimum group size, separately for web responses and imported ones. Stored
responses are published here as one first step per team and pool when that pool has
enough scored responses; the others wait, counted in the team's ``pending_*`` columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3f6a9d2c8e14"
down_revision: str | Sequence[str] | None = "9c2e4a7d1b35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The stored sources of each pool (``ResponseSource.pool``).
POOLS = {"web": ("web",), "import": ("import", "demo")}


def upgrade() -> None:
    """Add the columns, publish what makes a full step, count what waits, index the new way."""
    op.add_column(
        "assessment",
        sa.Column("invitations_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Plain ALTER TABLE … ADD COLUMN, never a batch copy: on SQLite a batch drops and recreates
    # the table, and dropping ``team`` or ``response`` would cascade to their responses and answers.
    op.add_column("team", sa.Column("pending_web", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("team", sa.Column("pending_import", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("team", sa.Column("burst_sends", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("response", sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.drop_index("ix_response_team_scores", table_name="response")
    op.drop_index("ix_response_team_comment_rank", table_name="response")
    with op.batch_alter_table("response_answer", schema=None) as batch_op:  # nothing refers to it
        batch_op.drop_index("ix_response_answer_team_scored_item_value")
        batch_op.alter_column("scored", new_column_name="published", existing_type=sa.Boolean())

    _publish_first_steps(op.get_bind())

    op.create_index(
        "ix_response_team_published_scores",
        "response",
        ["team_id", "published", "answered", "answer_sum", "total"],
        unique=False,
    )
    op.create_index(
        "ix_response_team_published_comment_rank",
        "response",
        ["team_id", "published", "comment_rank", "id"],
        unique=False,
    )
    with op.batch_alter_table("response_answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_answer_team_published_item_value",
            ["team_id", "published", "item_id", "value"],
            unique=False,
        )


def _publish_first_steps(connection: sa.Connection) -> None:
    response = sa.table(
        "response",
        sa.column("team_id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("total", sa.Float),
        sa.column("published", sa.Boolean),
    )
    team = sa.table(
        "team",
        sa.column("id", sa.Integer),
        sa.column("assessment_id", sa.Integer),
        sa.column("pending_web", sa.Integer),
        sa.column("pending_import", sa.Integer),
    )
    assessment = sa.table("assessment", sa.column("id", sa.Integer), sa.column("min_group_size", sa.Integer))
    min_group = dict(
        connection.execute(
            sa.select(team.c.id, assessment.c.min_group_size).join(
                assessment, assessment.c.id == team.c.assessment_id
            )
        ).all()
    )
    for pool, sources in POOLS.items():
        counts = connection.execute(
            sa.select(response.c.team_id, sa.func.count())
            .where(response.c.total.is_not(None), response.c.source.in_(sources))
            .group_by(response.c.team_id)
        ).all()
        for team_id, count in counts:
            if count >= min_group[team_id]:
                connection.execute(
                    sa.update(response)
                    .where(
                        response.c.team_id == team_id,
                        response.c.total.is_not(None),
                        response.c.source.in_(sources),
                    )
                    .values(published=True)
                )
            else:
                connection.execute(
                    sa.update(team).where(team.c.id == team_id).values({f"pending_{pool}": count})
                )
    connection.execute(
        sa.text(
            "UPDATE response_answer SET published = response.published"
            " FROM response WHERE response.id = response_answer.response_id"
        )
    )


def downgrade() -> None:
    """Back to scoring every complete response at once."""
    with op.batch_alter_table("response_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_response_answer_team_published_item_value")
        batch_op.alter_column("published", new_column_name="scored", existing_type=sa.Boolean())
    op.execute(
        "UPDATE response_answer SET scored = (response.total IS NOT NULL)"
        " FROM response WHERE response.id = response_answer.response_id"
    )
    with op.batch_alter_table("response_answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_answer_team_scored_item_value",
            ["team_id", "scored", "item_id", "value"],
            unique=False,
        )
    op.drop_index("ix_response_team_published_comment_rank", table_name="response")
    op.drop_index("ix_response_team_published_scores", table_name="response")
    # SQLite (3.35+) drops a column in place; these have no index or constraint left.
    op.drop_column("response", "published")
    op.create_index("ix_response_team_scores", "response", ["team_id", "answered", "answer_sum", "total"])
    op.create_index("ix_response_team_comment_rank", "response", ["team_id", "comment_rank", "id"])
    op.drop_column("team", "burst_sends")
    op.drop_column("team", "pending_import")
    op.drop_column("team", "pending_web")
    op.drop_column("assessment", "invitations_only")
