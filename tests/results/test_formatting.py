"""How numbers are written everywhere (survey_app.results.formatting)."""

from __future__ import annotations

import pytest

from survey_app.results import formatting as fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "–"), (0.0004, "< 0.001"), (0.001, "0.001"), (0.04999, "0.050"), (0.5, "0.500")],
)
def test_p_values_read_the_same_everywhere(value: float | None, text: str) -> None:
    assert fmt.fmt_p(value) == text


def test_a_p_phrase_never_says_equals_less_than() -> None:
    assert fmt.p_phrase(0.0004) == "p < 0.001"
    assert fmt.p_phrase(0.12) == "p = 0.120"


def test_differences_carry_a_true_minus_and_zero_has_no_sign() -> None:
    assert fmt.fmt_signed(-0.456) == "−0.46"
    assert fmt.fmt_signed(0.004) == "0.00"
    assert fmt.fmt_signed(1.5, 1) == "+1.5"


def test_significance_is_below_the_level_only() -> None:
    assert fmt.is_significant(fmt.SIGNIFICANCE - 1e-9)
    assert not fmt.is_significant(fmt.SIGNIFICANCE)
    assert not fmt.is_significant(None)


def test_shares_never_round_to_a_false_certainty() -> None:
    assert fmt.fmt_share(0.004) == "<\u00a01\u00a0%"
    assert fmt.fmt_share(0.996) == ">\u00a099\u00a0%"
    assert fmt.fmt_share(0.5) == "50\u00a0%"


def test_the_terminal_table_writes_p_values_like_the_pages() -> None:
    from survey_app.results import terminal

    assert terminal.fmt_p is fmt.fmt_p
