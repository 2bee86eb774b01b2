"""The pages the anonymity defences added, in Chromium: a phone and a laptop, with axe."""

from __future__ import annotations

import pytest

from a11y import serious_violations
from pages import link_of, sign_in_as


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_device_that_sent_is_asked_and_someone_else_can_answer(
    app, live_server, make_assessment, request: pytest.FixtureRequest, device: str, tmp_path
) -> None:
    page = request.getfixturevalue(device)
    slug = make_assessment()
    link = link_of(app, slug, "sales", live_server.url)
    page.goto(link + "/answers")
    for number in range(1, 21):
        page.locator(f'input[name="q_k{number:02d}"][value="3"]').check(force=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Send").first.click()
    page.goto(link)
    assert page.get_by_role("heading", name="Answers have already been sent from this device").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / f"sent-before-{device}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # nothing overflows sideways
    with page.expect_navigation():
        page.get_by_role("button", name="Someone else is answering on this device").click()
    assert page.url.endswith("/answers")


def test_the_distribute_page_with_its_team_links_switch_is_accessible(
    app, live_server, desktop, make_assessment, make_user
) -> None:
    slug = make_assessment(organization="Acme")
    make_user("casey@example.com", "consultant", "Acme")
    sign_in_as(desktop, live_server.url, "casey@example.com")
    desktop.goto(f"{live_server.url}/a/{slug}/distribute")
    desktop.get_by_label("Take answers through personal invitations only (team links off)").check()
    with desktop.expect_navigation():
        desktop.locator(".team-links-form").get_by_role("button", name="Save").click()
    assert "Team links are off" in desktop.content()
    assert serious_violations(desktop) == []
    desktop.goto(link_of(app, slug, "sales", live_server.url))
    assert "answered through personal invitations" in desktop.content()
    assert serious_violations(desktop) == []
