"""The respondent's pages in Chromium, on a phone and a laptop: layout, the live count, answers kept
in the tab through a server error, the saved page's copy button, with axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from a11y import serious_violations
from pages import link_of, shoot

SHOTS = "respondent"


def boxes(page, selector: str) -> list[dict]:  # noqa: ANN001 - Playwright page
    return [element.bounding_box() for element in page.locator(selector).element_handles()]


def no_sideways_scroll(page) -> bool:  # noqa: ANN001 - Playwright page
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def stored_answers(page) -> list[str]:  # noqa: ANN001 - Playwright page
    """The keys of answers this tab keeps in sessionStorage."""
    return page.evaluate("Object.keys(sessionStorage).filter(key => key.startsWith('survey-answers'))")


def test_on_a_laptop_the_scale_is_one_row_and_dont_know_stands_apart(
    app, live_server, desktop, make_assessment
) -> None:
    page = desktop
    page.goto(link_of(app, make_assessment(), "sales", live_server.url) + "/answers")

    scale = boxes(page, "#statement-k01 .choices--scale label")
    dont_know = page.locator("#statement-k01 .choices--extra label").bounding_box()

    assert len(scale) == 5
    assert max(box["y"] for box in scale) - min(box["y"] for box in scale) < 1  # one row
    assert [box["x"] for box in scale] == sorted(box["x"] for box in scale)  # in order, 1 to 5
    assert max(box["width"] for box in scale) - min(box["width"] for box in scale) < 1  # one size
    assert max(box["height"] for box in scale) - min(box["height"] for box in scale) < 1
    last = scale[-1]
    assert dont_know["x"] >= last["x"] + last["width"] + 24  # apart, past a rule
    assert abs(dont_know["y"] - last["y"]) < 1
    labels = page.locator("#statement-k01 .choices--scale label").all_inner_texts()
    assert labels == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    shoot(page, SHOTS, "questionnaire")


def test_on_a_phone_the_scale_stays_a_list(app, live_server, phone, make_assessment) -> None:
    page = phone
    page.goto(link_of(app, make_assessment(), "sales", live_server.url) + "/answers")

    scale = boxes(page, "#statement-k01 .choices--scale label")
    dont_know = page.locator("#statement-k01 .choices--extra label").bounding_box()

    assert [box["y"] for box in scale] == sorted(box["y"] for box in scale)
    assert len({round(box["x"]) for box in scale}) == 1  # one above the other, full width
    assert dont_know["y"] > scale[-1]["y"] + scale[-1]["height"]
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    shoot(page, SHOTS, "questionnaire")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_count_shows_a_dont_know_at_once(
    app, live_server, make_assessment, request: pytest.FixtureRequest, device: str
) -> None:
    page = request.getfixturevalue(device)
    page.goto(link_of(app, make_assessment(), "sales", live_server.url) + "/answers")
    page.locator("#statement-k01 label[for='q_k01-4']").click()
    page.locator("#statement-k02 label[for='q_k02-dk']").click()

    assert page.locator("#answered-count").inner_text() == "1 of 20 answered (1 don't know)"
    page.locator("#statement-k02 label[for='q_k02-2']").click()
    assert page.locator("#answered-count").inner_text() == "2 of 20 answered"


def test_the_welcome_page_shows_start_on_the_first_phone_screen(
    app, live_server, browser, make_assessment
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(
            link_of(app, make_assessment(organization="Northwind Components"), "sales", live_server.url)
        )
        start = page.get_by_role("link", name="Start the survey").bounding_box()
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading == "How do Sales and Marketing work together at Northwind Components?"
        assert start["y"] + start["height"] <= 640
        assert no_sideways_scroll(page)
        assert serious_violations(page) == []
        shoot(page, SHOTS, "welcome")
    finally:
        context.close()


def test_answers_survive_a_server_error_in_the_same_tab_and_are_cleared_once_sent(
    app, live_server, phone, make_assessment
) -> None:
    page = phone
    form = link_of(app, make_assessment(), "sales", live_server.url) + "/answers"
    page.goto(form)
    for number in range(1, 6):
        page.locator(f"#q_k{number:02d}-2").check(force=True)
    page.locator("#q_k06-dk").check(force=True)
    page.get_by_label("What is the one change").fill("Share the forecast.")

    def fail_the_send(route) -> None:  # noqa: ANN001 - Playwright route
        if route.request.method == "POST":
            route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")
        else:
            route.continue_()

    page.route("**/answers", fail_the_send)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert "Internal Server Error" in page.content()
    page.unroute("**/answers")

    page.go_back()
    page.wait_for_selector("#answered-count")
    assert page.locator("#q_k03-2").is_checked()
    assert page.locator("#q_k06-dk").is_checked()
    assert page.get_by_label("What is the one change").input_value() == "Share the forecast."
    assert page.locator("#answered-count").inner_text() == "5 of 20 answered (1 don't know)"

    page.reload()  # reopened in the same tab: still there
    assert page.locator("#q_k05-2").is_checked()
    assert stored_answers(page)

    for number in range(6, 21):
        page.locator(f"#q_k{number:02d}-4").check(force=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert page.url.endswith("/thanks")
    assert stored_answers(page) == []
    shoot(page, SHOTS, "thanks")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_review_and_saved_pages_are_accessible_and_copy_the_link(
    app, live_server, make_assessment, request: pytest.FixtureRequest, device: str
) -> None:
    page = request.getfixturevalue(device)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(link_of(app, make_assessment(), "sales", live_server.url) + "/answers")
    for number in range(1, 4):
        page.locator(f"#q_k{number:02d}-3").check(force=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert "Answer at least 13 more statements" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("button", name="Send anyway").first.is_visible()
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    shoot(page, SHOTS, "review")

    with page.expect_navigation():
        page.get_by_role("button", name="Save and finish later").click()
    assert "/saved" in page.url
    assert stored_answers(page) == []  # the server keeps them now
    link = page.get_by_label("Your link back to your answers")
    assert link.get_attribute("readonly") is not None
    page.get_by_role("button", name="Copy the link").click()
    # A locator's wait, not wait_for_function: the page's Content Security Policy forbids the
    # eval that a string predicate needs, which made this test fail now and then.
    expect(page.locator("#resume-link-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    shoot(page, SHOTS, "saved")


def test_without_javascript_the_saved_page_has_the_link_to_select(
    app, live_server, browser, make_assessment
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(link_of(app, make_assessment(), "sales", live_server.url) + "/answers")
        page.locator("#q_k01-3").check(force=True)
        with page.expect_navigation():
            page.get_by_role("button", name="Save and finish later").click()
        assert not page.get_by_role("button", name="Copy the link").is_visible()
        assert (
            page.get_by_label("Your link back to your answers")
            .input_value()
            .startswith(live_server.url + "/q/")
        )
        shoot(page, SHOTS, "saved-no-js")
    finally:
        context.close()


def test_the_welcome_page_on_a_laptop(app, live_server, desktop, make_assessment) -> None:
    desktop.goto(link_of(app, make_assessment(organization="Northwind Components"), "sales", live_server.url))
    start = desktop.get_by_role("link", name="Start the survey").bounding_box()
    assert start["y"] + start["height"] <= desktop.viewport_size["height"]
    assert serious_violations(desktop) == []
    shoot(desktop, SHOTS, "welcome")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_saved_page_with_mail_configured_offers_the_email_form(
    app, live_server, make_assessment, request: pytest.FixtureRequest, device: str
) -> None:
    """The live server has no mail server: the page as an app with one renders it, shown in the browser."""
    page = request.getfixturevalue(device)
    from survey_client import form_path, open_form, send

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_SENDER="survey@example.com")
    client = app.test_client()
    path = form_path(app, make_assessment())
    saved = send(client, path, {"k01": "3"}, action="save", submission=open_form(client, path))
    html = client.get(saved.headers["Location"]).get_data(as_text=True)
    refused = client.post(saved.headers["Location"].replace("/saved", "/email"), data={"email": "nope"})
    page.goto(live_server.url + "/resume")  # same origin, so the page's styles and script load
    for name, content in (("saved-email", html), ("saved-email-refused", refused.get_data(as_text=True))):
        page.set_content(content, wait_until="load")
        assert page.get_by_role("button", name="E-mail me this link").is_visible()
        assert page.get_by_label("Your e-mail address").get_attribute("type") == "email"
        assert no_sideways_scroll(page)
        assert serious_violations(page) == []
        shoot(page, SHOTS, name)
