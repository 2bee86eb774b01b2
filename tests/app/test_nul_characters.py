"""A NUL character (U+0000) in any text field is refused with the field's message, on both databases.

PostgreSQL cannot store it in a text column, so before ``BaseForm`` each of these gave a
500 there (SQLite stored it). Every form of the app, the survey, the importers and the
URL slugs are tried; each refusal keeps the database as it was.
"""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey_app import db
from survey_app.base_form import NUL_MESSAGE
from survey_app.models import ActionItem, Assessment, Invitation, Organization, Response, User

from helpers import ITEM_IDS, sign_in, signed_in
from survey_client import form_path, open_form, page_text, send

PASSWORD = "a long pass phrase for Bob"

NUL = "\x00"
MESSAGE = html.escape(NUL_MESSAGE)
CHECKED_FOUR = re.compile(r'<input[^>]*value="4"[^>]*checked|<input[^>]*checked[^>]*value="4"')


def row_counts(app: Flask) -> dict[str, int]:
    """Rows in each table these forms write, so a refusal can be seen to write nothing."""
    with app.app_context():
        session = db.get_session()
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Organization, Assessment, User, Invitation, ActionItem, Response)
        }


@pytest.fixture
def slug(make_assessment, make_user) -> str:
    """Acme's assessment, with an admin signed in below."""
    make_user("admin@example.com", "admin")
    return make_assessment(organization="Acme")


@pytest.fixture
def admin(app: Flask, slug: str):  # noqa: ANN201 - a test client
    return signed_in(app, "admin@example.com")


def new_assessment(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Q3 check",
        "questionnaire": "kotler-2006",
        "teams-0-name": "Sales",
        "teams-1-name": "Marketing",
        "min_group_size": "5",
        "purpose": "To see where the teams agree.",
    }
    return data | overrides


FORMS = {
    "organization name": ("/workspace/organizations/new", {"name": f"Ini{NUL}tech"}),
    "assessment name": ("/o/acme/assessments/new", new_assessment(name=f"Q3{NUL}")),
    "team name": ("/o/acme/assessments/new", new_assessment(**{"teams-1-name": f"Mark{NUL}eting"})),
    "purpose": ("/o/acme/assessments/new", new_assessment(purpose=f"Why{NUL}")),
    "settings name": ("/a/{slug}/settings", new_assessment(name=f"Renamed{NUL}")),
    "commentary": ("/a/{slug}/commentary", {"commentary": f"Good{NUL}"}),
    "action owner": (
        "/a/{slug}/commentary",
        {"commentary": "", "actions-0-action": "Meet weekly", "actions-0-owner": f"Ann{NUL}"},
    ),
    "invitation name": ("/a/{slug}/invitations", {"team": "sales", "people": f"Ann{NUL} <ann@example.com>"}),
    "invitation e-mail": ("/a/{slug}/invitations", {"team": "sales", "people": f"ann{NUL}@example.com"}),
    "user name": (
        "/admin/users/new",
        {
            "name": f"Bo{NUL}b",
            "email": "bob@example.com",
            "password": "a long pass phrase",
            "role": "consultant",
        },
    ),
    "user e-mail": (
        "/admin/users/new",
        {
            "name": "Bob",
            "email": f"bob{NUL}@example.com",
            "password": "a long pass phrase",
            "role": "consultant",
        },
    ),
}


@pytest.mark.parametrize("case", FORMS)
def test_a_nul_in_a_staff_form_is_refused_next_to_the_field(app: Flask, admin, slug: str, case: str) -> None:
    path, data = FORMS[case]
    before = row_counts(app)
    response = admin.post(path.format(slug=slug), data=data)
    assert response.status_code in (200, 422), case  # the form again, with its errors
    assert MESSAGE in page_text(response)
    assert row_counts(app) == before


def test_a_nul_in_the_sign_in_e_mail_is_refused(client, slug: str) -> None:
    response = sign_in(client, f"admin{NUL}@example.com")
    assert response.status_code == 200
    assert MESSAGE in page_text(response)


@pytest.mark.parametrize("action", ["submit", "save"])
def test_a_nul_in_a_respondents_comment_is_refused_and_the_answers_kept(
    app: Flask, client, slug: str, action: str
) -> None:
    path = form_path(app, slug)
    submission = open_form(client, path)
    answers = dict.fromkeys(ITEM_IDS, "4")
    response = send(client, path, answers, action=action, comment=f"Fine{NUL}", submission=submission)
    assert response.status_code == 200
    page = page_text(response)
    assert MESSAGE in page
    assert len(CHECKED_FOUR.findall(page)) == len(ITEM_IDS)  # nothing typed or ticked is lost
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(Response)) == 0


@pytest.mark.parametrize(
    "path", ["/a/acme%00-spring-review", "/o/ac%00me", "/a/x%00/results", "/a/x%00/report.pdf", "/o/%00"]
)
def test_a_nul_in_a_slug_is_not_found(admin, path: str) -> None:
    assert admin.get(path).status_code == 404
