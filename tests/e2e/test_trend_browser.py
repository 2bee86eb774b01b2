"""The trend page in a real browser, on a phone and a laptop, for a consultant and a leader."""

from __future__ import annotations

import pytest

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.report.services import ActionInput, save_commentary

from helpers import uniform
from pages import checked, sign_in_as

SHOTS = "trend"


@pytest.fixture
def two_waves(app, make_assessment, add_answers, make_user, make_release) -> tuple[str, str]:
    """Northwind's two waves, both teams shown in each, the first released; an action of the
    second wave's plan names two statements."""
    first = make_assessment(organization="Northwind", name="Alignment review, spring")
    second = make_assessment(organization="Northwind", name="Alignment review, autumn")
    add_answers(first, "sales", [uniform(2)] * 3 + [uniform(3)] * 3)
    add_answers(first, "marketing", [uniform(2)] * 4 + [uniform(3)] * 2)
    add_answers(second, "sales", [uniform(4)] * 4 + [uniform(3)] * 2)
    add_answers(second, "marketing", [uniform(3)] * 3 + [uniform(4)] * 2)
    make_release(first)
    with app.app_context(), db.write_session() as session:
        save_commentary(
            session,
            get_assessment(session, second),
            "",
            [ActionInput("Agree on one definition of a qualified lead", "Heads of both teams", None, "done")],
        )
        get_assessment(session, second).actions[0].statements = "k01 k05"
    make_user("casey@example.com", "consultant", organization="Northwind")
    make_user("lee@example.com", "leader", organization="Northwind")
    return first, second


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_consultant_reads_the_trend_with_live_waves_marked(
    request, live_server, two_waves, device: str
) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/o/northwind/trend")
    main = page.inner_text("main")
    assert "Live · release 1 out" in main
    assert "Live · not released" in main
    assert "Did the actions move their statements?" in main
    assert "Defined → Aligned" in main
    # One chart is shown at each width, the other hidden (also from screen readers).
    charts = page.locator("figure.chart svg[role=img]")
    assert sum(chart.is_visible() for chart in charts.all()) == 1
    checked(page, SHOTS, "consultant")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_leader_sees_only_the_released_wave(request, live_server, two_waves, device: str) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "lee@example.com")
    page.goto(f"{live_server.url}/o/northwind/trend")
    main = page.inner_text("main")
    assert "Alignment review, spring" in main
    assert "autumn" not in main
    assert "Live" not in main
    checked(page, SHOTS, "leader")
