"""Sign-in, changing the password and reset links in a real browser, with CSRF on and the
accessibility checks; screenshots at 360 and 1280 px go to /tmp/shots/accounts."""

from __future__ import annotations

import pytest

from a11y import serious_violations
from helpers import NEW_PASSWORD, PASSWORD
from pages import overflow, shoot, sign_in_as

SHOTS = "accounts"


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


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_user_changes_their_password(live_server, request, make_user, device: str) -> None:
    page = request.getfixturevalue(device)
    make_user("c@example.com", "consultant", name="Casey Consultant")
    sign_in_as(page, live_server.url, "c@example.com")
    page.get_by_role("link", name="Change password").click()
    page.wait_for_url("**/account/password")
    assert page.get_by_role("heading", level=1).inner_text() == "Change your password"
    assert serious_violations(page) == []
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("New password again").fill("password1234")
    page.get_by_role("button", name="Change the password").click()
    assert "too easy to guess" in page.inner_text("main")
    assert page.get_by_label("New password", exact=True).get_attribute("aria-invalid") == "true"
    assert serious_violations(page) == []
    assert overflow(page) == 0
    shoot(page, SHOTS, "change-password-refused")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/workspace")
    assert "Your password is changed" in page.inner_text("main")
    shoot(page, SHOTS, "change-password-done")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_consultant_makes_a_reset_link_that_the_leader_uses(
    live_server, request, make_user, make_assessment, device: str
) -> None:
    page = request.getfixturevalue(device)
    make_assessment(organization="Acme")
    make_user("casey@example.com", "consultant", organization="Acme", name="Casey Consultant")
    make_user("lee@example.com", "leader", organization="Acme", name="Lee Leader")
    sign_in_as(page, live_server.url, "casey@example.com")
    page.get_by_role("link", name="Leaders’ passwords").click()
    assert serious_violations(page) == []
    shoot(page, SHOTS, "leaders")
    assert overflow(page) == 0  # the table scrolls in its own box
    page.get_by_role("link", name="Reset link for lee@example.com").click()
    assert serious_violations(page) == []
    shoot(page, SHOTS, "reset-link-form")
    page.get_by_role("button", name="Make the link").click()
    link = page.get_by_label("Link for lee@example.com").input_value()
    assert link.startswith(live_server.url + "/set-password?token=")
    assert "not e-mailed" in page.inner_text("main")
    assert serious_violations(page) == []
    assert overflow(page) == 0
    shoot(page, SHOTS, "reset-link-made")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Set a new password"
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("tulip harbour wonder")
    page.get_by_role("button", name="Set the new password").click()
    assert "The two new passwords are not the same." in page.inner_text("main")
    assert serious_violations(page) == []
    assert overflow(page) == 0
    shoot(page, SHOTS, "set-password-refused")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/sign-in")
    assert "Your new password is set" in page.inner_text("main")
    sign_in_as(page, live_server.url, "lee@example.com", NEW_PASSWORD)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "This link has already been used"
    assert serious_violations(page) == []
    shoot(page, SHOTS, "link-used")
