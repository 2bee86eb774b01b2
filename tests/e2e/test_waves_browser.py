"""Waves in Chromium at 360 and 1280 px, with axe: running an assessment again, the waves on the
organization page, and ticking the statements an action aims to move."""

from __future__ import annotations

import re

import pytest

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.report.services import ActionInput, save_commentary

from pages import checked, sign_in_as

SHOTS = "waves"


@pytest.fixture
def wave_one(app, make_assessment, make_user) -> str:
    """Acme's "Alignment review 2026" with a two-action plan, and its consultant Casey."""
    slug = make_assessment(organization="Acme", name="Alignment review 2026")
    make_user("casey@example.com", "consultant", "Acme", name="Casey Consultant")
    with app.app_context(), db.write_session() as session:
        save_commentary(
            session,
            get_assessment(session, slug),
            "",
            [
                ActionInput("Run the joint workshop", "Dana", None, "done", ("k03", "k07")),
                ActionInput("Agree a lead definition", "Sam", None, "in_progress"),
            ],
            app.extensions["survey_catalog"].get("kotler-2006"),
        )
    return slug


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_running_an_assessment_again(app, live_server, wave_one, request, device: str) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{wave_one}")
    assert "wave 1 of 1" in page.locator("#waves").inner_text()
    checked(page, SHOTS, f"assessment-{device}")

    page.get_by_role("link", name="Run again…").click()
    page.wait_for_url("**/rerun")
    assert page.get_by_role("heading", level=1).inner_text() == "Run “Alignment review 2026” again"
    assert page.get_by_label("Name of the new wave").input_value() == "Alignment review 2026 — wave 2"
    assert "The action plan (2 actions) is carried over" in page.inner_text("main")
    checked(page, SHOTS, f"rerun-{device}")
    # A closing date before the opening date is refused next to the field.
    page.get_by_label("Opening date").fill("2027-03-01")
    page.get_by_label("Closing date").fill("2027-02-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the next wave").click()
    assert page.get_by_text("The closing date must not be before the opening date.").is_visible()
    checked(page, SHOTS, f"rerun-error-{device}")
    page.get_by_label("Closing date").fill("2027-03-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the next wave").click()
    assert page.url.endswith("/a/acme-alignment-review-2026-wave-2")
    assert "Alignment review 2026 — wave 2 created" in page.inner_text("main")
    assert "wave 2 of 2" in page.locator("#waves").inner_text()

    page.goto(f"{live_server.url}/o/acme")
    assert page.get_by_role("heading", name="Waves").is_visible()
    first, second = page.locator(".wave-list li").all_inner_texts()
    assert re.fullmatch(r"Wave 1: Alignment review 2026 \(from \d+ \w+ \d{4}\)", first)
    assert second == "Wave 2: Alignment review 2026 — wave 2 (from 1 March 2027)"
    checked(page, SHOTS, f"organization-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_ticking_the_statements_of_an_action(app, live_server, wave_one, request, device: str) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{wave_one}/commentary")
    first = page.locator(".action-row").first
    summary = first.locator("summary")
    assert summary.inner_text() == "Statements it aims to move: k03, k07"
    summary.click()
    assert first.get_by_label("k03 · People from marketing", exact=False).is_checked()
    first.get_by_label("k12 ·", exact=False).check()
    first.get_by_label("k03 ·", exact=False).uncheck()
    checked(page, SHOTS, f"statements-{device}")
    with page.expect_navigation():
        page.get_by_role("button", name="Save commentary and actions").click()
    assert "Commentary and action plan saved (2 actions)." in page.inner_text("main")
    assert page.locator(".action-row").first.locator("summary").inner_text() == (
        "Statements it aims to move: k07, k12"
    )
