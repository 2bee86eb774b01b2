"""The charts on a phone: drawn for its column, so their text keeps its size; the wide ones on a laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

from a11y import serious_violations
from helpers import ITEM_IDS
from pages import sign_in_as

SHOTS = Path("/tmp/shots/charts")
#: The smallest text, in CSS pixels, that a chart may show.
SMALLEST_TEXT = 9

#: For each figure on the page: the ids of the charts it shows, which of its two wrappers shows,
#: the smallest text shown (its font size times the chart's scale) and the texts cut off by the
#: chart's edge.
FIGURES = """() => [...document.querySelectorAll('main figure.chart')].map(figure => {
  const shown = [...figure.querySelectorAll('svg')].filter(svg => svg.getClientRects().length > 0);
  const texts = svg => [...svg.querySelectorAll('text')];
  return {
    shown: shown.map(svg => svg.id),
    wrappers: [...figure.querySelectorAll('.chart__wide, .chart__narrow')].filter(
      e => getComputedStyle(e).display !== 'none').map(e => e.className),
    smallest: Math.min(...shown.map(svg => {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      return Math.min(...texts(svg).map(text => parseFloat(getComputedStyle(text).fontSize) * scale));
    })),
    cut: shown.flatMap(svg => {
      const edge = svg.getBoundingClientRect();
      return texts(svg).filter(text => {
        const box = text.getBoundingClientRect();
        return box.left < edge.left - 1 || box.right > edge.right + 1
          || box.top < edge.top - 1 || box.bottom > edge.bottom + 1;
      }).map(text => text.textContent);
    }),
  };
})"""


def answers(pattern: list[int]) -> dict[str, int | None]:
    """A response repeating ``pattern`` over the statements, so the statements' gaps differ."""
    return {item: pattern[index % len(pattern)] for index, item in enumerate(ITEM_IDS)}


@pytest.fixture
def fabrikam(app, make_assessment, add_answers, make_user) -> str:
    """Both teams shown, with gaps that differ by statement; a consultant and a leader."""
    slug = make_assessment(organization="Fabrikam", name="Review 2026")
    add_answers(slug, "sales", [answers([4, 3, 4, 5, 2])] * 3 + [answers([4, 4, 3, 5, 3])] * 3)
    add_answers(slug, "marketing", [answers([2, 3, 5, 3, 4, 2])] * 3 + [answers([3, 2, 4, 3, 3, 1])] * 3)
    make_user("casey@example.com", "consultant", organization="Fabrikam", name="Casey Consultant")
    make_user("lee@example.com", "leader", organization="Fabrikam", name="Lee Leader")
    return slug


def check_charts(page, name: str) -> None:  # noqa: ANN001 - Playwright page
    """One chart of each pair shows (the narrow one on a phone), its text legible; nothing wider
    than the screen; ids unique; no serious accessibility violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    figures = page.evaluate(FIGURES)
    assert len(figures) == 3, figures  # ladder, profile, gaps
    kind = "narrow" if width < 640 else "wide"
    for figure in figures:
        assert len(figure["shown"]) == 1, figure
        assert figure["shown"][0].endswith("-narrow") == (kind == "narrow"), figure
        assert figure["wrappers"] == [f"chart__{kind}"], figure
        assert figure["smallest"] >= SMALLEST_TEXT, figure
        assert figure["cut"] == [], figure
    # The hidden chart of each pair is out of the accessibility tree: one image per figure.
    for figure in page.locator("main figure.chart").all():
        assert figure.get_by_role("img").count() == 1
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 0, name
    assert serious_violations(page) == [], name


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_live_results_charts_fit_the_screen(live_server, request, fabrikam, device: str) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{fabrikam}/results")
    check_charts(page, "results")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_release_charts_fit_the_screen(live_server, request, fabrikam, make_release, device: str) -> None:
    make_release(fabrikam)
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "lee@example.com")
    page.wait_for_url(f"**/a/{fabrikam}/releases/1")
    check_charts(page, "release")


def test_the_stages_are_stacked_on_a_phone(live_server, phone, fabrikam) -> None:
    """Each stage's description takes the column's width, not a sliver of it."""
    sign_in_as(phone, live_server.url, "casey@example.com")
    phone.goto(f"{live_server.url}/a/{fabrikam}/results")
    table = phone.locator("table.stages-table")
    description = table.locator("tbody tr").first.locator("td").last
    assert description.bounding_box()["width"] >= 0.8 * table.bounding_box()["width"]
    region = phone.get_by_role("region", name="The four stages")
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth")
