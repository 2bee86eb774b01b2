"""The results view model: sorting, significance, headlines, number formats, withheld teams."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

from pydantic import TypeAdapter

from survey_app.domain.scoring import (
    AssessmentResult,
    GapResult,
    ItemGap,
    OverallResult,
    TeamResult,
    assess,
    summarize,
)
from survey_app.results import view_model as vm

from helpers import ITEM_IDS, uniform

KOTLER_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "kotler-2006.yaml"


def assessment(
    min_group: int = 5, headcounts: tuple[int | None, int | None] = (None, None)
) -> vm.AssessmentFacts:
    """An open assessment of Acme with Sales and Marketing."""
    return vm.AssessmentFacts(
        organization="Acme",
        organization_slug="acme",
        name="Spring review",
        slug="acme-spring-review",
        min_group=min_group,
        accepting=True,
        teams=(
            vm.TeamFacts(key="sales", name="Sales", headcount=headcounts[0]),
            vm.TeamFacts(key="marketing", name="Marketing", headcount=headcounts[1]),
        ),
    )


def team(key: str, score: float, items: dict[str, float], responses: int = 12) -> TeamResult:
    return TeamResult(
        key=key,
        responses=responses,
        incomplete=1,
        withheld=False,
        score=score,
        ci95=(score - 4.04, score + 4.04),
        sd=6.25,
        stage="defined" if score < 60 else "aligned",
        dimensions={
            "communication": 3.456,
            "planning": 2.5,
            "process_metrics": 3.0,
            "culture": 3.1,
            "customer": 2.9,
            "structure": 2.0,
        },
        items=items,
    )


#: Gaps (Sales − Marketing) and Holm p-values chosen so the order and the flags are known.
GAPS = {"k01": (0.5, 0.2), "k02": (-1.5, 0.01), "k03": (1.0, 0.04), "k20": (None, None)}


def hand_result(gap_score: float = 9.6, gap_p: float | None = 0.12) -> AssessmentResult:
    sales_items = {item: 3.0 for item in ITEM_IDS}
    marketing_items = {item: 2.9 for item in ITEM_IDS}  # a 0.10 gap elsewhere
    item_gaps = {item: ItemGap(0.1, 1.0) for item in ITEM_IDS}
    for item, (gap, p) in GAPS.items():
        item_gaps[item] = ItemGap(gap, p)
        if gap is not None:
            marketing_items[item] = 3.0 - gap
    sales_items["k20"] = None
    sales_score = 52.8 + gap_score / 2
    marketing_score = 52.8 - gap_score / 2
    return AssessmentResult(
        teams={
            "sales": team("sales", sales_score, sales_items),
            "marketing": team("marketing", marketing_score, marketing_items),
        },
        overall=OverallResult(52.8, "defined", ("sales", "marketing")),
        gap=GapResult(("sales", "marketing"), gap_score, gap_p, item_gaps),
    )


# --- number formats -------------------------------------------------------------------


def test_number_formats() -> None:
    assert vm.fmt_score(52.84) == "52.8"
    assert vm.fmt_score(None) == "–"
    assert vm.fmt_mean(3.456) == "3.46"
    assert vm.fmt_p(0.0004) == "< 0.001"
    assert vm.fmt_p(0.12) == "0.120"
    assert vm.fmt_p(1.0) == "1.000"
    assert vm.fmt_percent(66.6) == "67 %"
    assert vm.fmt_signed(-1.5) == "−1.50"
    assert vm.fmt_signed(0.25) == "+0.25"
    assert vm.fmt_signed(-0.004) == "0.00"
    assert vm.fmt_signed(9.64, 1) == "+9.6"


def test_join_names() -> None:
    assert vm.join_names([]) == ""
    assert vm.join_names(["Sales"]) == "Sales"
    assert vm.join_names(["Sales", "Marketing"]) == "Sales and Marketing"
    assert vm.join_names(["Sales", "Marketing", "Service"]) == "Sales, Marketing and Service"


# --- statements -----------------------------------------------------------------------


def test_statements_are_sorted_largest_absolute_gap_first(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result())
    order = [row.id for row in view.items]
    assert order[:3] == ["k02", "k03", "k01"]
    assert order[3:19] == [f"k{n:02d}" for n in range(4, 20)]  # equal gaps keep questionnaire order
    assert order[-1] == "k20"  # no gap: last


def test_significant_gaps_are_flagged_with_symbol_and_text(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result())
    rows = {row.id: row for row in view.items}
    assert [row.id for row in view.items if row.significant] == ["k02", "k03"]
    assert rows["k02"].significance_text == "significant gap ▲"
    assert rows["k02"].gap_text == "−1.50"
    assert rows["k02"].p_text == "0.010"
    assert rows["k02"].means == ("3.00", "4.50")
    assert rows["k01"].significance_text == "not significant"
    assert rows["k20"].significance_text == "not tested"
    assert rows["k20"].means == ("–", "2.90")
    assert view.significant_count == 2
    assert view.items_headline.startswith(
        "2 of 20 statements show a significant gap; the largest is on statement 2,"
    )
    assert view.items_headline.endswith("(Sales 3.00, Marketing 4.50)")


def test_a_p_value_of_exactly_005_is_not_significant(q) -> None:
    result = hand_result()
    items = dict(result.gap.items)
    items["k03"] = ItemGap(1.0, 0.05)
    result = AssessmentResult(result.teams, result.overall, GapResult(result.gap.teams, 9.6, 0.12, items))
    view = vm.build_results_view(assessment(), q, result)
    assert [row.id for row in view.items if row.significant] == ["k02"]


# --- headlines ------------------------------------------------------------------------


def test_headlines_state_the_findings(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result())
    assert view.headline == "Overall: Defined (52.8 of 100), based on Sales and Marketing"
    assert (
        view.gap.headline
        == "Sales rates the relationship 9.6 points higher than Marketing (not significant, p = 0.120)"
    )
    assert view.teams_headline == "Sales: Defined (57.6 of 100); Marketing: Defined (48.0 of 100)"
    assert view.gap.score_text == "+9.6"
    assert view.gap.p_phrase == "p = 0.120"


def test_gap_headline_names_the_higher_team_and_a_tiny_p_value(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result(gap_score=-14.04, gap_p=0.0002))
    assert (
        view.gap.headline
        == "Marketing rates the relationship 14.0 points higher than Sales (significant, p < 0.001)"
    )
    assert view.gap.significant


def test_gap_headline_when_the_teams_agree_or_cannot_be_tested(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result(gap_score=0.02, gap_p=None))
    assert view.gap.headline.startswith(
        "Sales and Marketing rate the relationship the same (0.0 points apart;"
    )
    assert "not tested" in view.gap.headline


def test_dimension_headline_names_the_largest_difference(q) -> None:
    result = hand_result()
    marketing = result.teams["marketing"]
    dims = dict(marketing.dimensions, culture=1.85)
    teams = {
        "sales": result.teams["sales"],
        "marketing": TeamResult(**{**marketing.__dict__, "dimensions": dims}),
    }
    view = vm.build_results_view(assessment(), q, AssessmentResult(teams, result.overall, result.gap))
    assert view.dimensions_headline == "The teams differ most on Culture & trust (Sales 3.10, Marketing 1.85)"
    rows = {row.id: row for row in view.dimensions}
    assert rows["communication"].means == ("3.46", "3.46")


def test_team_figures_are_formatted(q) -> None:
    view = vm.build_results_view(assessment(headcounts=(15, None)), q, hand_result())
    sales, marketing = view.teams
    assert sales.score_text == "57.6"
    assert sales.ci_text == "53.6–61.6"
    assert sales.sd_text == "6.2" or sales.sd_text == "6.3"
    assert (sales.responses, sales.incomplete) == (12, 1)
    assert sales.response_rate == "12 of 15 asked (80 %)"
    assert marketing.response_rate is None
    assert (sales.symbol, sales.shape, marketing.symbol, marketing.shape) == ("●", "circle", "■", "square")


# --- withheld teams -------------------------------------------------------------------


def samples(q):
    """Sales: six responses scoring 60 or 80. Marketing: three scoring 40, 40 and 60 (46.7, means 2.33)."""
    return [
        summarize(q, "sales", [uniform(3)] * 4 + [uniform(4)] * 2),
        summarize(q, "marketing", [uniform(2), uniform(2), uniform(3)]),
    ]


def test_withheld_team_has_no_figures_anywhere_in_the_view(q) -> None:
    shown_anyway = assess(q, samples(q), 3).teams["marketing"]
    assert f"{shown_anyway.score:.1f}" == "46.7"  # what must not leak
    result = assess(q, samples(q), 5)
    comments = {
        "sales": vm.TeamComments(("Good progress",), 1),
        "marketing": vm.TeamComments(("Marketing secret remark",), 1),
    }
    view = vm.build_results_view(assessment(), q, result, comments)
    marketing = view.teams[1]
    assert marketing.withheld
    assert marketing.notice == (
        "Fewer than 5 people of this team have answered,"
        " so its results are not shown to protect their anonymity."
    )
    assert (marketing.score, marketing.score_text, marketing.responses, marketing.stage_label) == (
        None,
        "",
        None,
        "",
    )
    assert [team.key for team in view.shown] == ["sales"]
    text = repr(asdict(view))
    assert "46.7" not in text
    assert "2.33" not in text
    assert "Marketing secret remark" not in text
    assert view.comments == (vm.CommentGroup("Sales", ("Good progress",), 1),)
    assert all(len(row.values) == 1 for row in view.dimensions)
    assert all(len(row.means) == 1 and row.gap is None for row in view.items)
    assert view.gap is None
    assert view.gap_reason.startswith(
        "There is no comparison of Sales and Marketing: Marketing has fewer than 5"
    )
    assert view.headline == "Overall: Aligned (66.7 of 100), based on Sales"
    assert view.overall.note == "The score of Sales, the only team shown"
    assert view.withheld_text == (
        "Marketing is not shown: fewer than 5 people answered."
        " Every figure on this page is based on Sales only."
    )


def test_withheld_team_is_left_out_of_the_charts(q) -> None:
    view = vm.build_results_view(assessment(), q, assess(q, samples(q), 5))
    drawn = vm.build_charts(view, prefix="t")
    assert drawn.gaps == drawn.gaps_narrow == ""
    for svg in (drawn.ladder, drawn.profile, drawn.ladder_narrow, drawn.profile_narrow):
        assert svg.startswith("<svg")
        assert "Marketing" not in svg
        assert "Sales" in svg


def test_nothing_shown_when_every_team_is_withheld(q) -> None:
    view = vm.build_results_view(assessment(min_group=10), q, assess(q, samples(q), 10))
    assert view.shown == ()
    assert view.headline == "No results yet: no team has enough answers to be shown"
    assert vm.build_charts(view) == vm.ChartSet("", "", "")
    assert view.comments == ()


def test_charts_of_a_full_view_follow_the_sorted_statements(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result())
    drawn = vm.build_charts(view, prefix="full")
    assert 'id="full-ladder"' in drawn.ladder
    assert 'id="full-profile"' in drawn.profile
    labels = drawn.gaps.split("<text")
    first, second = (next(i for i, part in enumerate(labels) if f">{n}. " in part) for n in (2, 3))
    assert first < second  # statement 2 (largest gap) is drawn before statement 3
    assert "−1.50 ▲" in drawn.gaps


def test_each_chart_is_also_drawn_for_a_phone_with_ids_of_its_own(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result())
    drawn = vm.build_charts(view, prefix="full")
    svgs = [
        drawn.ladder,
        drawn.profile,
        drawn.gaps,
        drawn.ladder_narrow,
        drawn.profile_narrow,
        drawn.gaps_narrow,
    ]
    assert 'id="full-ladder-narrow"' in drawn.ladder_narrow
    assert 'id="full-profile-narrow"' in drawn.profile_narrow
    assert 'id="full-gaps-narrow"' in drawn.gaps_narrow
    ids = [name for svg in svgs for name in re.findall(r'\bid="([^"]+)"', svg)]
    assert len(ids) == len(set(ids))  # all six can share a page
    # The same finding for screen readers, whichever of the two is shown.
    for wide, narrow in zip(svgs[:3], svgs[3:], strict=True):
        title = re.compile(r"<title[^>]*>(.*?)</title>")
        assert title.search(wide).group(1) == title.search(narrow).group(1)
    # The phone's gap chart keeps the number and a few words of each statement, largest gap first.
    labels = drawn.gaps_narrow.split("<text")
    first, second = (next(i for i, part in enumerate(labels) if f">{n}. " in part) for n in (2, 3))
    assert first < second
    assert "−1.50 ▲" in drawn.gaps_narrow


def test_the_phone_charts_can_be_left_out(q) -> None:
    view = vm.build_results_view(assessment(), q, hand_result())
    drawn = vm.build_charts(view, narrow=False)
    assert all(svg.startswith("<svg") for svg in (drawn.ladder, drawn.profile, drawn.gaps))
    assert drawn.ladder_narrow == drawn.profile_narrow == drawn.gaps_narrow == ""


def test_chart_sets_stored_before_the_phone_charts_still_load() -> None:
    stored = TypeAdapter(vm.ChartSet).validate_json('{"ladder": "<svg/>", "profile": "", "gaps": ""}')
    assert stored == vm.ChartSet("<svg/>", "", "")
    assert stored.ladder_narrow == ""


def test_counts_say_how_many_are_in_the_results_and_when_the_rest_join() -> None:
    assert vm.counts_text("Sales", 20, 0, 5, 3, 0) == (
        "Sales: 23 responses, 20 in the results; 3 more are added once there are 5."
    )
    assert vm.counts_text("Sales", 0, 2, 5, 1, 0) == (
        "Sales: 1 response, none in the results yet; 1 more is added once there are 5."
        " 2 incomplete responses counted but not scored."
    )
    assert vm.counts_text("Sales", 5, 0, 5, 0, 0) == "Sales: 5 responses, 5 in the results."
    assert vm.counts_text("Sales", 5, 0, 5, 2, 4) == (
        "Sales: 11 responses, 5 in the results; 2 sent online and 4 imported wait until each source"
        " has 5 new ones."
    )
    assert vm.counts_text("Sales", 5, 0, 5, 3, 0, closed=True) == (
        "Sales: 8 responses, 5 in the results; 3 more are counted but not in the results: they never"
        " made a step of 5, and the survey is closed."
    )
