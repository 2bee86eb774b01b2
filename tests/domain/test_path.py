"""Unit tests of the path to the next stage (survey_app.domain.path) on hand-computed examples."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from survey_app.domain.path import PathToNext, Step, overall_item_means, path_to_next
from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.scoring import (
    AssessmentResult,
    GapResult,
    ItemGap,
    OverallResult,
    TeamResult,
    assess,
    summarize,
)

from helpers import ITEM_IDS, uniform


def built(
    q: Questionnaire,
    score: float,
    means: Mapping[str, float],
    gaps: Mapping[str, float | None] | None = None,
    default: float = 3.0,
) -> AssessmentResult:
    """Sales and Marketing whose item means average to ``means`` (``default`` elsewhere).

    Each item's gap (Sales − Marketing, 0 unless given) is split evenly: Sales gets
    mean + gap / 2, Marketing mean − gap / 2. A gap of None means Marketing has no mean
    for that item (nobody answered it), so the overall mean is the Sales mean alone.
    The score is given separately: only the points it lacks matter to the path.
    """
    gaps = gaps or {}
    sales: dict[str, float | None] = {}
    marketing: dict[str, float | None] = {}
    for item_id in ITEM_IDS:
        mean = means.get(item_id, default)
        gap = gaps.get(item_id, 0.0)
        sales[item_id] = mean if gap is None else mean + gap / 2
        marketing[item_id] = None if gap is None else mean - gap / 2
    stage = q.stage_for(score).id
    teams = {
        "sales": TeamResult("sales", 5, 0, False, score=score, stage=stage, items=sales),
        "marketing": TeamResult("marketing", 5, 0, False, score=score, stage=stage, items=marketing),
    }
    gap_items = {item_id: ItemGap(gaps.get(item_id, 0.0), None) for item_id in ITEM_IDS}
    return AssessmentResult(
        teams=teams,
        overall=OverallResult(score, stage, ("sales", "marketing")),
        gap=GapResult(("sales", "marketing"), 0.0, None, gap_items),
    )


def chosen(path: PathToNext | None) -> list[str]:
    assert path is not None
    return [step.item_id for step in path.steps]


# --- the worked example ---------------------------------------------------------------------

# Overall 55.3 (Defined); Aligned starts at 60, so 60 − 55.3 = 4.7 points are needed.
# Overall item means (each the midpoint of Sales and Marketing):
#   k09 1.8 | k14 2.0 (gap 0.9) | k07 2.0 (gap 0.4) | k16 2.3 | k11 2.4 | k18 4.6
#   k01 k12 2.7 | the other 12 statements 2.9
#   sum: 1.8 + 2.0 + 2.0 + 2.3 + 2.4 + 4.6 + 2 × 2.7 + 12 × 2.9 = 15.1 + 5.4 + 34.8 = 55.3
# Lowest mean first; k14 and k07 tie at 2.0 and k14's gap 0.9 beats k07's 0.4, although k07
# comes first in the questionnaire.
# Gains: k09 +1 (1), k14 +1 (2), k07 +1 (3), k16 +1 (4) < 4.7, k11 +1 (5) >= 4.7 -> 5 statements.
EXAMPLE_MEANS = {
    "k09": 1.8, "k07": 2.0, "k14": 2.0, "k16": 2.3, "k11": 2.4, "k18": 4.6, "k01": 2.7, "k12": 2.7,
}  # fmt: skip
EXAMPLE_GAPS = {"k14": 0.9, "k07": -0.4}


def test_worked_example_from_defined_to_aligned(q: Questionnaire) -> None:
    assert sum(EXAMPLE_MEANS.values()) + 12 * 2.9 == pytest.approx(55.3)
    path = path_to_next(q, built(q, 55.3, EXAMPLE_MEANS, EXAMPLE_GAPS, default=2.9))
    assert path is not None
    assert path.current == "defined"
    assert path.next == "aligned"
    assert path.score == pytest.approx(55.3)
    assert path.target == 60
    assert path.points_needed == pytest.approx(4.7)
    assert path.reachable
    assert chosen(path) == ["k09", "k14", "k07", "k16", "k11"]
    assert path.steps[0] == Step("k09", pytest.approx(1.8), pytest.approx(2.8), pytest.approx(1.0))
    assert [step.mean for step in path.steps] == pytest.approx([1.8, 2.0, 2.0, 2.3, 2.4])
    assert [step.raised for step in path.steps] == pytest.approx([2.8, 3.0, 3.0, 3.3, 3.4])
    assert [step.gain for step in path.steps] == pytest.approx([1.0] * 5)
    assert path.gain == pytest.approx(5.0)


def test_ties_go_to_the_larger_gap_not_questionnaire_order(q: Questionnaire) -> None:
    # k03 and k13 both at 2.0; k13 (later) has gap 1.2 (Marketing higher), k03 gap 0.2: k13 first.
    # Overall 57.4 needs 2.6 -> three statements: k13 (+1), k03 (+1), then the 3.0s, all with
    # gap 0, in questionnaire order -> k01 (+1): 3 >= 2.6.
    result = built(q, 57.4, {"k03": 2.0, "k13": 2.0}, {"k03": 0.2, "k13": -1.2})
    assert chosen(path_to_next(q, result)) == ["k13", "k03", "k01"]


def test_a_statement_with_no_gap_sorts_after_one_with_a_gap(q: Questionnaire) -> None:
    # k02 and k05 at 2.0; k02 has no gap (Marketing never answered it), k05 a gap of 0.1.
    # 59.5 needs 0.5: the first statement suffices, and it is k05 although k02 comes earlier.
    result = built(q, 59.5, {"k02": 2.0, "k05": 2.0}, {"k02": None, "k05": 0.1})
    path = path_to_next(q, result)
    assert chosen(path) == ["k05"]
    # with 1.5 needed both are chosen, k02 second
    assert chosen(path_to_next(q, built(q, 58.5, {"k02": 2.0, "k05": 2.0}, {"k02": None, "k05": 0.1}))) == [
        "k05",
        "k02",
    ]


def test_gain_is_capped_at_the_top_of_the_scale(q: Questionnaire) -> None:
    # k01–k05 at 1.0, the other 15 at 4.6: 5 + 15 × 4.6 = 74.0 (Aligned); 80 − 74 = 6 needed.
    # k01–k05 gain 1 each (5.0); then 4.6 -> 5.0 gains only 0.4: 5.4 (k06), 5.8 (k07), 6.2 (k08).
    means = {f"k0{n}": 1.0 for n in range(1, 6)}
    path = path_to_next(q, built(q, 74.0, means, default=4.6))
    assert path is not None
    assert path.next == "integrated"
    assert path.points_needed == pytest.approx(6.0)
    assert chosen(path) == ["k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08"]
    assert [step.gain for step in path.steps[5:]] == pytest.approx([0.4, 0.4, 0.4])
    assert [step.raised for step in path.steps] == pytest.approx([2.0] * 5 + [5.0] * 3)
    assert path.gain == pytest.approx(6.2)
    assert path.reachable


def test_statements_already_at_the_top_are_never_chosen(q: Questionnaire) -> None:
    # k01 at 5.0 (gain 0); 19 at 4.0 would be 81 -- take 79.5 (pro-rated) and need 0.5.
    path = path_to_next(q, built(q, 79.5, {"k01": 5.0}, default=4.0))
    assert chosen(path) == ["k02"]


def test_exact_boundary_two_statements_suffice(q: Questionnaire) -> None:
    # k01, k02 at 2.0, k03 at 2.5, k04 at 3.5, the other 16 at 3.0:
    # 2 + 2 + 2.5 + 3.5 + 48 = 58.0; 60 − 58 = 2.0 exactly; k01 + k02 give 2.0: no third one.
    path = path_to_next(q, built(q, 58.0, {"k01": 2.0, "k02": 2.0, "k03": 2.5, "k04": 3.5}))
    assert path is not None
    assert path.points_needed == 2.0
    assert chosen(path) == ["k01", "k02"]
    assert path.reachable


def test_float_noise_at_the_boundary_does_not_add_a_statement(q: Questionnaire) -> None:
    # A score a hair under 58 (as a mean of fractions may come out) needs 2.0000000000001:
    # k01 + k02 give 2.0, which counts as enough; a third statement would be noise.
    score = 58.0 - 1e-13
    path = path_to_next(q, built(q, score, {"k01": 2.0, "k02": 2.0}))
    assert chosen(path) == ["k01", "k02"]


def test_already_integrated_has_no_next_stage_and_no_statements(q: Questionnaire) -> None:
    path = path_to_next(q, built(q, 85.0, {}, default=4.25))
    assert path == PathToNext("integrated", None, 85.0, None, 0.0, (), reachable=True)


def test_unreachable_returns_every_statement_that_can_gain(q: Questionnaire) -> None:
    # Every respondent answers k01–k16 with 1 and skips k17–k20: totals 20 × 16 / 16 = 20.
    # 40 − 20 = 20 points needed, but only 16 statements have a mean to raise (+1 each = 16).
    sales = summarize(q, "sales", [uniform(1, answered=16)] * 3)
    marketing = summarize(q, "marketing", [uniform(1, answered=16)] * 3)
    result = assess(q, [sales, marketing], min_group=3)
    path = path_to_next(q, result)
    assert path is not None
    assert path.current == "undefined"
    assert path.next == "defined"
    assert path.points_needed == pytest.approx(20.0)
    assert not path.reachable
    assert chosen(path) == ITEM_IDS[:16]
    assert path.gain == pytest.approx(16.0)


def test_item_means_weigh_each_shown_team_equally(q: Questionnaire) -> None:
    # Sales: 10 responses of 2 (total 40); Marketing: 3 of 4 (total 80). Overall (40 + 80) / 2 = 60.
    # Item mean (2 + 4) / 2 = 3.0 (by headcount it would be (20 + 12) / 13 = 2.46).
    # Aligned -> Integrated needs 20: all 20 statements at +1, reachable exactly.
    sales = summarize(q, "sales", [uniform(2)] * 10)
    marketing = summarize(q, "marketing", [uniform(4)] * 3)
    result = assess(q, [sales, marketing], min_group=3)
    assert overall_item_means(q, result)["k01"] == pytest.approx(3.0)
    path = path_to_next(q, result)
    assert path is not None
    assert path.points_needed == pytest.approx(20.0)
    assert chosen(path) == ITEM_IDS
    assert all(step.mean == pytest.approx(3.0) for step in path.steps)
    assert path.reachable


def test_withheld_teams_are_left_out_of_the_item_means(q: Questionnaire) -> None:
    # Marketing has 2 responses (below 3): withheld. Only Sales' 2.0 counts, not (2 + 5) / 2.
    sales = summarize(q, "sales", [uniform(2)] * 3)
    marketing = summarize(q, "marketing", [uniform(5)] * 2)
    result = assess(q, [sales, marketing], min_group=3)
    assert overall_item_means(q, result)["k01"] == pytest.approx(2.0)
    path = path_to_next(q, result)
    assert path is not None
    assert path.current == "defined"
    assert path.points_needed == pytest.approx(20.0)


def test_no_team_shown_gives_no_path(q: Questionnaire) -> None:
    sales = summarize(q, "sales", [uniform(3)] * 2)
    assert path_to_next(q, assess(q, [sales], min_group=3)) is None


def test_a_statement_too_thinly_answered_in_one_team_has_no_overall_mean(q: Questionnaire) -> None:
    sales = [{**dict.fromkeys(q.item_ids, 4), "k01": None}] * 4 + [dict.fromkeys(q.item_ids, 4)]
    marketing = [dict.fromkeys(q.item_ids, 2)] * 5
    result = assess(q, [summarize(q, "sales", sales), summarize(q, "marketing", marketing)], 5)
    means = overall_item_means(q, result)
    assert means["k01"] is None  # not Marketing's 2.0 alone
    assert means["k02"] == 3.0
