"""Releases in a real browser: the consultant releases, the leader reads it on a phone and a laptop."""

from __future__ import annotations

from datetime import date

import pytest

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.report.services import ActionInput, save_commentary

from helpers import uniform
from pages import checked, sign_in_as

SHOTS = "releases"


@pytest.fixture
def northwind(app, make_assessment, add_answers, make_user) -> str:
    """Both teams shown, a commentary and a three-line action plan, a consultant and a leader."""
    slug = make_assessment(organization="Northwind", name="Review 2026")
    add_answers(slug, "sales", [uniform(4)] * 4 + [uniform(3)] * 2)
    add_answers(slug, "marketing", [uniform(2)] * 3 + [uniform(3)] * 3)
    with app.app_context(), db.write_session() as session:
        save_commentary(
            session,
            get_assessment(session, slug),
            "The teams agree on the customer but not on the funnel.\n\n"
            "Start with one shared lead definition.",
            [
                ActionInput(
                    "Agree on one definition of a qualified lead",
                    "Heads of both teams",
                    date(2027, 1, 15),
                    "done",
                ),
                ActionInput(
                    "Monthly joint pipeline review", "Sales operations", date(2027, 2, 1), "in_progress"
                ),
                ActionInput("Shared dashboard of the funnel", "Marketing analytics", None, "planned"),
            ],
        )
    make_user("casey@example.com", "consultant", organization="Northwind", name="Casey Consultant")
    make_user("lee@example.com", "leader", organization="Northwind", name="Lee Leader")
    return slug


def test_the_consultant_releases_from_the_results_page(live_server, desktop, northwind) -> None:
    page = desktop
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{northwind}/results")
    page.get_by_role("link", name="Release to the leaders…").click()
    page.wait_for_url(f"**/a/{northwind}/releases/new")
    assert "The survey is still open" in page.inner_text("main")
    checked(page, SHOTS, "release-form")
    page.get_by_label("Note for the leaders (optional)").fill("Interim results before the workshop.")
    page.get_by_role("button", name="Release the results (interim)").click()
    page.wait_for_url(f"**/a/{northwind}/releases/1")
    assert "Release 1 is published" in page.inner_text("main")
    checked(page, SHOTS, "release-consultant")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_leader_lands_on_the_release(live_server, request, northwind, make_release, device: str) -> None:
    make_release(northwind, note="Interim results before the workshop.")
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "lee@example.com")
    page.wait_for_url(f"**/a/{northwind}/releases/1")
    main = page.inner_text("main")
    for words in (
        "Aligned",
        "61.7",
        "Sales rates the relationship 23.3 points higher than Marketing",
        "What to do next",
        "Path to the next stage",
        "Questions for a joint workshop",
        "Start with one shared lead definition.",
        "Agree on one definition of a qualified lead",
        "In progress",
    ):
        assert words in main, words
    # The first screen holds the summary: overall stage and score, teams, gap, three next steps.
    steps = page.locator(".release-summary__steps li")
    assert steps.count() == 3
    checked(page, SHOTS, "release-leader")
    bottom = steps.nth(2).bounding_box()
    if device == "phone":
        assert bottom["y"] + bottom["height"] <= page.viewport_size["height"], bottom
