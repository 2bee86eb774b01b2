"""Which passwords are refused, and why (no app, no database)."""

from __future__ import annotations

import pytest

from survey_app.password_strength import MIN_LENGTH, weakness


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "another long passphrase",
        "twelve chars",
        "kd8#mQ2!zLp0",
        "x" * 5 + "Tq9!vR2@wZ7#" * 20,
    ],
)
def test_strong_passwords_pass(password: str) -> None:
    assert weakness(password, "ann@example.com") is None


def test_short_passwords_are_refused_first() -> None:
    assert weakness("short", "ann@example.com") == f"must have at least {MIN_LENGTH} characters"


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password123!",
        "123456789012",
        "qwertyuiop12",
        "iloveyou2024",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "trustno1trustno1",
        "monkeymonkey12",
    ],
)
def test_common_and_patterned_passwords_are_refused(password: str) -> None:
    assert "too easy to guess" in weakness(password, "ann@example.com")


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("ann.smith-tulip-9", "ann.smith@example.com"),
        ("harbour SMITH tulip", "ann.smith@example.com"),
        ("x-annsmith-tulip", "AnnSmith@example.com"),
    ],
)
def test_a_password_holding_the_email_name_is_refused(password: str, email: str) -> None:
    assert weakness(password, email) == "must not contain your e-mail address or your name"


@pytest.mark.parametrize(
    "password", ["Sales tulip harbour", "tulip-MARKETING-9", "my alignment zebra", "survey zebra tulip"]
)
def test_a_password_holding_the_products_words_is_refused(password: str) -> None:
    assert (
        weakness(password, "ann@example.com")
        == "must not contain the name of this product (sales, marketing, alignment, survey)"
    )


def test_very_long_passwords_are_checked_without_error() -> None:
    assert weakness("password" * 200, "ann@example.com") is not None
