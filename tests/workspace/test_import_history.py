"""The import page's batches: a duplicate refused then confirmed, the history, undoing a batch
behind a confirmation (with CSRF), the release that stops it, who may do it; the export's source."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.catalog import get_questionnaire
from survey_app.models import ImportBatch, Response, ResponseAnswer, ResponseSource, Team, User
from survey_app.responses import NewResponse, add_responses
from survey_app.workspace.services import pool_small_sources

import factories
from helpers import ITEM_IDS, csrf_token, csv_text, post_file, sign_in_with_csrf, signed_in, uniform

HEADER = ["team", *ITEM_IDS]
PEOPLE = csv_text(HEADER, [["sales", *[4] * 20]] * 5 + [["marketing", *[2] * 20]] * 3)


@pytest.fixture
def slug(make_assessment, make_user) -> str:
    """Acme's assessment (minimum group 5), its consultant Ann Smith and leader, and Globex's people."""
    made = make_assessment(organization="Acme", min_group=5)
    make_assessment(organization="Globex", name="Autumn")
    make_user("ann@acme.example", "consultant", organization="Acme", name="Ann Smith")
    make_user("lead@acme.example", "leader", organization="Acme")
    make_user("c@globex.example", "consultant", organization="Globex")
    make_user("lead@globex.example", "leader", organization="Globex")
    return made


@pytest.fixture
def ann(app: Flask, slug: str):  # noqa: ANN201 - a test client
    return signed_in(app, "ann@acme.example")


def upload(client, slug: str, data: bytes, name: str = "people.csv", **fields: str):  # noqa: ANN001, ANN201
    return post_file(client, f"/a/{slug}/import", "csv_file", name, data, fields=fields)


def text_of(response) -> str:  # noqa: ANN001
    """The page's text: tags out, entities decoded, spaces single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def counts(app: Flask) -> dict:
    """Rows of every table an import or an undo touches, and the teams' counters."""
    with app.app_context():
        session = db.get_session()
        return {
            "responses": session.scalar(select(func.count()).select_from(Response)),
            "answers": session.scalar(select(func.count()).select_from(ResponseAnswer)),
            "published": session.scalar(select(func.count()).select_from(Response).where(Response.published)),
            "batches": sorted(session.execute(select(ImportBatch.number, ImportBatch.undone_at)).all()),
            "teams": sorted(session.execute(select(Team.key, Team.pending_web, Team.pending_import)).all()),
        }


def batch(app: Flask, number: int) -> ImportBatch:
    with app.app_context():
        return db.get_session().scalar(select(ImportBatch).where(ImportBatch.number == number))


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.get_session().scalar(select(User.id).where(User.email == email))


# --- Importing ------------------------------------------------------------------------------------


def test_a_file_imported_before_is_refused_until_confirmed(app, ann, slug) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302
    before = counts(app)

    refused = upload(ann, slug, PEOPLE, name="again.csv")

    assert refused.status_code == 200
    page = text_of(refused)
    assert "This file was already imported as batch 1 (people.csv, " in page
    assert ", by Ann Smith). Nothing was imported." in page
    assert 'name="allow_duplicate"' in refused.get_data(as_text=True)
    assert "Import it again as a new batch" in page
    assert counts(app) == before

    confirmed = upload(ann, slug, PEOPLE, name="again.csv", allow_duplicate="y")

    assert confirmed.status_code == 302
    assert counts(app)["responses"] == 16
    second = batch(app, 2)
    assert (second.file_name, second.imported_by_id) == ("again.csv", user_id(app, "ann@acme.example"))
    assert second.sha256 == batch(app, 1).sha256


def test_the_confirmation_box_is_shown_only_after_a_duplicate(ann, slug) -> None:
    assert 'name="allow_duplicate"' not in ann.get(f"/a/{slug}/import").get_data(as_text=True)
    other = csv_text(HEADER, [["sales", *[3] * 20]])
    assert upload(ann, slug, other).status_code == 302
    assert upload(ann, slug, other, name="x.csv").status_code == 200
    different = csv_text(HEADER, [["sales", *[5] * 20]])
    assert upload(ann, slug, different, allow_duplicate="y").status_code == 302  # ticked needlessly: fine


def test_the_flash_names_the_batch(ann, slug) -> None:
    response = post_file(ann, f"/a/{slug}/import", "csv_file", "people.csv", PEOPLE, follow_redirects=True)
    assert "Imported 8 responses as batch 1." in text_of(response)


def test_the_import_page_lists_every_batch_with_its_status(app, ann, runner, slug, tmp_path: Path) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302  # batch 1: Sales 5 (a step), Marketing 3
    path = tmp_path / "paper answers.csv"
    path.write_bytes(csv_text(HEADER, [["marketing", *[3] * 20]]))
    assert runner.invoke(args=["responses", "import", slug, str(path)]).exit_code == 0  # batch 2: waits
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[1] * 20]]), name="typo.csv").status_code == 302
    assert ann.post(f"/a/{slug}/import/3/undo").status_code == 302
    assert runner.invoke(args=["assessment", "release", slug]).exit_code == 0

    page = ann.get(f"/a/{slug}/import")
    body = page.get_data(as_text=True)
    text = text_of(page)

    assert "<caption" in body
    assert '<th scope="col">Status</th>' in body
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\".*?</tr>", body, re.S)
    assert [re.search(r'scope="row"[^>]*>(\d+)<', row).group(1) for row in rows] == ["3", "2", "1"]
    three, two, one = (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows)
    assert three.startswith("3 typo.csv ")
    assert "by Ann Smith" in three
    assert "Sales: 1" in three
    assert re.search(r"Undone \d{1,2} \w+ \d{4} by Ann Smith", three)
    assert two.startswith("2 paper answers.csv ")
    assert "by the command line" in two
    assert "Marketing: 1" in two
    assert "Undo batch 2" in two  # still waiting when the results were released
    assert one.startswith("1 people.csv ")
    assert "Sales: 5 Marketing: 3" in one
    assert "In a release" in one
    assert "Undo batch 1" not in text
    assert f'href="/a/{slug}/import/2/undo"' in body
    assert f'href="/a/{slug}/import/1/undo"' not in body


# --- Undo ----------------------------------------------------------------------------------------


def test_undo_asks_first_then_deletes_only_its_batch(app, ann, slug) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302
    other = csv_text(HEADER, [["sales", *[2] * 20]] * 6)
    assert upload(ann, slug, other, name="other.csv").status_code == 302
    before = counts(app)

    page = ann.get(f"/a/{slug}/import/2/undo")

    assert page.status_code == 200
    text = text_of(page)
    assert "Undo import batch 2 (other.csv)?" in text
    assert "Sales 6." in text
    assert "Its 6 responses and their answers are deleted" in text
    assert counts(app) == before  # asking changes nothing

    done = ann.post(f"/a/{slug}/import/2/undo", follow_redirects=True)

    assert done.request.path == f"/a/{slug}/import"
    assert "Batch 2 is undone: 6 responses deleted." in text_of(done)
    after = counts(app)
    assert (after["responses"], after["answers"]) == (before["responses"] - 6, before["answers"] - 6 * 20)
    undone = batch(app, 2)
    assert undone.undone_at is not None
    assert undone.undone_by_id == user_id(app, "ann@acme.example")
    assert batch(app, 1).undone_at is None
    with app.app_context():
        left = Counter(db.get_session().scalars(select(Response.batch_id)))
    assert left == {batch(app, 1).id: 8}


def test_the_confirmation_says_when_others_go_back_to_waiting(app, ann, slug) -> None:
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[4] * 20]] * 5)).status_code == 302
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[3] * 20]] * 3), name="b.csv").status_code == 302
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[2] * 20]] * 2), name="c.csv").status_code == 302
    text = text_of(ann.get(f"/a/{slug}/import/3/undo"))
    assert "Sales: 3 other imported responses go back to waiting" in text
    assert "change by at least 5 people" in text


def test_undo_is_refused_once_in_a_release_with_the_reason(app, ann, slug, make_release) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302
    make_release(slug)
    before = counts(app)

    page = text_of(ann.get(f"/a/{slug}/import/1/undo"))
    assert "This batch cannot be undone: some of its responses are in a release" in page
    refused = ann.post(f"/a/{slug}/import/1/undo")

    assert refused.status_code == 200
    assert "Batch 1 is in a release of the results, which leaders may have read" in text_of(refused)
    assert counts(app) == before


def test_an_undone_batch_says_so_and_cannot_be_undone_again(app, ann, slug) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302
    assert ann.post(f"/a/{slug}/import/1/undo").status_code == 302
    before = counts(app)
    assert "This batch was already undone on " in text_of(ann.get(f"/a/{slug}/import/1/undo"))
    again = ann.post(f"/a/{slug}/import/1/undo")
    assert again.status_code == 200
    assert "Batch 1 was already undone on " in text_of(again)
    assert counts(app) == before
    assert upload(ann, slug, PEOPLE).status_code == 302  # the same file again: a new batch


def test_undo_of_a_batch_that_does_not_exist_is_not_found(ann, slug) -> None:
    assert ann.get(f"/a/{slug}/import/1/undo").status_code == 404
    assert ann.post(f"/a/{slug}/import/1/undo").status_code == 404


# --- Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("c@globex.example", 404),  # a consultant of another organization
        ("lead@globex.example", 404),  # a leader of another organization
        ("lead@acme.example", 403),  # the organization's own leader: reads, never changes
    ],
)
def test_others_can_neither_see_the_batches_nor_undo_one(app, ann, slug, email: str, status: int) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302
    before = counts(app)
    client = signed_in(app, email)
    for response in (
        client.get(f"/a/{slug}/import"),
        upload(client, slug, csv_text(HEADER, [["sales", *[1] * 20]])),
        client.get(f"/a/{slug}/import/1/undo"),
        client.post(f"/a/{slug}/import/1/undo"),
    ):
        assert response.status_code == status
        assert "people.csv" not in response.get_data(as_text=True)
    assert counts(app) == before
    anonymous = app.test_client().post(f"/a/{slug}/import/1/undo")
    assert anonymous.status_code == 302
    assert "/sign-in" in anonymous.headers["Location"]
    assert counts(app) == before


def test_undo_needs_the_forms_csrf_token(app, ann, slug, database_url: str, tmp_path: Path) -> None:
    assert upload(ann, slug, PEOPLE).status_code == 302
    guarded = factories.make_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    sign_in_with_csrf(client, "ann@acme.example")
    before = counts(app)

    assert client.post(f"/a/{slug}/import/1/undo").status_code == 400
    assert client.post(f"/a/{slug}/import/1/undo", data={"csrf_token": "forged"}).status_code == 400
    assert counts(app) == before

    token = csrf_token(client.get(f"/a/{slug}/import/1/undo").get_data(as_text=True))
    assert client.post(f"/a/{slug}/import/1/undo", data={"csrf_token": token}).status_code == 302
    assert batch(app, 1).undone_at is not None
    guarded.extensions["survey_db"].engine.dispose()


# --- The export's source column -------------------------------------------------------------------


def test_the_export_names_each_responses_source_beside_its_team(app, ann, slug) -> None:
    with app.app_context():
        kotler = get_questionnaire("kotler-2006")
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        add_responses(session, assessment, kotler, [NewResponse("sales", uniform(5))] * 5, ResponseSource.WEB)
        add_responses(
            session, assessment, kotler, [NewResponse("sales", uniform(1))] * 5, ResponseSource.DEMO
        )
        add_responses(session, assessment, kotler, [NewResponse("sales", uniform(1))] * 4, ResponseSource.WEB)
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[3] * 20]] * 5)).status_code == 302
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[2] * 20]] * 2), name="b.csv").status_code == 302

    rows = list(csv.reader(io.StringIO(ann.get(f"/a/{slug}/responses.csv").data.decode("utf-8-sig"))))

    assert rows[0] == ["team", "source", *ITEM_IDS, "comment"]
    # Only the published responses, as before: the 4 web and 2 imported waiting ones are not there.
    assert Counter((row[0], row[1], row[2]) for row in rows[1:]) == {
        ("sales", "web", "5"): 5,
        ("sales", "demo", "1"): 5,
        ("sales", "import batch 1", "3"): 5,
    }


def test_the_export_never_names_an_imported_group_smaller_than_the_minimum(app, ann, slug) -> None:
    """A batch of 2 published with 3 of another: "import batch 2" would single out two people's
    rows (a file name, who imported it), so both batches are pooled as "import"."""
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[3] * 20]] * 3)).status_code == 302
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[2] * 20]] * 2), name="b.csv").status_code == 302
    assert upload(ann, slug, csv_text(HEADER, [["sales", *[4] * 20]] * 6), name="c.csv").status_code == 302

    rows = list(csv.reader(io.StringIO(ann.get(f"/a/{slug}/responses.csv").data.decode("utf-8-sig"))))

    assert Counter((row[1], row[2]) for row in rows[1:]) == {
        ("import", "3"): 3,
        ("import", "2"): 2,
        ("import batch 3", "4"): 6,
    }


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        # Every group large enough: named.
        (["web"] * 5 + ["import batch 1"] * 5, ["web"] * 5 + ["import batch 1"] * 5),
        # Two small ones together reach the minimum.
        (["import batch 1"] * 3 + ["import batch 2"] * 2, ["import"] * 5),
        # One small one is pooled with the smallest named one.
        (
            ["import batch 1"] * 2 + ["demo"] * 6 + ["import batch 3"] * 9,
            ["import"] * 8 + ["import batch 3"] * 9,
        ),
        # Web rows are never pooled with imports, even beside a small import.
        (["web"] * 5 + ["import batch 1"] * 2 + ["demo"] * 3, ["web"] * 5 + ["import"] * 5),
    ],
)
def test_pool_small_sources(labels: list[str], expected: list[str]) -> None:
    assert pool_small_sources(labels, 5) == expected
