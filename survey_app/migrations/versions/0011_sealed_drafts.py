"""anonymity: drafts keep their answers and comment sealed under a key the database does not hold

Revision ID: a1c3e5f7b9d2
Revises: 7b2d4e6f8a90
Create Date: 2026-12-06 05:30:00.000000

A personal invitation's draft names its person, so its answers in plain text tied them
to a name. From now on a draft keeps its answers and comment only sealed (AES-256-GCM,
see ``survey_app.survey.sealing``) under the invitation's token, which needs the app's
secret key to derive, or under a team-link draft's resume token, of which only the hash
is stored.

Stored drafts cannot be sealed here: team-link drafts' resume tokens were never stored,
and the migration is not given the secret key. So unsent drafts saved before this
upgrade are DISCARDED: their respondents open their link again and answer afresh.
Responses already sent are untouched. (On PostgreSQL the deleted rows' space is reused
later; ``VACUUM FULL draft`` rewrites it at once. Backups taken earlier still hold them.)

Only ``draft`` is altered: no table refers to it, so rebuilding it on SQLite deletes
nothing elsewhere.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a1c3e5f7b9d2"
down_revision: str | Sequence[str] | None = "7b2d4e6f8a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

draft = sa.table("draft", sa.column("id", sa.Integer))


def upgrade() -> None:
    """Discard the drafts kept in plain text; keep answers and comment sealed from now on."""
    op.execute(sa.delete(draft))
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=False))
        batch_op.drop_column("comment")
        batch_op.drop_column("answers")


def downgrade() -> None:
    """Back to plain-text drafts; the sealed ones cannot be opened here, so they are discarded."""
    op.execute(sa.delete(draft))
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=False))
        batch_op.drop_column("sealed")
