"""anonymity: random response ids instead of a sequence, and each response's answer-set digest

Revision ID: 7b2d4e6f8a90
Revises: 3f6a9d2c8e14
Create Date: 2026-12-06 05:40:00.000000

A sequential id tells the order in which responses arrived, which together with other
records could tie a response to a person. Every stored response gets a random id (its
answers follow), and new ones get one when stored. The digest of each answer set lets
the consultant's monitor count identical answer sets without showing any of them.
"""

import secrets
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from survey_app.responses import answers_digest

# revision identifiers, used by Alembic.
revision: str = "7b2d4e6f8a90"
down_revision: str | Sequence[str] | None = "3f6a9d2c8e14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Responses renumbered per UPDATE round trip.
BATCH = 5000
#: New ids lie above every sequential id a database could have reached.
LOWEST_NEW_ID = 1 << 40

FK = "fk_response_answer_response_id_response"

response = sa.table("response", sa.column("id", sa.BigInteger), sa.column("answers_digest", sa.String))
answer = sa.table(
    "response_answer",
    sa.column("response_id", sa.BigInteger),
    sa.column("item_id", sa.String),
    sa.column("value", sa.Integer),
)


def upgrade() -> None:
    """Add the digest column and fill it; give every response a random id."""
    connection = op.get_bind()
    op.add_column("response", sa.Column("answers_digest", sa.String(length=16), nullable=True))
    _fill_digests(connection)
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.drop_constraint(FK, "response_answer", type_="foreignkey")
        op.execute("ALTER TABLE response ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS response_id_seq")
        op.execute("ALTER TABLE response ALTER COLUMN id TYPE BIGINT")
        op.execute("ALTER TABLE response_answer ALTER COLUMN response_id TYPE BIGINT")
    else:
        # SQLite checks the answers' foreign key at commit instead of after each UPDATE.
        op.execute("PRAGMA defer_foreign_keys = ON")
    _renumber(connection)
    if postgresql:
        op.create_foreign_key(FK, "response_answer", "response", ["response_id"], ["id"], ondelete="CASCADE")


def _answer_sets(connection: sa.Connection) -> Iterator[tuple[int, dict[str, int | str]]]:
    """Each response's answers (``"dk"`` for "don't know"), one response at a time."""
    rows = connection.execute(
        sa.select(answer.c.response_id, answer.c.item_id, answer.c.value).order_by(answer.c.response_id)
    )
    current, answers = None, {}
    for response_id, item_id, value in rows:
        if response_id != current and current is not None:
            yield current, answers
            answers = {}
        current = response_id
        answers[item_id] = "dk" if value is None else value
    if current is not None:
        yield current, answers


def _fill_digests(connection: sa.Connection) -> None:
    update = (
        sa.update(response)
        .where(response.c.id == sa.bindparam("row_id"))
        .values(answers_digest=sa.bindparam("digest"))
    )
    digests = [
        {"row_id": response_id, "digest": answers_digest(answers)}
        for response_id, answers in _answer_sets(connection)
    ]
    for start in range(0, len(digests), BATCH):
        connection.execute(
            update.values(answers_digest=sa.bindparam("digest")), digests[start : start + BATCH]
        )


def _renumber(connection: sa.Connection) -> None:
    old_ids = connection.execute(sa.select(response.c.id)).scalars().all()
    new_ids: set[int] = set()
    while len(new_ids) < len(old_ids):
        new_ids.add(LOWEST_NEW_ID + secrets.randbelow((1 << 62) - LOWEST_NEW_ID))
    pairs = [{"old": old, "new": new} for old, new in zip(old_ids, new_ids, strict=True)]
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        connection.execute(
            sa.update(answer)
            .where(answer.c.response_id == sa.bindparam("old"))
            .values(response_id=sa.bindparam("new")),
            batch,
        )
        connection.execute(
            sa.update(response).where(response.c.id == sa.bindparam("old")).values(id=sa.bindparam("new")),
            batch,
        )


def downgrade() -> None:
    """Drop the digests; the random ids stay (a sequence on PostgreSQL continues above them)."""
    op.drop_column("response", "answers_digest")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS response_id_seq OWNED BY response.id")
        op.execute("SELECT setval('response_id_seq', GREATEST(COALESCE(MAX(id), 0), 1)) FROM response")
        op.execute("ALTER TABLE response ALTER COLUMN id SET DEFAULT nextval('response_id_seq')")
