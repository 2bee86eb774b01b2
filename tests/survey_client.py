"""Driving the respondents' survey through HTTP in tests: links, forms and sends."""

from __future__ import annotations

import re

from survey_app import db
from survey_app.assessments import get_assessment, team_links

from helpers import TEST_SECRET


def page_text(response) -> str:
    return response.get_data(as_text=True)


def link_path(app, slug: str, team: str = "sales") -> str:
    """The path of a team's survey link (``/s/<token>``)."""
    with app.app_context():
        assessment = get_assessment(db.get_session(), slug)
        links = {link.team: link.url for link in team_links(assessment, TEST_SECRET, "http://localhost")}
    return links[team].removeprefix("http://localhost")


def form_path(app, slug: str, team: str = "sales") -> str:
    """The path of a team link's questionnaire (``/s/<token>/answers``)."""
    return link_path(app, slug, team) + "/answers"


SUBMISSION = re.compile(r'name="submission" type="hidden" value="([^"]*)"')


def submission_in(page: str) -> str:
    """The submission token of the questionnaire form in ``page``."""
    match = SUBMISSION.search(page)
    assert match, "no submission field in the page"
    return match.group(1)


def open_form(client, path: str) -> str:
    """Open a team link's questionnaire; returns the form's submission token."""
    response = client.get(path)
    assert response.status_code == 200
    return submission_in(page_text(response))


def send(client, path: str, answers: dict[str, str], action: str = "submit", **extra):
    """Post the questionnaire (``answers``: item id -> "1".."5" or "dk") with one of its buttons."""
    data = {"action": action, "comment": "", **{f"q_{item}": value for item, value in answers.items()}}
    data.update(extra)
    return client.post(path, data=data)


def answer(client, path: str, answers: dict[str, str], comment: str = ""):
    """Open a team link's questionnaire and send it at once."""
    submission = open_form(client, path)
    return send(client, path, answers, comment=comment, submission=submission)
