"""The statistics computed from frequency tables equal scipy's on the raw answers."""

import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from survey_app.domain.questionnaire import load_questionnaire
from survey_app.domain.scoring import (
    TeamSample,
    assess,
    exact_total,
    mann_whitney_p_value,
    sample_from_totals,
    welch_p_value,
)

from helpers import KOTLER_PATH

Q = load_questionnaire(KOTLER_PATH)
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


# --- Welch's t and the confidence interval from the sums of the totals ------------------------

#: A scored response as (statements answered, sum of its answers): 16–20 answers of 1–5.
responses = st.integers(min_value=16, max_value=20).flatmap(
    lambda answered: st.tuples(st.just(answered), st.integers(min_value=answered, max_value=5 * answered))
)


def sample_of(key: str, scored: list[tuple[int, int]]) -> tuple[TeamSample, list[float]]:
    """The team's sample from its distribution of exact totals, and the raw totals as floats."""
    totals = [exact_total(Q, answered, answer_sum) for answered, answer_sum in scored]
    return sample_from_totals(key, 0, Counter(totals), {}), [float(total) for total in totals]


@settings(max_examples=400, deadline=None)
@given(a=st.lists(responses, min_size=2, max_size=60), b=st.lists(responses, min_size=2, max_size=60))
def test_welch_from_sums_equals_scipy_on_raw_totals(a: list, b: list) -> None:
    sales, x = sample_of("sales", a)
    marketing, y = sample_of("marketing", b)
    ours = welch_p_value(sales, marketing)
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        assert ours is None
        return
    with warnings.catch_warnings():  # scipy warns when a team's totals are nearly all alike
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(a=st.lists(responses, min_size=3, max_size=60))
def test_confidence_interval_equals_scipys_t_interval(a: list) -> None:
    sample, x = sample_of("sales", a)
    result = assess(Q, [sample], min_group=3).teams["sales"]
    if np.ptp(x) == 0:
        return
    expected = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert result.ci95 == pytest.approx(expected, rel=1e-9)
