"""PLACEHOLDER: report cache (owned by the report work)

Revision ID: f3d45e607182
Revises: e2c34d5f6071
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = "f3d45e607182"
down_revision: str | Sequence[str] | None = "e2c34d5f6071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
