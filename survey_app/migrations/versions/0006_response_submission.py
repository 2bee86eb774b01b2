"""response: the hash of the web form's submission token, unique, so a form sent twice counts once

Revision ID: d0f53df20625
Revises: 2387624d5b10
Create Date: 2026-12-01 14:18:27.217568

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d0f53df20625"
down_revision: str | Sequence[str] | None = "2387624d5b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A nullable column and a unique index: neither rewrites the table, on SQLite either."""
    op.add_column("response", sa.Column("submission_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_response_submission_hash", "response", ["submission_hash"], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_response_submission_hash", table_name="response")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("submission_hash")
