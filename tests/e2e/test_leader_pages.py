"""A consultant invites a client's leader from the organization's page, the leader chooses a password
with the link, and the consultant revokes the account: in Chromium at 360 and 1280 px, CSRF on,
with axe on every page; screenshots go to /tmp/shots/leaders."""

from __future__ import annotations

import pytest

from helpers import NEW_PASSWORD
from pages import checked, shoot, sign_in_as, sign_out

SHOTS = "leaders"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_consultant_invites_a_leader_who_chooses_a_password_and_is_revoked(
    live_server, request, make_user, make_assessment, device: str
) -> None:
    page = request.getfixturevalue(device)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    make_assessment(organization="Acme")
    make_user("casey@example.com", "consultant", organization="Acme", name="Casey Consultant")
    make_user("lee@example.com", "leader", organization="Acme", name="Lee Leader")
    sign_in_as(page, live_server.url, "casey@example.com")
    page.get_by_role("link", name="Acme").first.click()
    page.wait_for_url("**/o/acme")
    leaders = page.get_by_role("region", name="Leaders")
    lee = leaders.get_by_role("listitem", name="Lee Leader")
    assert lee.get_by_text("Password chosen: can sign in").is_visible()
    checked(page, SHOTS, "organization")

    # A missing name is named on its field, with the summary above the form.
    leaders.get_by_label("E-mail address").fill("nina@example.com")
    leaders.get_by_role("button", name="Invite the leader").click()
    page.wait_for_url("**/leaders/invite")
    assert "Some fields need your attention" in page.inner_text("main")
    assert page.get_by_label("Name").get_attribute("aria-invalid") == "true"
    assert "Enter the leader’s name." in page.inner_text("main")
    checked(page, SHOTS, "invite-refused")

    page.get_by_label("Name").fill("Nina Newleader")
    page.get_by_role("button", name="Invite the leader").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Nina Newleader is invited"
    link = page.get_by_label("Link for nina@example.com").input_value()
    assert link.startswith(live_server.url + "/set-password?token=")
    assert "not e-mailed" in page.inner_text("main")
    assert "It works once, until" in page.inner_text("main")
    page.get_by_role("button", name="Copy the link").click()
    assert page.evaluate("navigator.clipboard.readText()") == link
    checked(page, SHOTS, "invited")

    page.get_by_role("link", name="Back to Acme").click()
    nina = page.get_by_role("listitem", name="Nina Newleader")
    assert nina.get_by_text("Invitation pending: no password yet").is_visible()
    shoot(page, SHOTS, "organization-pending")
    sign_out(page)

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Choose your password"
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    checked(page, SHOTS, "choose-password")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url("**/sign-in")
    assert "Your new password is set" in page.inner_text("main")
    sign_in_as(page, live_server.url, "nina@example.com", NEW_PASSWORD)
    assert "Nina Newleader" in page.inner_text("header")  # signed in
    page.goto(live_server.url + "/o/acme")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Acme")
    assert page.get_by_role("region", name="Leaders").count() == 0  # a leader manages no leaders
    sign_out(page)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "This link has already been used"

    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(live_server.url + "/o/acme")
    page.get_by_role("link", name="Revoke… Nina Newleader").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Revoke the account of Nina Newleader?"
    checked(page, SHOTS, "revoke")
    page.get_by_role("button", name="Revoke the account").click()
    page.wait_for_url("**/o/acme")
    assert "The account of Nina Newleader (nina@example.com) is revoked" in page.inner_text("main")
    assert page.get_by_role("listitem", name="Nina Newleader").count() == 0
    checked(page, SHOTS, "revoked")
    sign_out(page)
    page.get_by_label("E-mail address").fill("nina@example.com")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "not right" in page.inner_text("main")
