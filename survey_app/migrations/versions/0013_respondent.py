"""PLACEHOLDER: respondent (owned by the respondent work)

Revision ID: d1b23c4e5f60
Revises: c0a12b3d4e5f
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = "d1b23c4e5f60"
down_revision: str | Sequence[str] | None = "c0a12b3d4e5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
