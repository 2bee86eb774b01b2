"""Unit tests of the scoring rules (survey_app.domain.scoring) against hand-computed figures."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.scoring import (
    ItemGap,
    TeamSample,
    assess,
    gap_result,
    holm,
    mann_whitney_p_value,
    score_response,
    summarize,
    team_result,
    welch_p_value,
)

from helpers import ITEM_IDS, uniform

STAGE_ORDER = ["undefined", "defined", "aligned", "integrated"]


# --- building test data -----------------------------------------------------------------


def response(values: Sequence[int | None], **overrides: int | None) -> dict[str, int | None]:
    """A response giving ``values`` to k01, k02, … in order (the rest blank), then ``overrides``."""
    assert len(values) <= 20
    answers: dict[str, int | None] = dict.fromkeys(ITEM_IDS)
    answers.update(zip(ITEM_IDS, values, strict=False))
    answers.update(overrides)
    return answers


# Twenty answers each, so the total is simply the sum of the answers.
TOTAL_40 = [2] * 20
TOTAL_45 = [2] * 15 + [3] * 5
TOTAL_50 = [2] * 10 + [3] * 10
TOTAL_60 = [3] * 20
TOTAL_70 = [3] * 10 + [4] * 10
TOTAL_80 = [4] * 20


def answers_of(responses: Sequence[Mapping[str, int | None]], item_id: str) -> list[int]:
    """The non-blank answers the given responses gave to one statement."""
    return [r[item_id] for r in responses if r.get(item_id) is not None]


def reference_holm(p_values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Holm step-down written out from its definition: p_(i) adj = max_{j<=i} min(1, (m-j+1) p_(j))."""
    present = {k: p for k, p in p_values.items() if p is not None}
    m = len(present)
    order = sorted(present, key=present.get)
    result: dict[str, float | None] = dict.fromkeys(p_values)
    for i, key in enumerate(order):
        candidates = [min(1.0, (m - j) * present[order[j]]) for j in range(i + 1)]
        result[key] = max(candidates)
    return result


# --- one response -----------------------------------------------------------------------


def test_sixteen_answers_of_four_score_eighty(q: Questionnaire) -> None:
    result = score_response(q, uniform(4, answered=16))
    assert result.answered == 16
    assert result.total == pytest.approx(80.0)
    assert result.is_scored


def test_sixteen_answers_are_prorated_to_twenty(q: Questionnaire) -> None:
    # twelve 3s and four 5s, four blank: 20 * (36 + 20) / 16 = 70
    result = score_response(q, response([3] * 12 + [5] * 4))
    assert result.answered == 16
    assert result.total == pytest.approx(70.0)


def test_eighteen_answers_are_prorated_to_twenty(q: Questionnaire) -> None:
    # nine 3s and nine 4s, two blank: 20 * 63 / 18 = 70
    result = score_response(q, response([3] * 9 + [4] * 9))
    assert result.answered == 18
    assert result.total == pytest.approx(70.0)


def test_twenty_answers_total_is_the_plain_sum(q: Questionnaire) -> None:
    result = score_response(q, response([2] * 10 + [4] * 10))
    assert result.answered == 20
    assert result.total == pytest.approx(60.0)


def test_fifteen_answers_is_incomplete(q: Questionnaire) -> None:
    result = score_response(q, uniform(4, answered=15))
    assert result.answered == 15
    assert result.total is None
    assert not result.is_scored


def test_all_ones_score_twenty_and_stage_undefined(q: Questionnaire) -> None:
    result = score_response(q, uniform(1))
    assert result.total == pytest.approx(20.0)
    assert q.stage_for(result.total).id == "undefined"


def test_all_fives_score_hundred_and_stage_integrated(q: Questionnaire) -> None:
    result = score_response(q, uniform(5))
    assert result.total == pytest.approx(100.0)
    assert q.stage_for(result.total).id == "integrated"


def test_dont_know_and_out_of_range_values_are_not_answers(q: Questionnaire) -> None:
    # 16 answers of 4; k17 "don't know", k18 = 0 and k19 = 6 are off the scale, k99 is no statement
    answers = response([4] * 16, k17=None, k18=0, k19=6, k20=None)
    answers["k99"] = 1
    result = score_response(q, answers)
    assert result.answered == 16
    assert result.total == pytest.approx(80.0)


# --- stages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "stage"),
    [
        (20, "undefined"),
        (39.99, "undefined"),
        (40, "defined"),
        (59.99, "defined"),
        (60, "aligned"),
        (79.99, "aligned"),
        (80, "integrated"),
        (100, "integrated"),
    ],
)
def test_stage_bands_on_every_boundary(q: Questionnaire, score: float, stage: str) -> None:
    assert q.stage_for(score).id == stage


# --- one team ---------------------------------------------------------------------------


def test_team_score_sd_and_student_t_interval(q: Questionnaire) -> None:
    sample = summarize(q, "sales", [response(TOTAL_50), response(TOTAL_60), response(TOTAL_70)])
    result = team_result(q, sample, min_group=3)
    assert not result.withheld
    assert result.responses == 3
    assert result.score == pytest.approx(60.0)
    assert result.sd == pytest.approx(10.0)
    assert result.stage == "aligned"
    # 60 ± t(0.975, df=2) * 10 / sqrt(3) = 60 ± 4.302653 * 5.773503 = 60 ± 24.841377
    assert result.ci95 is not None
    low, high = result.ci95
    assert low == pytest.approx(35.1586228824967)
    assert high == pytest.approx(84.8413771175033)
    expected = stats.t.interval(0.95, 2, loc=60, scale=10 / math.sqrt(3))
    assert (low, high) == pytest.approx(expected)


def test_team_sd_is_the_sample_not_the_population_sd(q: Questionnaire) -> None:
    # totals 50 and 70: sample sd sqrt(200 / 1) = 14.142…, population sd would be 10
    sample = summarize(q, "sales", [response(TOTAL_50), response(TOTAL_70)])
    result = team_result(q, sample, min_group=2)
    assert result.score == pytest.approx(60.0)
    assert result.sd == pytest.approx(14.142135623730951)
    # 60 ± t(0.975, df=1) * 14.142 / sqrt(2) = 60 ± 12.706205 * 10
    assert result.ci95 == pytest.approx((60 - 127.06204736174698, 60 + 127.06204736174698))


def test_team_with_one_response_has_no_sd_and_no_interval(q: Questionnaire) -> None:
    sample = summarize(q, "sales", [response(TOTAL_70)])
    result = team_result(q, sample, min_group=1)
    assert not result.withheld
    assert result.score == pytest.approx(70.0)
    assert result.sd is None
    assert result.ci95 is None


def test_dimension_mean_pools_answers_rather_than_averaging_item_means(q: Questionnaire) -> None:
    # communication = k05, k06, k07; every other statement answered 3
    others = dict.fromkeys(ITEM_IDS, 3)
    responses = [
        {**others, "k05": 5, "k06": 1, "k07": 1},
        {**others, "k05": 5, "k06": None, "k07": None},
        {**others, "k05": 5, "k06": 1, "k07": None},
    ]
    # min_group=1: no statement is too thinly answered to show (see the thin-statement tests)
    result = team_result(q, summarize(q, "sales", responses), min_group=1)
    assert result.items["k05"] == pytest.approx(5.0)
    assert result.items["k06"] == pytest.approx(1.0)
    assert result.items["k07"] == pytest.approx(1.0)
    # answers 5, 1, 1, 5, 5, 1 -> 18 / 6 = 3.0 (the mean of the item means would be 7 / 3)
    assert result.dimensions["communication"] == pytest.approx(3.0)
    assert result.dimensions["structure"] == pytest.approx(3.0)
    # totals 58 (20 answers), 20 * 56 / 18 = 62.222…, 20 * 57 / 19 = 60 -> mean 60.0740…
    assert result.score == pytest.approx((58 + 62.22222222222222 + 60) / 3)


def test_item_and_dimension_means_of_a_small_team(q: Questionnaire) -> None:
    responses = [response(TOTAL_50), response(TOTAL_60), response(TOTAL_70)]
    result = team_result(q, summarize(q, "sales", responses), min_group=3)
    # k01: answers 2, 3, 3; k20: 3, 3, 4
    assert result.items["k01"] == pytest.approx(8 / 3)
    assert result.items["k20"] == pytest.approx(10 / 3)
    # process_metrics = k01 (2, 3, 3), k12 (3, 3, 4), k14 (3, 3, 4), k15 (3, 3, 4): 38 / 12
    assert result.dimensions["process_metrics"] == pytest.approx(38 / 12)
    assert set(result.dimensions) == {
        "communication",
        "planning",
        "process_metrics",
        "culture",
        "customer",
        "structure",
    }
    assert set(result.items) == set(ITEM_IDS)


def test_incomplete_responses_are_counted_but_never_scored(q: Questionnaire) -> None:
    scored = [uniform(4, answered=19)] * 3  # k20 blank, total 80 each
    incomplete = [response([1] * 14, k20=1), response([5] * 15)]  # 15 answers each
    result = team_result(q, summarize(q, "sales", scored + incomplete), min_group=3)
    assert result.responses == 3
    assert result.incomplete == 2
    assert result.score == pytest.approx(80.0)
    assert result.sd == pytest.approx(0.0)
    assert result.items["k01"] == pytest.approx(4.0)
    assert result.items["k20"] is None  # only the incomplete response answered it
    assert result.dimensions["planning"] == pytest.approx(4.0)


def test_summarize_builds_the_sufficient_statistics(q: Questionnaire) -> None:
    responses = [
        uniform(4),  # total 80
        uniform(2, answered=16),  # total 40
        uniform(5, answered=15),  # incomplete
    ]
    sample = summarize(q, "sales", responses)
    expected = TeamSample(
        key="sales",
        scored=2,
        incomplete=1,
        total_sum=120.0,
        total_sumsq=8000.0,
        item_counts={
            **{item: [0, 1, 0, 1, 0] for item in ITEM_IDS[:16]},
            **{item: [0, 0, 0, 1, 0] for item in ITEM_IDS[16:]},
        },
    )
    assert sample.key == expected.key
    assert (sample.scored, sample.incomplete) == (expected.scored, expected.incomplete)
    assert sample.total_sum == pytest.approx(expected.total_sum)
    assert sample.total_sumsq == pytest.approx(expected.total_sumsq)
    assert {k: list(v) for k, v in sample.item_counts.items()} == expected.item_counts


# --- withholding and the overall position ---------------------------------------------------


def test_team_below_min_group_is_withheld(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 5)
    marketing = summarize(q, "marketing", [uniform(2)] * 2 + [uniform(2, answered=10)])
    result = assess(q, [sales, marketing], min_group=3)
    withheld = result.teams["marketing"]
    assert withheld.withheld
    assert withheld.responses == 2
    assert withheld.incomplete == 1
    assert withheld.score is None
    assert withheld.stage is None
    assert withheld.ci95 is None
    assert dict(withheld.items) == {}
    assert dict(withheld.dimensions) == {}
    # the overall position and its stage come from sales alone
    assert result.overall.teams == ("sales",)
    assert result.overall.score == pytest.approx(80.0)
    assert result.overall.stage == "integrated"
    assert result.gap is None


def test_gap_is_none_when_sales_is_withheld(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 4)
    marketing = summarize(q, "marketing", [uniform(2)] * 5)
    result = assess(q, [sales, marketing], min_group=5)
    assert result.teams["sales"].withheld
    assert not result.teams["marketing"].withheld
    assert result.overall.teams == ("marketing",)
    assert result.overall.score == pytest.approx(40.0)
    assert result.gap is None


def test_team_exactly_at_min_group_is_shown(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 4)
    marketing = summarize(q, "marketing", [uniform(2)] * 4)
    result = assess(q, [sales, marketing], min_group=4)
    assert not result.teams["sales"].withheld
    assert not result.teams["marketing"].withheld
    assert result.teams["marketing"].score == pytest.approx(40.0)
    assert result.gap is not None


def test_every_team_withheld_gives_no_overall(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 2)
    marketing = summarize(q, "marketing", [])
    result = assess(q, [sales, marketing], min_group=3)
    assert result.teams["marketing"].withheld
    assert result.teams["marketing"].responses == 0
    assert result.overall.score is None
    assert result.overall.stage is None
    assert result.overall.teams == ()
    assert result.gap is None


def test_overall_weighs_each_team_equally_regardless_of_headcount(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(5)] * 10)  # 100 each
    marketing = summarize(q, "marketing", [uniform(2)] * 3)  # 40 each
    result = assess(q, [sales, marketing], min_group=3)
    # midpoint of 100 and 40; weighting by headcount would give (1000 + 120) / 13 = 86.15
    assert result.overall.score == pytest.approx(70.0)
    assert result.overall.stage == "aligned"
    assert result.overall.teams == ("sales", "marketing")


def test_overall_includes_teams_other_than_the_gap_pair(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(5)] * 3)  # 100
    marketing = summarize(q, "marketing", [uniform(2)] * 3)  # 40
    service = summarize(q, "service", [uniform(3)] * 3)  # 60
    result = assess(q, [sales, marketing, service], min_group=3)
    assert result.overall.score == pytest.approx(200 / 3)
    assert set(result.overall.teams) == {"sales", "marketing", "service"}
    assert result.gap is not None
    assert result.gap.teams == ("sales", "marketing")


@pytest.mark.parametrize("min_group", [2, 1, 0, -1])
def test_assess_refuses_min_group_below_three(q: Questionnaire, min_group: int) -> None:
    sample = summarize(q, "sales", [uniform(4)] * 3)
    with pytest.raises(ValueError, match="at least 3"):
        assess(q, [sample], min_group=min_group)


def test_assess_accepts_min_group_of_three(q: Questionnaire) -> None:
    sample = summarize(q, "sales", [uniform(4)] * 3)
    assert assess(q, [sample], min_group=3).teams["sales"].score == pytest.approx(80.0)


# --- the gap ------------------------------------------------------------------------------

SALES_RESPONSES = [response(TOTAL_50), response(TOTAL_60), response(TOTAL_70), response(TOTAL_80)]
MARKETING_RESPONSES = [response(TOTAL_40), response(TOTAL_45), response(TOTAL_50)]
# An incomplete marketing response with extreme answers: must not move any figure.
MARKETING_INCOMPLETE = response([5] * 15)


def test_gap_score_is_sales_minus_marketing(q: Questionnaire) -> None:
    sales = summarize(q, "sales", SALES_RESPONSES)
    marketing = summarize(q, "marketing", [*MARKETING_RESPONSES, MARKETING_INCOMPLETE])
    result = assess(q, [sales, marketing], min_group=3)
    assert result.gap is not None
    assert result.gap.teams == ("sales", "marketing")
    # sales totals 50, 60, 70, 80 -> 65; marketing 40, 45, 50 -> 45
    assert result.gap.score == pytest.approx(20.0)
    # k01: sales 2, 3, 3, 4 -> 3.0; marketing 2, 2, 2 -> 2.0
    assert result.gap.items["k01"].gap == pytest.approx(1.0)
    # k20: sales 3, 3, 4, 4 -> 3.5; marketing 2, 3, 3 -> 8/3
    assert result.gap.items["k20"].gap == pytest.approx(3.5 - 8 / 3)


def test_gap_welch_p_value_matches_scipy_on_raw_totals(q: Questionnaire) -> None:
    sales = summarize(q, "sales", SALES_RESPONSES)
    marketing = summarize(q, "marketing", [*MARKETING_RESPONSES, MARKETING_INCOMPLETE])
    gap = gap_result(q, sales, marketing)
    expected = stats.ttest_ind([50, 60, 70, 80], [40, 45, 50], equal_var=False).pvalue
    assert gap.p_value == pytest.approx(float(expected))
    assert gap.p_value == pytest.approx(0.046407209926477185)


def test_gap_item_p_values_are_holm_adjusted_mann_whitney(q: Questionnaire) -> None:
    sales = summarize(q, "sales", SALES_RESPONSES)
    marketing = summarize(q, "marketing", [*MARKETING_RESPONSES, MARKETING_INCOMPLETE])
    gap = gap_result(q, sales, marketing)
    raw: dict[str, float | None] = {}
    for item in ITEM_IDS:
        x, y = answers_of(SALES_RESPONSES, item), answers_of(MARKETING_RESPONSES, item)
        raw[item] = float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
    expected = reference_holm(raw)
    for item in ITEM_IDS:
        assert gap.items[item].p_adj == pytest.approx(expected[item]), item
    # the adjustment really happened: 20 tests, so each adjusted p is above its raw p
    assert gap.items["k01"].p_adj > raw["k01"]


def test_gap_item_p_value_is_none_when_not_computable(q: Questionnaire) -> None:
    # k19: marketing answered it once only; k20: every answer in both teams is 3
    sales = summarize(
        q, "sales", [response(TOTAL_50, k20=3), response(TOTAL_70, k20=3), response(TOTAL_80, k20=3)]
    )
    marketing = summarize(
        q,
        "marketing",
        [response(TOTAL_40, k19=None, k20=3), response(TOTAL_45, k19=None, k20=3), response(TOTAL_50, k20=3)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gap = gap_result(q, sales, marketing)
    assert gap.items["k19"].p_adj is None
    assert gap.items["k19"].gap == pytest.approx((3 + 4 + 4) / 3 - 3)
    assert gap.items["k20"].p_adj is None
    assert gap.items["k20"].gap == pytest.approx(0.0)
    assert gap.items["k01"].p_adj is not None


# --- Holm ---------------------------------------------------------------------------------


def test_holm_hand_computed_example() -> None:
    # sorted 0.01, 0.03, 0.04 (m = 3): 3*0.01 = 0.03; 2*0.03 = 0.06; max(0.06, 1*0.04) = 0.06
    adjusted = holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": None})
    assert adjusted == {
        "a": pytest.approx(0.03),
        "b": pytest.approx(0.06),
        "c": pytest.approx(0.06),
        "d": None,
    }


def test_holm_is_monotone_in_the_raw_p_values() -> None:
    # sorted 0.01, 0.02, 0.025: 0.03, 0.04, then max(0.04, 0.025) = 0.04 (not 0.025)
    adjusted = holm({"x": 0.025, "y": 0.01, "z": 0.02})
    assert adjusted["y"] == pytest.approx(0.03)
    assert adjusted["z"] == pytest.approx(0.04)
    assert adjusted["x"] == pytest.approx(0.04)


def test_holm_caps_at_one() -> None:
    # 2*0.5 = 1.0; max(1.0, 0.6) = 1.0; never above 1
    adjusted = holm({"a": 0.5, "b": 0.6})
    assert adjusted == {"a": pytest.approx(1.0), "b": pytest.approx(1.0)}
    adjusted = holm({"a": 0.9, "b": 0.8, "c": 0.02})
    assert adjusted == {"a": pytest.approx(1.0), "b": pytest.approx(1.0), "c": pytest.approx(0.06)}


def test_holm_with_nothing_to_adjust() -> None:
    assert holm({}) == {}
    assert holm({"a": None, "b": None}) == {"a": None, "b": None}
    assert holm({"a": 0.2, "b": None}) == {"a": pytest.approx(0.2), "b": None}


# --- tests that cannot be computed ------------------------------------------------------------


def test_welch_is_none_when_a_team_has_one_response(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [response(TOTAL_70)])
    marketing = summarize(q, "marketing", MARKETING_RESPONSES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert welch_p_value(sales, marketing) is None
        gap = gap_result(q, sales, marketing)
    assert gap.p_value is None
    assert gap.score == pytest.approx(25.0)  # 70 - 45
    assert all(item.p_adj is None for item in gap.items.values())  # one answer per item in sales


def test_welch_is_none_when_both_teams_have_zero_variance(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 3)
    marketing = summarize(q, "marketing", [uniform(3)] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert welch_p_value(sales, marketing) is None
        assert gap_result(q, sales, marketing).p_value is None


def test_welch_runs_when_only_one_team_has_zero_variance(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(4)] * 3)  # 80, 80, 80
    marketing = summarize(q, "marketing", [response(TOTAL_50), response(TOTAL_60), response(TOTAL_70)])
    # t = 20 / sqrt(0/3 + 100/3) = 3.4641, Welch df = 2: p = 2 * t.sf(3.4641, 2)
    assert welch_p_value(sales, marketing) == pytest.approx(0.07417990022744855)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy warns on the constant sample
        expected = stats.ttest_ind([80, 80, 80], [50, 60, 70], equal_var=False).pvalue
    assert welch_p_value(sales, marketing) == pytest.approx(float(expected))


def test_identical_prorated_totals_have_zero_sd(q: Questionnaire) -> None:
    # 17 answers: 4 + 16 * 1 = 20 -> total 20 * 20 / 17 = 23.5294…, three times
    same = response([4] + [1] * 16)
    result = team_result(q, summarize(q, "sales", [same] * 3), min_group=3)
    assert result.score == pytest.approx(400 / 17)
    assert result.sd == pytest.approx(0.0, abs=1e-12)


def test_welch_is_none_for_zero_variance_prorated_totals(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [response([4] + [1] * 16)] * 3)  # 400/17 each
    marketing = summarize(q, "marketing", [response([4, 4, 4] + [1] * 14)] * 3)  # 520/17 each
    assert welch_p_value(sales, marketing) is None


def test_team_whose_mean_is_exactly_a_stage_bound_gets_that_stage(q: Questionnaire) -> None:
    responses = [
        response([4, 4, 4] + [1] * 14),  # 17 answers, sum 26: 20 * 26 / 17 = 30.588…
        response([4] * 7 + [1] * 10),  # 17 answers, sum 38: 20 * 38 / 17 = 44.705…
        response([4] * 7 + [1] * 10),
    ]
    # mean = 20 * (26 + 38 + 38) / (17 * 3) = 2040 / 51 = 40 exactly
    result = assess(q, [summarize(q, "sales", responses)], min_group=3)
    assert result.teams["sales"].score == pytest.approx(40.0)
    assert result.teams["sales"].stage == "defined"


def test_mann_whitney_is_none_with_fewer_than_two_answers_in_a_team(q: Questionnaire) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mann_whitney_p_value(q, [0, 1, 0, 0, 0], [1, 0, 2, 0, 1]) is None
        assert mann_whitney_p_value(q, [0, 0, 0, 0, 0], [1, 0, 2, 0, 1]) is None
        assert mann_whitney_p_value(q, [1, 1, 1, 0, 0], []) is None


def test_mann_whitney_is_none_when_every_answer_is_identical(q: Questionnaire) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mann_whitney_p_value(q, [0, 0, 4, 0, 0], [0, 0, 3, 0, 0]) is None


def test_mann_whitney_matches_scipy_on_raw_answers(q: Questionnaire) -> None:
    # frequencies of 1..5: sales 2, 3, 3, 4, 5; marketing 1, 1, 2, 2
    expected = stats.mannwhitneyu([2, 3, 3, 4, 5], [1, 1, 2, 2], alternative="two-sided").pvalue
    assert mann_whitney_p_value(q, [0, 1, 2, 1, 1], [2, 2, 0, 0, 0]) == pytest.approx(float(expected))


# --- properties ---------------------------------------------------------------------------

ANSWER = st.sampled_from([1, 2, 3, 4, 5, None])
ANSWERS = st.fixed_dictionaries({item: ANSWER for item in ITEM_IDS})
TEAM = st.lists(ANSWERS, max_size=6)


@given(answers=ANSWERS)
def test_property_total_is_none_or_within_twenty_and_hundred(q: Questionnaire, answers: dict) -> None:
    result = score_response(q, answers)
    given_answers = sum(value is not None for value in answers.values())
    assert result.answered == given_answers
    if given_answers < 16:
        assert result.total is None
    else:
        assert result.total is not None
        assert 20 <= result.total <= 100


@given(
    a=st.floats(min_value=0, max_value=120, allow_nan=False),
    b=st.floats(min_value=0, max_value=120, allow_nan=False),
)
def test_property_stage_is_monotone_in_the_score(q: Questionnaire, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert STAGE_ORDER.index(q.stage_for(low).id) <= STAGE_ORDER.index(q.stage_for(high).id)


@settings(deadline=None, max_examples=60)
@given(
    teams=st.fixed_dictionaries({"sales": TEAM, "marketing": TEAM}, optional={"service": TEAM}),
    min_group=st.integers(min_value=3, max_value=4),
)
def test_property_overall_lies_between_the_shown_team_scores(
    q: Questionnaire, teams: dict[str, list], min_group: int
) -> None:
    result = assess(q, [summarize(q, key, responses) for key, responses in teams.items()], min_group)
    shown = {key: team.score for key, team in result.teams.items() if not team.withheld}
    assert set(result.overall.teams) == set(shown)
    if not shown:
        assert result.overall.score is None
        return
    assert min(shown.values()) - 1e-9 <= result.overall.score <= max(shown.values()) + 1e-9


@settings(deadline=None, max_examples=60)
@given(sales=TEAM, marketing=TEAM)
def test_property_gap_is_sales_score_minus_marketing_score(
    q: Questionnaire, sales: list, marketing: list
) -> None:
    result = assess(q, [summarize(q, "sales", sales), summarize(q, "marketing", marketing)], 3)
    if result.teams["sales"].withheld or result.teams["marketing"].withheld:
        assert result.gap is None
        return
    assert result.gap is not None
    assert result.gap.score == pytest.approx(result.teams["sales"].score - result.teams["marketing"].score)
    for item in result.gap.items.values():
        assert item.p_adj is None or 0 <= item.p_adj <= 1


# --- thin statements ------------------------------------------------------------------


def test_a_statement_answered_by_fewer_than_the_min_group_is_withheld(q: Questionnaire) -> None:
    # Five responses; statement k20 answered by one of them only (the others: "don't know").
    others = dict.fromkeys(ITEM_IDS, 3)
    responses = [{**others, "k20": None}] * 4 + [{**others, "k20": 1}]
    result = team_result(q, summarize(q, "sales", responses), min_group=5)
    assert not result.withheld
    assert result.items["k20"] is None
    assert result.withheld_items == ("k20",)
    assert result.items["k19"] == pytest.approx(3.0)


def test_a_dimension_with_a_withheld_statement_is_computed_without_it(q: Questionnaire) -> None:
    # process_metrics = k01, k12, k14, k15; k01 answered 1 by two people only, the rest 4.
    others = dict.fromkeys(ITEM_IDS, 4)
    responses = [{**others, "k01": 1}] * 2 + [{**others, "k01": None}] * 3
    result = team_result(q, summarize(q, "sales", responses), min_group=3)
    assert result.withheld_items == ("k01",)
    assert result.dimensions["process_metrics"] == pytest.approx(4.0)  # with k01 it would be 3.7


def test_a_statement_withheld_in_one_team_has_no_gap_and_no_test(q: Questionnaire) -> None:
    varied = [dict.fromkeys(ITEM_IDS, value) for value in (1, 2, 3, 4, 5)]
    thin = [{**answers, "k20": None} for answers in varied[:4]] + [varied[4]]
    result = assess(q, [summarize(q, "sales", thin), summarize(q, "marketing", varied)], min_group=5)
    assert result.gap is not None
    assert result.gap.items["k20"] == ItemGap(None, None)
    assert result.gap.items["k19"].gap == pytest.approx(0.0)
    assert result.teams["marketing"].items["k20"] == pytest.approx(3.0)  # shown where enough answered
