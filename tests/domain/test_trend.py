"""Unit tests of the trend between waves (survey_app.domain.trend) on fixed figures."""

from __future__ import annotations

import math
from typing import Any

import pytest
from scipy import stats

from survey_app.domain.scoring import welch_from_stats
from survey_app.domain.trend import (
    PlannedAction,
    TeamPoint,
    Wave,
    build_trend,
    change_between,
    follow_up,
    most_moved,
)


def shown(responses: int, score: float, sd: float, stage: str, **items: float | None) -> dict[str, Any]:
    """A shown team as the results JSON gives it."""
    return {
        "responses": responses,
        "pending": 0,
        "pending_by_source": {"web": 0, "import": 0},
        "incomplete": 0,
        "withheld": False,
        "score": score,
        "ci95": [score - 5, score + 5],
        "sd": sd,
        "stage": stage,
        "dimensions": {"d1": items.get("k01", 3.0)},
        "items": dict(items),
        "withheld_items": [],
    }


def withheld(responses: int) -> dict[str, Any]:
    return {"responses": responses, "pending": 0, "incomplete": 0, "withheld": True}


def wave(slug: str, teams: dict[str, dict[str, Any]], overall: float | None, stage: str | None) -> Wave:
    shown_keys = [key for key, team in teams.items() if not team["withheld"]]
    results = {"teams": teams, "overall": {"score": overall, "stage": stage, "teams": shown_keys}}
    return Wave.from_results(slug, slug.title(), results)


def test_welch_from_stats_matches_scipy_and_the_hand_computed_statistic() -> None:
    # Sales moved from n=10, mean 50, SD 10 to n=12, mean 62, SD 8.
    # By hand: var terms 64/12 = 5.333 and 100/10 = 10; t = 12 / sqrt(15.333) = 3.0645;
    # df = 15.333² / (5.333²/11 + 10²/9) = 17.165.
    t = 12 / math.sqrt(64 / 12 + 10)
    df = (64 / 12 + 10) ** 2 / ((64 / 12) ** 2 / 11 + 10**2 / 9)
    assert t == pytest.approx(3.0645, abs=1e-4)
    assert df == pytest.approx(17.165, abs=1e-3)
    expected = 2 * stats.t.sf(t, df)
    scipy_p = stats.ttest_ind_from_stats(62, 8, 12, 50, 10, 10, equal_var=False).pvalue
    assert welch_from_stats((12, 62.0, 8.0), (10, 50.0, 10.0)) == pytest.approx(expected, rel=1e-9)
    assert welch_from_stats((12, 62.0, 8.0), (10, 50.0, 10.0)) == pytest.approx(scipy_p, rel=1e-9)


@pytest.mark.parametrize(
    ("a", "b"),
    [((1, 60.0, 0.0), (10, 50.0, 5.0)), ((10, 60.0, 0.0), (10, 50.0, 0.0))],
    ids=["one response", "no spread"],
)
def test_welch_from_stats_is_none_when_it_cannot_be_computed(a, b) -> None:  # noqa: ANN001
    assert welch_from_stats(a, b) is None


def test_change_between_two_waves_gives_score_change_p_value_and_stage_move() -> None:
    first = wave(
        "w1",
        {
            "sales": shown(10, 50.0, 10.0, "defined", k01=2.5, k02=3.0, k03=3.0, k04=4.0),
            "marketing": shown(8, 58.0, 6.0, "defined", k01=3.0, k02=3.0, k03=2.0, k04=4.0),
        },
        54.0,
        "defined",
    )
    second = wave(
        "w2",
        {
            "sales": shown(12, 62.0, 8.0, "aligned", k01=3.5, k02=2.75, k03=3.0, k04=4.5),
            "marketing": shown(9, 57.0, 7.0, "defined", k01=3.0, k02=3.5, k03=2.0, k04=3.0),
        },
        59.5,
        "defined",
    )
    change = change_between(first, second)
    sales, marketing = change.teams["sales"], change.teams["marketing"]
    assert sales.score_change == pytest.approx(12.0)
    assert sales.p_value == pytest.approx(
        stats.ttest_ind_from_stats(62, 8, 12, 50, 10, 10, equal_var=False).pvalue
    )
    assert (sales.stage_from, sales.stage_to, sales.stage_moved) == ("defined", "aligned", True)
    assert marketing.score_change == pytest.approx(-1.0)
    assert marketing.stage_moved is False
    assert change.overall_change == pytest.approx(5.5)
    assert sales.items == pytest.approx({"k01": 1.0, "k02": -0.25, "k03": 0.0, "k04": 0.5})
    # Largest moves first, either way; an unchanged statement is not a move.
    assert sales.most_moved(3) == [("k01", 1.0), ("k04", 0.5), ("k02", -0.25)]
    assert marketing.most_moved(2) == [("k04", -1.0), ("k02", 0.5)]


def test_a_team_withheld_in_either_wave_has_nulls_and_the_overall_change_needs_the_same_teams() -> None:
    first = wave(
        "w1", {"sales": shown(10, 50.0, 10.0, "defined", k01=3.0), "marketing": withheld(3)}, 50.0, "defined"
    )
    second = wave(
        "w2",
        {
            "sales": shown(12, 62.0, 8.0, "aligned", k01=4.0),
            "marketing": shown(6, 70.0, 5.0, "aligned", k01=4.0),
        },
        66.0,
        "aligned",
    )
    third = wave(
        "w3",
        {"sales": withheld(4), "marketing": shown(7, 71.0, 4.0, "aligned", k01=4.0)},
        71.0,
        "aligned",
    )
    trend = build_trend([first, second, third])
    assert [(change.before, change.after) for change in trend.changes] == [("w1", "w2"), ("w2", "w3")]
    one, two = trend.changes
    for team in (one.teams["marketing"], two.teams["sales"]):
        assert (team.score_change, team.p_value, team.stage_from, team.stage_to) == (None, None, None, None)
        assert not team.comparable
        assert team.items == {}
    assert one.teams["sales"].score_change == pytest.approx(12.0)
    assert two.teams["marketing"].score_change == pytest.approx(1.0)
    # Overall means of different teams are not compared.
    assert one.overall_change is None
    assert two.overall_change is None


def test_a_team_missing_from_a_wave_has_nulls_and_is_listed() -> None:
    first = wave("w1", {"sales": shown(10, 50.0, 10.0, "defined")}, 50.0, "defined")
    second = wave(
        "w2",
        {"sales": shown(10, 55.0, 9.0, "defined"), "service": shown(6, 60.0, 5.0, "aligned")},
        57.5,
        "defined",
    )
    change = change_between(first, second)
    assert list(change.teams) == ["sales", "service"]
    assert change.teams["service"].score_change is None
    assert build_trend([first, second]).team_keys == ("sales", "service")


def test_withheld_statement_has_no_change() -> None:
    before = TeamPoint.from_results("sales", shown(10, 50.0, 10.0, "defined", k01=3.0, k02=None))
    after = TeamPoint.from_results("sales", shown(10, 55.0, 10.0, "defined", k01=None, k02=4.0))
    first = Wave("w1", "W1", {"sales": before}, 50.0, "defined", ("sales",))
    second = Wave("w2", "W2", {"sales": after}, 55.0, "defined", ("sales",))
    assert change_between(first, second).teams["sales"].items == {"k01": None, "k02": None}


def test_most_moved_orders_by_size_then_id() -> None:
    assert most_moved({"k03": 0.5, "k01": -0.5, "k02": None, "k04": 0.1}, 2) == [("k01", -0.5), ("k03", 0.5)]


def test_follow_up_gives_each_named_statements_change_per_team() -> None:
    first = wave(
        "w1",
        {"sales": shown(10, 50.0, 10.0, "defined", k01=2.0, k02=3.0), "marketing": withheld(2)},
        50.0,
        "defined",
    )
    second = wave(
        "w2",
        {
            "sales": shown(10, 55.0, 10.0, "defined", k01=3.5, k02=3.0),
            "marketing": shown(5, 50, 5, "defined"),
        },
        52.5,
        "defined",
    )
    actions = [
        PlannedAction("Shared funnel review", "done", ("k01", "k02")),
        PlannedAction("No statements named", "planned", ()),
    ]
    followed = follow_up(actions, change_between(first, second))
    assert [item.action.action for item in followed] == ["Shared funnel review"]
    assert followed[0].moves == {
        "k01": {"sales": pytest.approx(1.5), "marketing": None},
        "k02": {"sales": pytest.approx(0.0), "marketing": None},
    }
