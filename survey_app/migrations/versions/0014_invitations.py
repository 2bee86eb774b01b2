"""PLACEHOLDER: invitations (owned by the invitations work)

Revision ID: e2c34d5f6071
Revises: d1b23c4e5f60
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = "e2c34d5f6071"
down_revision: str | Sequence[str] | None = "d1b23c4e5f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
