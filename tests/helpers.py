"""Small helpers shared by the tests."""

from __future__ import annotations

TEST_SECRET = "test-secret-key-not-for-production"
#: The password of every user made by the ``make_user`` fixture.
PASSWORD = "correct horse battery"
ITEM_IDS = [f"k{n:02d}" for n in range(1, 21)]


def uniform(value: int | None, answered: int = 20) -> dict[str, int | None]:
    """A response giving ``value`` to the first ``answered`` statements, the rest blank."""
    return {item: (value if index < answered else None) for index, item in enumerate(ITEM_IDS)}


def csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> bytes:
    """A CSV file's bytes from a header and rows."""
    lines = [delimiter.join(header)] + [
        delimiter.join("" if v is None else str(v) for v in row) for row in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sign_in(client, email: str, password: str = PASSWORD):  # noqa: ANN001, ANN201 - test helper
    """Sign ``client`` in through the sign-in form (CSRF is off in the default test app)."""
    return client.post("/sign-in", data={"email": email, "password": password})
