"""organization names: unique per consultant's view, not across all clients

Revision ID: a4e56f718293
Revises: f3d45e607182
Create Date: 2026-12-06 08:00:00.000000

A name unique across the whole database told a consultant that another consultant had a
client of that name ("An organization named … already exists"). Names are now checked
only against the organizations the person creating one can see (see
``workspace.services.create_organization``); slugs stay unique.

On SQLite the table is rebuilt (batch mode); ``survey_app.migrate`` turns foreign keys off
for that, so the assessments, leaders and assignments that refer to it are kept.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a4e56f718293"
down_revision: str | Sequence[str] | None = "f3d45e607182"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the unique constraint on organization names."""
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_constraint("uq_organization_name", type_="unique")


def downgrade() -> None:
    """Names unique again (fails while two organizations share a name)."""
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_organization_name", ["name"])
