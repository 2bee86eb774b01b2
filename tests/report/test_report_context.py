"""Pure parts of the report: number formats, stage likelihoods, comment selection, the totals chart."""

from __future__ import annotations

import re

import pytest

from survey_app.report import wording
from survey_app.report.content import PathStep, PathView
from survey_app.report.context import COMMENTS_PER_TEAM, _commentary_paragraphs, select_comments
from survey_app.report.wording import fmt_day, fmt_share, shares_text
from survey_app.results import charts

NBSP = "\u00a0"
LABELS = {"undefined": "Undefined", "defined": "Defined", "aligned": "Aligned", "integrated": "Integrated"}


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0 %"),
        (0.0005, "< 1 %"),
        (0.0099, "< 1 %"),
        (0.01, "1 %"),
        (0.7215, "72 %"),
        (0.985, "98 %"),
        (0.9951, "> 99 %"),
        (1.0, "100 %"),
    ],
)
def test_shares_are_whole_percentages_never_a_false_zero_or_hundred(share: float, text: str) -> None:
    assert fmt_share(share).replace(NBSP, " ") == text


def test_stage_likelihoods_list_non_zero_stages_most_likely_first() -> None:
    shares = {"undefined": 0.0, "defined": 0.2695, "aligned": 0.7215, "integrated": 0.009}
    assert shares_text(shares, LABELS).replace(NBSP, " ") == "Aligned 72 %, Defined 27 %, Integrated < 1 %"


def test_dates_are_written_out() -> None:
    from datetime import date

    assert fmt_day(date(2027, 3, 5)).replace(NBSP, " ") == "5 March 2027"
    assert fmt_day(None) == ""


def test_all_comments_are_kept_when_few_and_sorted_alphabetically() -> None:
    arrived = ["zebra crossing talk", "Apples and oranges", "middle ground here"]
    assert select_comments(arrived) == ("Apples and oranges", "middle ground here", "zebra crossing talk")


def test_a_selection_depends_on_the_texts_not_on_their_order() -> None:
    comments = [f"Comment number {n} with enough words in it" for n in range(20)]
    chosen = select_comments(comments)
    assert len(chosen) == COMMENTS_PER_TEAM
    assert select_comments(list(reversed(comments))) == chosen
    assert list(chosen) == sorted(chosen, key=str.casefold)


def test_longer_comments_are_preferred_and_duplicates_dropped() -> None:
    short = [f"ok {n}" for n in range(10)]
    long = [f"This is a longer remark number {n}" for n in range(COMMENTS_PER_TEAM)]
    chosen = select_comments(short + long + ["This is a longer remark number 0"])
    assert set(chosen) == set(long)


def test_very_long_comments_are_shortened() -> None:
    text = "word " * 400
    (chosen,) = select_comments([text])
    assert len(chosen) <= 600
    assert chosen.endswith("[…]")


def test_commentary_paragraphs_split_at_blank_lines_and_keep_line_breaks() -> None:
    text = "First line\nsame paragraph\r\n\r\n\n  Second paragraph  \n\n"
    assert _commentary_paragraphs(text) == ("First line\nsame paragraph", "  Second paragraph")
    assert _commentary_paragraphs("   \n ") == ()


# --- the totals distribution chart ----------------------------------------------------------------------

BANDS = [
    charts.Band("Undefined", 20, 40),
    charts.Band("Defined", 40, 60),
    charts.Band("Aligned", 60, 80),
    charts.Band("Integrated", 80, 100),
]
STYLES = charts.team_styles(["sales", "marketing"])


def texts(svg: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def distribution(sales: str = "Sales", **options: object) -> str:
    return charts.totals_distribution(
        BANDS,
        [
            charts.Distribution(
                sales, [(40.0, 1), (58.75, 2), (60.0, 3), (100.0, 1)], STYLES["sales"], "7 responses"
            ),
            charts.Distribution("Marketing", [(20.0, 2), (45.0, 3)], STYLES["marketing"], "5 responses"),
        ],
        **options,
    )


def test_bins_put_a_total_on_an_edge_in_the_upper_bin_and_the_top_in_the_last() -> None:
    edges = [20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100]
    binned = charts._binned([(40.0, 1), (58.75, 2), (60.0, 3), (100.0, 1), (20.0, 4)], edges)
    assert binned[0] == 4  # 20
    assert binned[4] == 1  # 40 starts the 40–45 bin
    assert binned[7] == 2  # 58.75 in 55–60
    assert binned[8] == 3  # 60 starts the 60–65 bin
    assert binned[-1] == 1  # 100 in the last bin
    assert sum(binned) == 11


def test_distribution_labels_teams_counts_means_and_stages_as_text() -> None:
    svg = distribution(chart_id="dist", summary="Marketing agrees more")
    labels = texts(svg)
    for expected in ("Sales", "Marketing", "7 responses", "5 responses", "Undefined", "Integrated"):
        assert expected in labels
    assert "mean 62.5" in labels  # (40 + 2 × 58.75 + 3 × 60 + 100) / 7
    assert "mean 35.0" in labels
    assert {"1", "2", "3"} <= set(labels)  # counts on the bars
    assert svg.startswith("<svg ")
    assert '<title id="dist-title">Marketing agrees more</title>' in svg


def test_distribution_escapes_team_names() -> None:
    svg = distribution(sales="<script>alert(1)</script>")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in texts(svg)


# --- the path to the next stage, in words ---------------------------------------------------------


def _path(numbers: tuple[int, ...], *, reachable: bool = True) -> PathView:
    steps = tuple(
        PathStep(
            order=order,
            number=number,
            text=f"Statement {number}",
            dimension="Culture",
            mean_text="2.10",
            gap_text="–",
        )
        for order, number in enumerate(numbers, start=1)
    )
    return PathView(
        holding=False,
        reachable=reachable,
        current_label="Defined",
        next_label="Aligned",
        score_text="57.4",
        target_text="60",
        steps=steps,
        summary="",
    )


@pytest.mark.parametrize(
    ("numbers", "count", "listed"),
    [((18,), "One statement", "statement 18"), ((18, 17, 4), "Three statements", "statements 18, 17 and 4")],
)
def test_the_path_is_phrased_as_where_to_focus_first(
    numbers: tuple[int, ...], count: str, listed: str
) -> None:
    path = _path(numbers)
    heading = wording.path_finding(path)
    summary = wording.path_summary(path)
    (step,) = wording.next_steps(path, None, None, {"path": 5})  # type: ignore[arg-type]
    assert heading == f"{count} would move you to Aligned: focus first on {listed}"
    assert summary.startswith(f"The smallest set of statements that would move you to Aligned: {listed}.")
    assert "which begins at 60" in summary
    smallest = "the smallest set of statements that would move you to Aligned"
    assert step == f"Focus first on {smallest}: {listed} (section 5)."
    for text in (heading, summary, step):
        assert "point" not in text  # never "raise the score by so many points"


def test_a_long_path_is_named_by_its_count_and_first_statements() -> None:
    """The table lists every statement; the sentences name how many and where to start."""
    path = _path((12, 7, 3, 18, 4, 9, 1))
    assert (
        wording.path_finding(path)
        == "Seven statements would move you to Aligned: start with statements 12, 7 and 3"
    )
    (step,) = wording.next_steps(path, None, None, {"path": 6})  # type: ignore[arg-type]
    assert step.endswith(": 7 statements, starting with 12, 7 and 3 (section 6).")
    assert "18" not in step


def test_a_next_stage_out_of_one_steps_reach_still_says_where_to_focus_first() -> None:
    path = _path(tuple(range(1, 21)), reachable=False)
    assert wording.path_finding(path) == (
        "Aligned is more than one step away on every statement: focus first on the lowest-rated"
    )
    summary = wording.path_summary(path)
    assert summary.startswith("Aligned begins at 60 and the overall score is 57.4")
    assert "Focus first on the lowest-rated statements below" in summary
    assert "point" not in summary
