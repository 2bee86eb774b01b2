"""Sign-in in a real browser, with CSRF on and the accessibility checks."""

from __future__ import annotations

from a11y import serious_violations
from helpers import PASSWORD


def test_consultant_signs_in_and_out_with_the_keyboard(live_server, desktop, make_user) -> None:
    make_user("c@example.com", "consultant", name="Casey Consultant")
    page = desktop
    page.goto(live_server.url + "/sign-in")
    assert serious_violations(page) == []
    page.get_by_label("E-mail address").fill("c@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/workspace")
    assert page.get_by_role("heading", level=1).inner_text() == "Client organizations"
    assert "Casey Consultant" in page.inner_text("header")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    page.goto(live_server.url + "/workspace")
    assert "/sign-in" in page.url


def test_wrong_password_is_explained(live_server, phone, make_user) -> None:
    make_user("c@example.com")
    page = phone
    page.goto(live_server.url + "/sign-in")
    page.get_by_label("E-mail address").fill("c@example.com")
    page.get_by_label("Password").fill("not the right one")
    page.get_by_role("button", name="Sign in").click()
    assert "not right" in page.inner_text("main")
    assert serious_violations(page) == []
