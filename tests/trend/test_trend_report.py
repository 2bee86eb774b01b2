"""The report's trend section: there when an earlier wave is, live for the consultant, as
released for leaders, and part of the cached report's key."""

from __future__ import annotations

from dataclasses import replace

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.releases.services import find_release
from survey_app.report.cache import state_key
from survey_app.report.loader import build_report_context, load_report_data

from helpers import pdf_text, signed_in, uniform


def context(app, kotler, slug: str):  # noqa: ANN001, ANN201
    with app.app_context():
        session = db.get_session()
        return build_report_context(session, get_assessment(session, slug), kotler)


def leaders_trend(app, kotler, slug: str):  # noqa: ANN001, ANN201
    with app.app_context():
        session = db.get_session()
        return load_report_data(session, get_assessment(session, slug), kotler, for_leaders=True).trend


def without_charts(trend):  # noqa: ANN001, ANN201 - a TrendView
    """The figures and words of a trend (its charts' SVG ids are drawn afresh each time)."""
    return replace(trend, chart="", chart_narrow="")


def two_waves(make_assessment, add_answers) -> tuple[str, str]:
    first = make_assessment(organization="Acme", name="Wave one")
    second = make_assessment(organization="Acme", name="Wave two")
    add_answers(first, "sales", [uniform(2)] * 3 + [uniform(3)] * 3)  # 50: Defined
    add_answers(first, "marketing", [uniform(3)] * 5)  # 60: Aligned
    add_answers(second, "sales", [uniform(4)] * 5)  # 80: Integrated
    add_answers(second, "marketing", [uniform(3)] * 5)  # 60: Aligned
    return first, second


def test_a_first_wave_has_no_trend_section(app, kotler, make_assessment, add_answers) -> None:
    first, _ = two_waves(make_assessment, add_answers)
    report = context(app, kotler, first)
    assert report.trend is None
    assert "trend" not in [section.id for section in report.sections]


def test_the_next_wave_reports_what_moved_since_the_last(app, kotler, make_assessment, add_answers) -> None:
    _, second = two_waves(make_assessment, add_answers)
    report = context(app, kotler, second)
    assert [section.id for section in report.sections][:2] == ["summary", "trend"]
    section = next(section for section in report.sections if section.id == "trend")
    assert section.finding == (
        "Since Wave one: Sales +30.0 points (Defined → Integrated); Marketing 0.0 points (stayed Aligned)"
    )
    assert [row.facts.source for row in report.trend.waves] == ["live figures", "this report"]
    [change] = report.trend.changes
    assert [(team.team, team.change) for team in change.teams] == [("Sales", "+30.0"), ("Marketing", "0.0")]


def test_leaders_reports_show_earlier_waves_only_as_released(
    app, kotler, make_assessment, add_answers, make_release
) -> None:
    first, second = two_waves(make_assessment, add_answers)
    # The first wave is not released: a report for leaders has no trend to show.
    assert leaders_trend(app, kotler, second) is None
    make_release(first)
    released = leaders_trend(app, kotler, second)
    assert [row.facts.source for row in released.waves] == ["release 1", "this report"]
    assert released.waves[0].teams[0].score == "50.0"
    # New responses in the first wave move its live figures, not what leaders are shown of it.
    add_answers(first, "sales", [uniform(5)] * 5)
    assert without_charts(leaders_trend(app, kotler, second)) == without_charts(released)
    # Live: (3 × 40 + 3 × 60 + 5 × 100) / 11 = 72.7.
    assert context(app, kotler, second).trend.waves[0].teams[0].score == "72.7"


def test_the_released_pdf_and_page_carry_the_trend_as_released(
    app, kotler, make_assessment, add_answers, make_release, make_user
) -> None:
    first, second = two_waves(make_assessment, add_answers)
    make_release(first)
    add_answers(first, "sales", [uniform(5)] * 5)  # after the release: not for leaders
    make_release(second)
    with app.app_context():
        session = db.get_session()
        pdf = find_release(session, get_assessment(session, second), 1).pdf
    text = pdf_text(pdf)
    assert "Since the last wave" in text
    assert "Since Wave one: Sales +30.0 points (Defined → Integrated)" in text
    assert "72.7" not in text
    make_user("lead@acme.example", "leader", organization="Acme")
    page = signed_in(app, "lead@acme.example").get(f"/a/{second}/releases/1").get_data(as_text=True)
    assert "Did the actions move" not in page  # no action names statements
    assert "Since Wave one: Sales +30.0 points (Defined → Integrated)" in page
    assert "<strong>50.0</strong>" in page
    assert "<strong>72.7</strong>" not in page


def test_an_earlier_waves_new_figures_change_the_cached_reports_key(
    app, kotler, make_assessment, add_answers, make_release
) -> None:
    first, second = two_waves(make_assessment, add_answers)

    def key() -> str:
        with app.app_context():
            session = db.get_session()
            return state_key(session, get_assessment(session, second).id, kotler, "a4")

    before = key()
    add_answers(first, "sales", [uniform(5)] * 4)  # waiting for their step: no figure moves
    assert key() == before
    add_answers(first, "sales", [uniform(5)])  # the step is published
    published = key()
    assert published != before
    make_release(first)
    assert key() != published
