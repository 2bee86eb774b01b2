"""Small helpers shared by the tests: test data, signing in, form uploads, the CLI's results, PDF text.

Fixtures live in the ``conftest.py`` files; these are plain functions and constants.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pypdf
from sqlalchemy import select

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.models import Invitation, ResponseSource, Team
from survey_app.responses import NewResponse, add_responses

ROOT = Path(__file__).resolve().parents[1]
#: The built-in questionnaire's file, for the tests that load it without an app.
KOTLER_PATH = ROOT / "questionnaires" / "kotler-2006.yaml"
TEST_SECRET = "test-secret-key-not-for-production"
#: The password of every user made by the ``make_user`` fixture.
PASSWORD = "correct horse battery"
#: A password the tests change to or choose with a link (strong enough to be accepted).
NEW_PASSWORD = "tulip harbour wander"
ITEM_IDS = [f"k{n:02d}" for n in range(1, 21)]
#: The PUBLIC_URL the account tests set, and the set-password link they find in pages and e-mails.
ACCOUNTS_URL = "https://survey.example.com"
SET_PASSWORD_LINK = re.compile(re.escape(ACCOUNTS_URL) + r"/set-password\?token=([A-Za-z0-9_-]+)")


# --- test data ----------------------------------------------------------------------------------


def uniform(value: int | None, answered: int = 20) -> dict[str, int | None]:
    """A response giving ``value`` to the first ``answered`` statements, the rest blank."""
    return {item: (value if index < answered else None) for index, item in enumerate(ITEM_IDS)}


def varied(high: list[int], low: list[int], count: int, first: int = 10) -> list[dict[str, int | None]]:
    """``count`` responses: the first ``first`` statements cycle through ``high``, the others ``low``."""
    return [
        {
            item: (high if index < first else low)[n % len(high if index < first else low)]
            for index, item in enumerate(ITEM_IDS)
        }
        for n in range(count)
    ]


def csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> bytes:
    """A CSV file's bytes from a header and rows."""
    lines = [delimiter.join(header)] + [
        delimiter.join("" if v is None else str(v) for v in row) for row in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def add_comments(app, questionnaire, slug: str, team: str, comments: list[str], value: int = 3) -> None:  # noqa: ANN001
    """Store one response per comment for ``team`` (every statement answered ``value``)."""
    with app.app_context(), db.write_session() as session:
        add_responses(
            session,
            get_assessment(session, slug),
            questionnaire,
            [NewResponse(team, uniform(value), comment=comment) for comment in comments],
            ResponseSource.IMPORT,
        )


def rename_team(app, slug: str, key: str, name: str) -> None:  # noqa: ANN001
    """Give a team of ``slug`` a new display name."""
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        team = session.scalar(select(Team).where(Team.assessment_id == assessment.id, Team.key == key))
        team.name = name


# --- the web and the command line ---------------------------------------------------------------


def sign_in(client, email: str, password: str = PASSWORD):  # noqa: ANN001, ANN201 - test helper
    """Sign ``client`` in through the sign-in form (CSRF is off in the default test app)."""
    return client.post("/sign-in", data={"email": email, "password": password})


def csrf_token(page: str) -> str:
    """The CSRF token of the first form in ``page``."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def sign_in_with_csrf(client, email: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    """Sign ``client`` in as a browser does on an app with CSRF on: with the sign-in form's token."""
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def signed_in(app, email: str):  # noqa: ANN001, ANN201 - a test client
    """A new client of ``app``, signed in as ``email``."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302, email
    return client


def set_password(client, token: str, new: str = NEW_PASSWORD, again: str | None = None):  # noqa: ANN001, ANN201
    """Choose a new password with a set-password link's ``token`` (typed ``again`` the second time)."""
    return client.post(
        f"/set-password?token={token}", data={"new_password": new, "new_password_again": again or new}
    )


def paste(client, slug: str, text: str, team: str = "sales"):  # noqa: ANN001, ANN201
    """Invite the people listed in ``text`` (one a line) to ``team`` from the distribute page."""
    return client.post(f"/a/{slug}/invitations", data={"team": team, "people": text})


def invitations(app) -> list[Invitation]:  # noqa: ANN001
    """Every invitation stored, oldest first."""
    with app.app_context():
        return list(db.get_session().scalars(select(Invitation).order_by(Invitation.id)))


def post_file(  # noqa: ANN201 - a test response
    client,  # noqa: ANN001
    path: str,
    field: str,
    filename: str,
    data: bytes,
    content_type: str = "text/csv",
    fields: dict[str, str] | None = None,
    follow_redirects: bool = False,
):
    """Post ``data`` as the form's file ``field`` (after the plain ``fields``).

    The multipart body is built here: werkzeug's test client spools large bodies to a
    temporary file that it never closes (a ResourceWarning, an error under pytest).
    """
    boundary = "----test-boundary-7d3f"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (fields or {}).items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        path,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        follow_redirects=follow_redirects,
    )


def results_json(runner, slug: str, *options: str) -> dict:  # noqa: ANN001
    """What ``flask results SLUG --json`` prints (with ``options``), parsed."""
    result = runner.invoke(args=["results", slug, "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- PDF ------------------------------------------------------------------------------------------


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, whitespace made single spaces (no-break spaces plain, "short-⏎term" whole)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        " ".join(re.sub(r"-\n", "-", page.extract_text()).replace("\u00a0", " ").split())
        for page in reader.pages
    ]


def pdf_text(pdf: bytes) -> str:
    """The whole document's text, as ``page_texts`` gives it."""
    return " ".join(page_texts(pdf))
