"""Helpers of the browser tests: signing in and out, survey links, screenshots, and the checks
every page passes (no serious accessibility violation, nothing wider than the screen)."""

from __future__ import annotations

from pathlib import Path

from survey_app import db
from survey_app.assessments import get_assessment, team_links

from a11y import serious_violations
from helpers import PASSWORD, TEST_SECRET

#: Screenshots to look at, kept outside the repository: one folder per test module.
SHOTS = Path("/tmp/shots")


def link_of(app, slug: str, team: str, base_url: str) -> str:  # noqa: ANN001 - a Flask app
    """The survey link of ``team`` of ``slug`` on the server at ``base_url``."""
    with app.app_context():
        assessment = get_assessment(db.get_session(), slug)
        return next(link.url for link in team_links(assessment, TEST_SECRET, base_url) if link.team == team)


def sign_in_as(page, url: str, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    """Sign in through the form and wait for the first page after it."""
    page.goto(url + "/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/sign-in" not in address)


def sign_out(page) -> None:  # noqa: ANN001 - Playwright page
    """Press "Sign out" and wait for the sign-in page."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")


def shoot(page, folder: str, name: str) -> None:  # noqa: ANN001 - Playwright page
    """A full-page screenshot, ``/tmp/shots/<folder>/<name>-<width>.png``."""
    (SHOTS / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / folder / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def overflow(page) -> int:  # noqa: ANN001 - Playwright page
    """How far the page scrolls sideways (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def checked(page, folder: str, name: str) -> None:  # noqa: ANN001 - Playwright page
    """A screenshot to look at; then no serious accessibility violation and nothing wider than the
    screen (the message names the elements that stick out)."""
    shoot(page, folder, name)
    assert serious_violations(page) == [], name
    assert overflow(page) <= 0, (name, too_wide(page))


def too_wide(page) -> list[str]:  # noqa: ANN001 - Playwright page
    """The first elements of the page's main part that reach past the screen's right edge."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
        > document.documentElement.clientWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className
        + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
