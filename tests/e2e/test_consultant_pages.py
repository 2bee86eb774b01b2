"""The consultant's pages in Chromium at 360 and 1280 px: the assessment page and a refused list, with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from survey_app import db
from survey_app.assessments import get_assessment, new_team
from survey_app.models import MailJob, MailJobStatus

from a11y import serious_violations
from helpers import TEST_SECRET, uniform
from pages import checked, sign_in_as

SHOTS = "consultant"


@pytest.fixture
def busy_assessment(app, make_assessment, make_user, add_answers) -> str:
    """Acme's assessment a week into a four-week survey, headcounts set, some answers in."""
    slug = make_assessment(organization="Acme", name="Spring review")
    make_user("casey@example.com", "consultant", "Acme", name="Casey Consultant")
    now = datetime.now(UTC)
    with app.app_context(), db.write_session() as session:
        found = get_assessment(session, slug)
        found.opens_at = now - timedelta(days=14)
        found.closes_at = now + timedelta(days=14)
        found.teams.append(new_team(TEST_SECRET, "customer-success", "Customer Success", 2))
        for team, headcount in zip(found.teams, (40, 12, 1250), strict=True):
            team.headcount = headcount
    add_answers(slug, "sales", [uniform(4)] * 5 + [uniform(3, answered=4)])
    add_answers(slug, "marketing", [uniform(3)] * 2)
    return slug


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_assessment_page(app, live_server, busy_assessment, request, device: str) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{busy_assessment}")
    checked(page, SHOTS, f"assessment-{device}")
    first = page.locator("main .button").first
    assert first.inner_text() == "Hand out survey links and invitations"
    assert page.get_by_role("link", name="Hand out survey links").count() == 1
    assert page.get_by_role("row", name=re.compile("^Marketing")).get_by_text("Low: below 30%").is_visible()
    if device == "desktop":  # the whole table fits a laptop's screen: nothing to scroll sideways
        table = page.locator(".monitor").locator("xpath=..")
        assert table.evaluate("el => el.scrollWidth - el.clientWidth") <= 0

    page.get_by_role("link", name="Close the survey…").click()
    page.wait_for_url("**/close")
    assert page.get_by_role("heading", level=1).inner_text() == "Close the survey “Spring review”?"
    checked(page, SHOTS, f"close-{device}")
    with page.expect_navigation():
        page.get_by_role("button", name="Close the survey").click()
    assert "The assessment is closed" in page.inner_text("main")
    assert page.get_by_role("button", name="Reopen the survey").is_visible()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_refused_list_of_people_is_summed_up_where_the_eye_is(
    app, live_server, make_assessment, make_user, request, device: str
) -> None:
    page = request.getfixturevalue(device)
    slug = make_assessment(organization="Acme", name="Spring review")
    make_user("casey@example.com", "consultant", "Acme")
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{slug}/distribute")
    pasted = "Ann Archer <ann@example.com>\nbob@\nCarl, carl@example"
    page.get_by_label("People to invite").fill(pasted)
    with page.expect_navigation():
        page.get_by_role("button", name="Create invitations").click()

    summary = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name=re.compile("No one was invited"))
    )
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.bounding_box()["y"] < page.viewport_size["height"]  # in view without scrolling
    assert page.get_by_label("People to invite").input_value() == pasted
    checked(page, SHOTS, f"invitations-error-{device}")

    summary.get_by_role("link", name="line 2: 'bob@' is not an e-mail address").click()
    assert page.evaluate("document.activeElement.id") == "people"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_progress_of_invitations_sent_by_the_worker(
    app, live_server, make_assessment, make_user, request, device: str
) -> None:
    page = request.getfixturevalue(device)
    slug = make_assessment(organization="Acme", name="Spring review")
    make_user("casey@example.com", "consultant", "Acme")
    with app.app_context(), db.write_session() as session:
        job = MailJob(
            assessment_id=get_assessment(session, slug).id, status=MailJobStatus.RUNNING, done=12, total=40
        )
        session.add(job)
        session.flush()
        job_id = job.id
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{slug}/invitations/job/{job_id}")
    assert page.get_by_text("12 of 40 invitations done").is_visible()
    checked(page, SHOTS, f"mail-job-{device}")
    with app.app_context(), db.write_session() as session:  # the worker finishes
        session.get(MailJob, job_id).status = MailJobStatus.DONE
    # The page's script notices and reloads it with the outcome.
    page.get_by_role("heading", level=1, name=re.compile("are sent")).wait_for(timeout=10_000)
    assert serious_violations(page) == []
