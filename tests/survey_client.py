"""Driving the respondents' survey through HTTP in tests: links, forms and sends."""

from __future__ import annotations

import re

from sqlalchemy import select

from survey_app import db
from survey_app.assessments import get_assessment, team_links
from survey_app.models import Invitation, Team
from survey_app.tokens import derive_token, new_salt, token_hash

from helpers import TEST_SECRET

#: The tests' PUBLIC_URL (the config's default), on which every link handed out is built.
PUBLIC = "http://127.0.0.1:5000"


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


def save_for_later(client, path: str, answers: dict[str, str], comment: str = "") -> str:
    """Press "Save and finish later" on a team link's questionnaire; returns the resume token (the
    code in the saved page's URL)."""
    submission = open_form(client, path)
    response = send(client, path, answers, action="save", comment=comment, submission=submission)
    assert response.status_code == 302
    match = re.fullmatch(r"/q/([A-Za-z0-9_-]+)/saved", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def start(client, path: str) -> str:
    """Press "Start" on a personal link's welcome page; returns the resume token of its draft."""
    response = client.post(path)
    assert response.status_code == 302
    match = re.fullmatch(r"/q/([A-Za-z0-9_-]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def make_invitation(app, slug: str, team: str = "marketing", name: str = "Mia") -> tuple[int, str]:
    """An invitation for one person of ``team``; returns its id and the path of its link."""
    salt = new_salt()
    token = derive_token(TEST_SECRET, "invitation", salt)
    with app.app_context(), db.write_session() as session:
        team_id = session.scalar(select(Team.id).where(Team.key == team, Team.assessment.has(slug=slug)))
        invitation = Invitation(
            team_id=team_id,
            name=name,
            email=f"{name.lower()}@example.com",
            link_salt=salt,
            link_hash=token_hash(token),
        )
        session.add(invitation)
        session.flush()
        invitation_id = invitation.id
    return invitation_id, f"/i/{token}"
