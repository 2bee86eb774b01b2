"""The statistics computed from frequency tables equal scipy's on the raw answers."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from survey_app.questionnaire import load_questionnaire
from survey_app.scoring import mann_whitney_p_value

Q = load_questionnaire(Path(__file__).parents[2] / "questionnaires" / "kotler-2006.yaml")
VALUES = np.arange(1, 6)
tables = st.lists(st.integers(min_value=0, max_value=40), min_size=5, max_size=5)


def raw(counts: list[int]) -> np.ndarray:
    return np.repeat(VALUES, counts)


@settings(max_examples=400, deadline=None)
@given(a=tables, b=tables)
def test_mann_whitney_from_tables_equals_scipy_on_raw_answers(a: list[int], b: list[int]) -> None:
    ours = mann_whitney_p_value(Q, a, b)
    x, y = raw(a), raw(b)
    if len(x) < 2 or len(y) < 2 or np.ptp(np.concatenate([x, y])) == 0:
        assert ours is None
        return
    assert ours == pytest.approx(float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue), rel=1e-9)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 1, 0, 0, 0], [0, 0, 1, 1, 0]),  # no ties, tiny: scipy's exact distribution
        ([0, 1, 0, 1, 0], [1, 0, 1, 0, 1]),
        ([3, 0, 0, 0, 0], [0, 0, 0, 0, 2]),  # ties: normal approximation
    ],
)
def test_small_samples_follow_scipys_choice_of_method(a: list[int], b: list[int]) -> None:
    expected = stats.mannwhitneyu(raw(a), raw(b), alternative="two-sided").pvalue
    assert mann_whitney_p_value(Q, a, b) == pytest.approx(float(expected), rel=1e-12)


def test_a_million_answers_are_tested_from_their_tables() -> None:
    a, b = [100_000, 200_000, 300_000, 200_000, 200_000], [20_000, 40_000, 60_300, 40_000, 39_700]
    expected = stats.mannwhitneyu(raw(a), raw(b), alternative="two-sided").pvalue
    assert mann_whitney_p_value(Q, a, b) == pytest.approx(float(expected), rel=1e-9)
