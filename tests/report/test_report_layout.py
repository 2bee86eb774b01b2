"""The demo's PDF report as a reader sees it: no near-empty page, the sections in reading order.

One report is made for the whole module (a render takes seconds): the demo assessment made by
``flask demo``, with a commentary and an action plan like a consultant's, on Letter paper (the
shorter page, where a section most easily spills a few lines over), by ``flask report``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from survey_app import create_app, db
from survey_app.models import Assessment
from survey_app.report import services

from helpers import TEST_SECRET, page_texts

#: The page's top and bottom margins in points (reports/report.css: 24 mm and 22 mm).
TOP_MARGIN = 24 / 25.4 * 72
BOTTOM_MARGIN = 22 / 25.4 * 72
#: A page other than the cover holds at least this share of the page's height in content.
LEAST_FILL = 0.25

COMMENTARY = (
    "Sales and marketing work together at the Defined stage: the rules are there, but the two teams"
    " still plan and judge their work apart.\n\n"
    "The clearest signal is feedback. Sales says it gives marketing what it asks for; marketing says it"
    " rarely hears which campaigns produced deals. Both can be true, and the workshop should start there.\n\n"
    "We suggest a 90-day programme with the actions below, and a repeat survey in the autumn."
)
ACTIONS = [
    (
        "Run a half-day joint workshop on the three largest gaps",
        "Heads of sales and marketing",
        date(2027, 1, 15),
        "done",
    ),
    (
        "Agree a written definition of a qualified lead and the hand-off rules",
        "Marketing operations",
        None,
        "in_progress",
    ),
    (
        "Start a monthly joint pipeline review with an action log",
        "Head of sales",
        date(2027, 2, 15),
        "in_progress",
    ),
    ("Second one marketer into key-account planning for two quarters", "Head of marketing", None, "planned"),
    ("Repeat the survey to measure progress", "", date(2027, 9, 30), "planned"),
]


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bytes]:
    """The demo's report with a commentary and an action plan, on Letter paper, made once."""
    folder = tmp_path_factory.mktemp("demo-report")
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "SECRET_KEY": TEST_SECRET},
        instance_path=str(folder / "instance"),
    )
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["init-db"]).exit_code == 0
        made = runner.invoke(args=["demo"])
        assert made.exit_code == 0, made.output
        slug = re.search(r"flask --app survey_app results (\S+)", made.output).group(1)
        with app.app_context(), db.write_session() as session:
            assessment = session.scalar(select(Assessment).where(Assessment.slug == slug))
            services.save_commentary(
                session, assessment, COMMENTARY, [services.ActionInput(*row) for row in ACTIONS]
            )
        target = folder / "demo.pdf"
        result = runner.invoke(args=["report", slug, "-o", str(target), "--paper", "letter"])
        assert result.exit_code == 0, result.output
        yield Path(target).read_bytes()
    finally:
        app.extensions["survey_db"].engine.dispose()


def text_heights(page: pypdf.PageObject) -> list[float]:
    """The height above the page's foot of every piece of text on ``page``, in points."""
    heights: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        if text.strip():  # the text matrix placed by the current transformation matrix
            heights.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return heights


def fill(page: pypdf.PageObject) -> float:
    """The share of the page's text area, from its top down to its lowest line, that holds content.

    The running header and footer, outside the text area, do not count.
    """
    top = float(page.mediabox.top) - TOP_MARGIN
    bottom = float(page.mediabox.bottom) + BOTTOM_MARGIN
    inside = [height for height in text_heights(page) if bottom - 2 <= height <= top + 2]
    if not inside:
        return 0.0
    return (top - min(inside)) / (top - bottom)


def test_no_page_but_the_cover_is_nearly_empty(demo_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(demo_pdf))
    fills = {number: fill(page) for number, page in enumerate(reader.pages, start=1)}
    assert len(fills) > 10
    thin = {number: f"{share:.0%}" for number, share in fills.items() if number > 1 and share < LEAST_FILL}
    assert not thin, f"pages holding less than a quarter of a page: {thin}"


def test_the_commentary_then_the_trend_come_right_after_the_executive_summary(demo_pdf: bytes) -> None:
    pages = page_texts(demo_pdf)
    contents = pages[1]
    assert re.search(
        r"1 Executive summary.*2 Commentary and action plan.*3 Since the last wave.*4 The four stages",
        contents,
    )
    first_page = {
        kicker: next(
            number for number, text in enumerate(pages) if text.startswith(kicker) or f" {kicker}" in text
        )
        for kicker in (
            "1 · EXECUTIVE SUMMARY",
            "2 · COMMENTARY AND ACTION PLAN",
            "3 · SINCE THE LAST WAVE",
            "4 · THE FOUR STAGES",
        )
    }
    summary, commentary, trend, stages = first_page.values()
    assert summary < commentary < trend < stages
    assert "The clearest signal is feedback." in pages[commentary]


def test_the_path_names_where_to_focus_first(demo_pdf: bytes) -> None:
    text = " ".join(page_texts(demo_pdf))
    assert re.search(r"The smallest set of statements that would move you to Aligned: statements? \d+", text)
    assert "by one point" not in text
