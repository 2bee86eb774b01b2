"""Unit tests of the stage bootstrap (survey_app.domain.bootstrap)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from survey_app.domain.bootstrap import (
    DEFAULT_REPLICATES,
    replicate_means,
    stage_odds,
    stage_shares,
)
from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.scoring import TeamSample, assess, sample_from_totals, summarize

from helpers import uniform

STAGES = ["undefined", "defined", "aligned", "integrated"]


def team(key: str, counts: dict[int | Fraction, int]) -> TeamSample:
    """A team from its distribution of totals (total -> how many respondents)."""
    return sample_from_totals(key, 0, {Fraction(t): c for t, c in counts.items()}, {})


def spread(key: str, low: int, high: int, n: int) -> TeamSample:
    """``n`` respondents spread over the totals ``low``, ``low + 1``, …, ``high`` (lowest get the rest)."""
    width = high - low + 1
    return team(key, {low + k: n // width + (k < n % width) for k in range(width)})


def test_identical_totals_give_their_stage_every_time(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 5)  # 80 each: Integrated
    marketing = summarize(q, "marketing", [uniform(3)] * 4)  # 60 each: Aligned
    odds = stage_odds(q, [sales, marketing], ["sales", "marketing"])
    # every replicate mean is 80 and 60; overall (80 + 60) / 2 = 70: Aligned
    assert odds.overall == {"undefined": 0.0, "defined": 0.0, "aligned": 1.0, "integrated": 0.0}
    assert odds.teams["sales"] == {"undefined": 0.0, "defined": 0.0, "aligned": 0.0, "integrated": 1.0}
    assert odds.teams["marketing"]["aligned"] == 1.0
    assert odds.mean_score == pytest.approx(70.0)
    assert odds.interval95 == pytest.approx((70.0, 70.0))
    assert odds.replicates == DEFAULT_REPLICATES == 2000


def test_a_mean_exactly_on_a_bound_is_the_upper_stage(q: Questionnaire) -> None:
    odds = stage_odds(q, [team("sales", {40: 7})], ["sales"])
    assert odds.overall["defined"] == 1.0


def test_float_noise_just_below_a_bound_is_not_a_lower_stage(q: Questionnaire) -> None:
    # five totals of 660/17 and one of 780/17 average exactly 4080/102 = 40,
    # but the weighted float mean is 39.99999999999999
    noisy = (np.array([5, 1]) @ np.array([660 / 17, 780 / 17])) / 6
    assert noisy < 40
    shares = stage_shares(q, np.array([noisy, 20.0, 59.9, 80.0]))
    assert shares == {"undefined": 0.25, "defined": 0.5, "aligned": 0.0, "integrated": 0.25}


def test_a_sample_well_inside_a_band_stays_there(q: Questionnaire) -> None:
    # 200 respondents per team, totals spread evenly over 62..78 (mean 70, sd about 4.9):
    # the standard error of the overall mean is about 0.25, so 60 and 80 are ~40 SEs away
    sales = spread("sales", 62, 78, 200)
    marketing = spread("marketing", 62, 78, 200)
    odds = stage_odds(q, [sales, marketing], ["sales", "marketing"])
    assert odds.overall["aligned"] >= 0.99
    assert odds.teams["sales"]["aligned"] >= 0.99


def test_shares_cover_every_stage_in_order_and_sum_to_one(q: Questionnaire) -> None:
    # six and five respondents spread over 20..100: the stage of a small team is uncertain
    sales = team("sales", {20: 1, 45: 1, 50: 1, 60: 1, 75: 1, 100: 1})
    marketing = team("marketing", {35: 2, 55: 2, 65: 1})
    odds = stage_odds(q, [sales, marketing], ["sales", "marketing"], replicates=500, seed=7)
    assert list(odds.overall) == STAGES
    assert sum(odds.overall.values()) == pytest.approx(1.0)
    for shares in odds.teams.values():
        assert list(shares) == STAGES
        assert sum(shares.values()) == pytest.approx(1.0)
    assert max(odds.overall.values()) < 1.0  # really uncertain, so the test above means something


def test_same_seed_same_result_other_seed_other_result(q: Questionnaire) -> None:
    samples = [spread("sales", 30, 70, 8), spread("marketing", 40, 75, 6)]
    first = stage_odds(q, samples, ["sales", "marketing"], seed=11)
    again = stage_odds(q, samples, ["sales", "marketing"], seed=11)
    other = stage_odds(q, samples, ["sales", "marketing"], seed=12)
    assert first == again
    assert first.seed == 11
    assert other.mean_score != first.mean_score


def test_replicate_mean_is_close_to_the_observed_overall(q: Questionnaire) -> None:
    sales = spread("sales", 20, 100, 200)  # sd about 23: a replicate mean varies by about 1.7
    marketing = spread("marketing", 30, 90, 200)
    observed = assess(q, [sales, marketing], min_group=3).overall.score
    assert observed is not None
    odds = stage_odds(q, [sales, marketing], ["sales", "marketing"])
    assert abs(odds.mean_score - observed) < 0.5
    low, high = odds.interval95
    assert low < observed < high


def test_teams_weigh_the_same_whatever_their_size(q: Questionnaire) -> None:
    # 10 respondents at 100 and 3 at 40: every replicate is (100 + 40) / 2 = 70 (Aligned);
    # weighting by headcount would give (1000 + 120) / 13 = 86.2 (Integrated)
    odds = stage_odds(q, [team("sales", {100: 10}), team("marketing", {40: 3})], ["sales", "marketing"])
    assert odds.overall["aligned"] == 1.0
    assert odds.mean_score == pytest.approx(70.0)


def test_only_the_shown_teams_count(q: Questionnaire) -> None:
    samples = [team("sales", {70: 5}), team("marketing", {30: 2})]  # marketing withheld
    odds = stage_odds(q, samples, ["sales"])
    assert odds.overall["aligned"] == 1.0
    assert set(odds.teams) == {"sales"}


def test_replicate_means_of_a_two_point_team(q: Questionnaire) -> None:
    # totals 40 and 60, one respondent each: a resample of 2 has mean 40, 50 or 60
    # with probabilities 1/4, 1/2, 1/4
    means = replicate_means(team("sales", {40: 1, 60: 1}), 4000, np.random.default_rng(1))
    assert means.shape == (4000,)
    assert set(np.unique(means)) == {40.0, 50.0, 60.0}
    assert np.mean(means == 50.0) == pytest.approx(0.5, abs=0.03)


def test_a_million_respondents_over_three_hundred_totals(q: Questionnaire) -> None:
    # totals 20, 20.25, …, 94.75 (300 distinct); 1,000,000 respondents
    counts = {Fraction(80 + k, 4): 1_000_000 // 300 + (k < 1_000_000 % 300) for k in range(300)}
    sales = team("sales", counts)
    assert sales.scored == 1_000_000
    odds = stage_odds(q, [sales], ["sales"])
    # mean (20 + 94.75) / 2 = 57.375 (almost uniform counts), standard error about 0.02
    assert odds.mean_score == pytest.approx(57.375, abs=0.05)
    assert odds.overall["defined"] == 1.0


def test_refuses_what_cannot_be_resampled(q: Questionnaire) -> None:
    sales = team("sales", {60: 3})
    with pytest.raises(ValueError, match="no team is shown"):
        stage_odds(q, [sales], [])
    with pytest.raises(ValueError, match="'marketing'"):
        stage_odds(q, [sales], ["sales", "marketing"])
    only_sums = TeamSample("marketing", 3, 0, Fraction(180), Fraction(10800))  # no total_counts
    with pytest.raises(ValueError, match="no distribution of totals"):
        stage_odds(q, [sales, only_sums], ["sales", "marketing"])
    with pytest.raises(ValueError, match="at least 1"):
        stage_odds(q, [sales], ["sales"], replicates=0)
