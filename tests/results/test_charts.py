"""The shared chart functions: SVG with text labels, escaped user text, unique ids, no pyplot."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from matplotlib.colors import to_rgb

from survey_app.results import charts

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DIMENSIONS = ["Communication & information flow", "Planning & strategy", "Culture & trust"]

STYLES = charts.team_styles(["sales", "marketing"])
BANDS = [
    charts.Band("Undefined", 20, 40),
    charts.Band("Defined", 40, 60),
    charts.Band("Aligned", 60, 80),
    charts.Band("Integrated", 80, 100),
]


def ladder(sales: str = "Sales", marketing: str = "Marketing", **options) -> str:
    return charts.stage_ladder(
        BANDS,
        [
            charts.Point("Overall", 52.84, charts.OVERALL_STYLE),
            charts.Point(sales, 57.62, STYLES["sales"], 50.1, 65.2),
            charts.Point(marketing, 48.0, STYLES["marketing"], 43.3, 52.7),
        ],
        **options,
    )


def profile(sales: str = "Sales", marketing: str = "Marketing", **options) -> str:
    return charts.dimension_profile(
        DIMENSIONS,
        [
            charts.Series(sales, [3.2, 4.75, None], STYLES["sales"]),
            charts.Series(marketing, [2.5, 3.125, 1.0], STYLES["marketing"]),
        ],
        **options,
    )


def gaps(
    sales: str = "Sales", marketing: str = "Marketing", label: str = "5. Salespeople find…", **options
) -> str:
    return charts.gap_bars(
        [
            charts.GapBar(label, 1.25, True),
            charts.GapBar("2. When results fall short…", -0.9, False),
            charts.GapBar("7. Same words", 0.0, False),
        ],
        first=(sales, STYLES["sales"]),
        second=(marketing, STYLES["marketing"]),
        **options,
    )


def texts(svg: str) -> list[str]:
    """The text elements' contents, as written in the SVG (still escaped)."""
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def test_stage_ladder_writes_stage_names_and_labelled_positions_as_text() -> None:
    svg = ladder()
    labels = texts(svg)
    for stage in ("Undefined", "Defined", "Aligned", "Integrated"):
        assert stage in labels
    assert "Overall 52.8" in labels
    assert "Sales 57.6" in labels
    assert "Marketing 48.0" in labels
    assert {"20", "40", "60", "80", "100"} <= set(labels)


def test_stage_bands_go_from_light_to_dark() -> None:
    svg = ladder()
    fills = [colour.lower() for colour in charts.STAGE_COLOURS]
    positions = [svg.index(f"fill: {colour}") for colour in fills]
    assert positions == sorted(positions)
    luminance = [sum(to_rgb(colour)) for colour in fills]
    assert luminance == sorted(luminance, reverse=True)
    assert len(charts.stage_colours(5)) == 5


def test_dimension_profile_labels_each_team_and_starts_at_one() -> None:
    svg = profile()
    labels = texts(svg)
    assert "Culture &amp; trust" in labels
    assert "Planning &amp; strategy" in labels
    assert "Sales 3.20" in labels
    assert "Sales 4.75" in labels
    assert "Sales: no answers" in labels
    assert "Marketing 3.12" in labels or "Marketing 3.13" in labels
    ticks = [label for label in labels if label.isdigit()]
    assert ticks == ["1", "2", "3", "4", "5"]


def test_gap_bars_mark_significant_gaps_and_both_directions() -> None:
    svg = gaps()
    labels = texts(svg)
    assert "+1.25 ▲" in labels
    assert "−0.90" in labels
    assert "0.00" in labels
    assert "5. Salespeople find…" in labels
    assert "← Marketing agrees more" in labels
    assert "Sales agrees more →" in labels
    # Colour is never alone: the second team's bars are hatched as well.
    assert STYLES["marketing"].hatch
    assert "<pattern" in svg


# --- narrow charts (a phone's column) -----------------------------------------------------


def font_sizes(svg: str) -> list[float]:
    """The size of every text in the SVG, in its units (points)."""
    return [float(size) for size in re.findall(r"<text style=\"font-size: ([\d.]+)px", svg)]


@pytest.mark.parametrize("draw", [ladder, profile, gaps])
def test_narrow_charts_are_a_phone_column_wide_with_text_at_its_size(draw) -> None:
    svg = draw(narrow=True)
    opening = svg[: svg.index(">")]
    width = float(re.search(r'width="([\d.]+)pt"', opening).group(1))
    assert width == pytest.approx(charts.NARROW_WIDTH * 72)  # not cropped, not grown
    sizes = font_sizes(svg)
    assert sizes
    # 9 pt is 12 CSS px at the chart's real size; 8 pt only where a label fits no other way.
    assert min(sizes) >= charts.NARROW_FONT - 1
    assert max(sizes) == charts.NARROW_FONT


def test_narrow_ladder_and_profile_keep_every_label() -> None:
    labels = texts(ladder(narrow=True))
    for label in (
        "Undefined",
        "Defined",
        "Aligned",
        "Integrated",
        "Overall 52.8",
        "Sales 57.6",
        "Marketing 48.0",
    ):
        assert label in labels
    labels = texts(profile(narrow=True))
    for label in ("Communication &amp; information flow", "Sales 3.20", "Sales 4.75", "Sales: no answers"):
        assert label in labels
    assert [label for label in labels if label.isdigit()] == ["1", "2", "3", "4", "5"]


def test_a_long_label_that_fits_neither_side_goes_on_two_lines() -> None:
    svg = ladder(sales="Customer Success Europe and Americas", narrow=True)
    assert "Customer Success Europe and Americas 57.6" not in texts(svg)
    assert "Customer Success Europe and Americas" in texts(svg)
    assert "57.6" in texts(svg)


def test_narrow_gap_bars_cut_statements_to_a_few_words_and_keep_values_and_marks() -> None:
    long = "12. Sales and marketing both report to one senior executive who is responsible"
    svg = gaps(label=long, narrow=True)
    labels = texts(svg)
    cut = next(label for label in labels if label.startswith("12. "))
    assert cut.endswith("…")
    assert len(cut) < 30
    assert charts._text_width(cut) <= charts.NARROW_LABEL_WIDTH
    assert "2. When results fall…" in labels
    assert "7. Same words" in labels  # short enough to stay whole
    assert {"+1.25 ▲", "−0.90", "0.00"} <= set(labels)
    assert "agrees more" in labels
    assert "← Marketing" in labels
    assert "Sales →" in labels
    # The second team's bars are hatched in ink, whatever their edge: the hatch shows in grey.
    pattern = re.search(r"<pattern.*?</pattern>", svg, re.DOTALL).group(0)
    assert "stroke: #1f2933" in pattern


def test_a_statement_label_of_one_long_word_is_cut_inside_it() -> None:
    svg = gaps(label="1. Supercalifragilisticexpialidocious statement", narrow=True)
    cut = next(label for label in texts(svg) if label.startswith("1. "))
    assert cut.startswith("1. Super")
    assert cut.endswith("…")
    assert charts._text_width(cut) <= charts.NARROW_LABEL_WIDTH


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
@pytest.mark.parametrize("draw", [ladder, profile, gaps])
def test_svg_is_ready_to_inline_and_labelled_for_screen_readers(draw, narrow: bool) -> None:
    svg = draw(chart_id="c1", summary="The finding & more", narrow=narrow)
    assert svg.startswith("<svg ")
    assert svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert "<metadata" not in svg
    opening = svg[: svg.index(">")]
    assert 'role="img"' in opening
    assert 'aria-labelledby="c1-title"' in opening
    assert '<title id="c1-title">The finding &amp; more</title>' in svg
    assert "<text" in svg  # text stays text (svg.fonttype none)


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
@pytest.mark.parametrize("draw", [ladder, profile, gaps])
def test_user_text_is_escaped_inside_the_svg(draw, narrow: bool) -> None:
    svg = draw(marketing=SCRIPT, narrow=narrow)
    assert "<script" not in svg
    assert ESCAPED in svg
    assert any(ESCAPED in text for text in texts(svg))
    title = re.search(r"<title[^>]*>(.*?)</title>", svg).group(1)
    assert ESCAPED in title  # the default summary names the teams, escaped too


def test_quotes_and_dollar_signs_stay_plain_text() -> None:
    svg = profile(sales='"R&D" $x^2$', marketing="O'Brien")
    labels = texts(svg)
    assert '"R&amp;D" $x^2$ 3.20' in labels  # no mathtext: the dollars are just dollars
    assert "O'Brien 2.50" in labels


def test_ids_are_prefixed_unique_and_resolvable() -> None:
    first, second = ladder(chart_id="one"), gaps(chart_id="two")
    ids_first = re.findall(r'\bid="([^"]+)"', first)
    ids_second = re.findall(r'\bid="([^"]+)"', second)
    assert all(name == "one" or name.startswith("one-") for name in ids_first)
    assert all(name == "two" or name.startswith("two-") for name in ids_second)
    assert len(ids_first) == len(set(ids_first))
    assert not set(ids_first) & set(ids_second)
    for svg, ids in ((first, ids_first), (second, ids_second)):
        references = re.findall(r'href="#([^"]+)"', svg) + re.findall(r"url\(#([^)]+)\)", svg)
        assert references
        assert set(references) <= set(ids)


def test_id_prefixing_leaves_text_alone() -> None:
    svg = ladder(marketing='id="x" url(#y)', chart_id="z")
    assert 'id="x" url(#y) 48.0' in texts(svg)


def test_a_fresh_id_is_used_when_none_is_given() -> None:
    one, two = ladder(), ladder()
    assert re.search(r'\bid="([^"]+)"', one).group(1) != re.search(r'\bid="([^"]+)"', two).group(1)


def test_team_styles_keep_sales_and_marketing_whatever_the_order() -> None:
    styles = charts.team_styles(["service", "marketing", "sales", "partners"])
    assert styles["sales"] == charts.Style("#0072B2", "o", "")
    assert styles["marketing"].colour == "#E69F00"
    assert styles["marketing"].marker == "s"
    assert styles["service"].colour == "#009E73"
    assert styles["partners"].colour == "#CC79A7"
    assert len({style.marker for style in styles.values()}) == 4


def test_charts_drawn_in_parallel_all_keep_their_text() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: ladder(chart_id=f"p{n}"), range(8)))
    for n, svg in enumerate(results):
        assert svg.startswith('<svg xmlns:xlink="http://www.w3.org/1999/xlink"')
        assert f'id="p{n}" role="img"' in svg
        assert "Integrated" in texts(svg)


def test_charts_never_use_pyplot() -> None:
    source = (REPO_ROOT / "survey_app" / "results" / "charts.py").read_text(encoding="utf-8")
    assert not re.search(
        r"^\s*(import matplotlib\.pyplot|from matplotlib(\.pyplot)? import .*pyplot)", source, re.M
    )
    code = (
        "import sys\n"
        "from survey_app.results import charts\n"
        "style = charts.team_styles(['sales'])['sales']\n"
        "charts.stage_ladder([charts.Band('A', 20, 60), charts.Band('B', 60, 100)],"
        " [charts.Point('Sales', 50, style)])\n"
        "charts.dimension_profile(['D'], [charts.Series('Sales', [3.0], style)])\n"
        "charts.gap_bars([charts.GapBar('1. x', 0.5, True)], first=('S', style), second=('M', style))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
