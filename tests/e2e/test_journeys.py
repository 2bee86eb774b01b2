"""The three users' whole jobs in a real browser, with CSRF on and accessibility checks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app import db
from survey_app.models import Response

from a11y import serious_violations
from helpers import uniform
from pages import link_of, overflow, sign_in_as


def tab_to(page, predicate: str, limit: int = 60) -> None:  # noqa: ANN001 - Playwright page
    """Press Tab until the focused element matches the JavaScript ``predicate`` (on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_respondent_answers_on_a_phone_with_the_keyboard_only(
    app, live_server, phone, make_assessment
) -> None:
    slug = make_assessment(organization="Northwind")
    page = phone
    page.goto(link_of(app, slug, "sales", live_server.url))
    assert "Northwind" in page.get_by_role("heading", level=1).inner_text()
    assert serious_violations(page) == []
    tab_to(page, "el.tagName === 'A' && el.textContent.includes('Start')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert serious_violations(page) == []
    assert page.locator("fieldset.statement").count() == 20

    answered = 0
    for _ in range(20):
        # Into the next statement's radio group: Space picks "Strongly disagree",
        # three arrow presses move the choice to "Agree".
        tab_to(page, "el.type === 'radio' && !el.closest('fieldset').querySelector(':checked')")
        page.keyboard.press("Space")
        for _ in range(3):
            page.keyboard.press("ArrowDown")
        answered += 1
        # survey.js counts live, and the count stays in view while scrolling.
        assert f"{answered} of 20 answered" in page.locator(".progress").inner_text()
    assert page.locator(".progress").bounding_box()["y"] == pytest.approx(0, abs=1)

    assert answered == 20
    tab_to(page, "el.tagName === 'TEXTAREA'")
    page.keyboard.type("Meet every month to review the pipeline together.")
    tab_to(page, "el.tagName === 'BUTTON' && el.value === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/thanks")
    assert "Thank you" in page.get_by_role("heading", level=1).inner_text()
    assert serious_violations(page) == []

    with app.app_context():
        stored = db.get_session().scalars(select(Response)).all()
    assert [(r.answered, r.total, r.comment) for r in stored] == [
        (20, 80.0, "Meet every month to review the pipeline together.")
    ]


def _below_the_progress_bar(page, script: str) -> bool:  # noqa: ANN001 - Playwright page
    """Whether the element ``script`` finds starts below the sticky progress bar."""
    bar = page.locator(".progress").bounding_box()
    return page.evaluate(f"({script}).getBoundingClientRect().top") >= bar["y"] + bar["height"]


def test_nothing_brought_into_view_hides_under_the_progress_bar(
    app, live_server, phone, make_assessment
) -> None:
    slug = make_assessment(organization="Northwind")
    page = phone
    page.goto(link_of(app, slug, "sales", live_server.url) + "/answers")
    for number in range(1, 11):
        page.locator(f"#q_k{number:02d}-4").check(force=True)  # the inputs are drawn by their labels
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()

    # A link of the error summary lands with its statement's question in view.
    page.locator('#error-summary a[href="#statement-k15"]').click()
    page.wait_for_url("**#statement-k15")  # not wait_for_function: the CSP forbids its eval
    assert page.locator(".progress").bounding_box()["y"] == pytest.approx(0, abs=1)
    assert _below_the_progress_bar(page, "document.querySelector('#statement-k15 legend')")

    # Going back up with the keyboard, the focused choice is never under the bar.
    page.locator("#q_k15-1").focus()
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert _below_the_progress_bar(page, "document.activeElement.labels[0]")


def test_leaving_the_questionnaire_with_unsent_answers_asks_first(
    app, live_server, phone, make_assessment
) -> None:
    slug = make_assessment(organization="Northwind")
    page = phone
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.goto(link_of(app, slug, "sales", live_server.url) + "/answers")

    page.close(run_before_unload=True)  # nothing chosen yet: leaves without asking
    page = phone.context.new_page()
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.goto(link_of(app, slug, "sales", live_server.url) + "/answers")
    page.locator("#q_k01-4").check(force=True)
    page.close(run_before_unload=True)  # an answer chosen: the browser asks, and stays
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert not page.is_closed()

    # Sent with too few answers, the page comes back with them, still not stored: it asks.
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert "Answer at least 15 more statements" in page.get_by_role("heading", level=1).inner_text()
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload", "beforeunload"]

    # Sending all the answers leaves without asking.
    for number in range(2, 21):
        page.locator(f"#q_k{number:02d}-4").check(force=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert page.url.endswith("/thanks")
    assert asked == ["beforeunload", "beforeunload"]


def test_survey_fits_a_laptop_screen(app, live_server, desktop, make_assessment) -> None:
    slug = make_assessment(organization="Northwind")
    page = desktop
    page.goto(link_of(app, slug, "marketing", live_server.url))
    page.get_by_role("link", name="Start the survey").click()
    page.wait_for_url("**/answers")
    page.get_by_role("group", name=re.compile("Our actual sales")).get_by_label("Agree", exact=True).check()
    assert "1 of 20 answered" in page.locator(".progress").inner_text()  # survey.js counts live
    assert serious_violations(page) == []


def test_consultant_creates_an_assessment_and_reads_its_links(app, live_server, desktop, make_user) -> None:
    make_user("casey@example.com", "consultant", name="Casey Consultant")
    page = desktop
    sign_in_as(page, live_server.url, "casey@example.com")
    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Organization name").fill("Globex Ltd")
    with page.expect_navigation():
        page.get_by_role("button", name="Create organization").click()
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Name of the assessment").fill("Spring 2027")
    page.get_by_role("button", name="Create assessment").click()
    # A consultant's organization has a random slug suffix (globex-ltd-k7p2x).
    page.wait_for_url(re.compile(r".*/a/globex-ltd-[a-z2-9]{5}-spring-2027$"))
    slug = page.url.rsplit("/", 1)[-1]
    assert serious_violations(page) == []
    page.get_by_role("link", name="Hand out survey links").click()
    page.wait_for_url("**/distribute")
    links = {
        team: page.get_by_label(f"Survey link for {team}").input_value() for team in ("Sales", "Marketing")
    }
    assert links["Sales"] == link_of(app, slug, "sales", live_server.url)
    assert links["Marketing"].startswith(live_server.url + "/s/")
    assert serious_violations(page) == []
    page.goto(links["Marketing"])
    assert "Globex Ltd" in page.get_by_role("heading", level=1).inner_text()


def test_leader_reads_the_release_and_nothing_else(
    app, live_server, desktop, make_user, make_assessment, add_answers, make_release
) -> None:
    ours = make_assessment(organization="Northwind", name="Review 2026")
    theirs = make_assessment(organization="Globex", name="Secret review")
    add_answers(ours, "sales", [uniform(4)] * 4 + [uniform(3)] * 2)
    add_answers(ours, "marketing", [uniform(2)] * 3 + [uniform(3)] * 3)
    make_release(ours, note="Before the joint workshop")
    add_answers(ours, "sales", [uniform(1)] * 6)  # after the release: the leader never sees it
    make_user("lee@example.com", "leader", organization="Northwind", name="Lee Leader")
    page = desktop
    sign_in_as(page, live_server.url, "lee@example.com")
    page.wait_for_url(f"**/a/{ours}/releases/1")  # the leader lands on the newest release
    summary = page.locator(".release-summary").inner_text()
    # Sales (4 × 80 + 2 × 60) / 6 = 73.3; Marketing (3 × 40 + 3 × 60) / 6 = 50.0; mean 61.7.
    assert "61.7" in summary
    assert "Aligned" in summary
    assert "Sales rates the relationship 23.3 points higher than Marketing" in summary
    assert "Before the joint workshop" in page.inner_text("main")
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/a/{ours}/results")  # the live results send the leader back
    page.wait_for_url(f"**/a/{ours}/releases/1")
    for path in (f"/a/{theirs}/results", f"/a/{theirs}", f"/a/{theirs}/distribute", "/o/globex"):
        response = page.goto(live_server.url + path)
        assert response.status == 404, path
        assert "Secret review" not in page.content()
    for path in (f"/a/{ours}/results.json", f"/a/{ours}/report.pdf", f"/a/{ours}/commentary"):
        assert page.goto(live_server.url + path).status == 404, path
    response = page.goto(live_server.url + f"/a/{ours}/distribute")
    assert response.status == 403


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_comparison_page_has_no_sideways_overflow(
    app, live_server, request, make_user, make_assessment, add_answers, viewport: str
) -> None:
    ours = make_assessment(organization="Northwind")
    add_answers(ours, "sales", [uniform(4)] * 5)
    add_answers(ours, "marketing", [uniform(2)] * 5)
    make_user("c@example.com", "consultant", organization="Northwind")
    page = request.getfixturevalue(viewport)
    sign_in_as(page, live_server.url, "c@example.com")
    page.goto(f"{live_server.url}/a/{ours}/results")
    assert overflow(page) <= 0
    # The wide tables scroll inside their own region instead, which keyboard users must reach.
    assert serious_violations(page) == []
