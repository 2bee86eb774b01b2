"""The import page against hostile files: huge numbers, endless error lists, a missing quote."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey_app import db
from survey_app.domain.importing import MAX_PROBLEMS_LISTED
from survey_app.models import Response

from helpers import ITEM_IDS, post_file, signed_in

HEADER = ",".join(["team", *ITEM_IDS, "comment"])
GOOD = ",".join(["sales"] + ["3"] * 20 + ["fine"])


@pytest.fixture
def slug(make_assessment, make_user) -> str:
    made = make_assessment(organization="Acme")
    make_user("c@example.com", "consultant", organization="Acme")
    return made


@pytest.fixture
def consultant(app: Flask, slug: str):  # noqa: ANN201 - a test client
    return signed_in(app, "c@example.com")


def upload(client, slug: str, *lines: str):  # noqa: ANN001, ANN201 - test helpers
    """Post a CSV of ``lines`` under the header as the import form's file."""
    data = f"{HEADER}\n" + "\n".join(lines) + "\n"
    return post_file(client, f"/a/{slug}/import", "csv_file", "responses.csv", data.encode())


def stored(app: Flask) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(Response))


def test_an_answer_of_five_thousand_digits_is_named_on_the_page(app, consultant, slug: str) -> None:
    huge = "9" * 5000
    response = upload(consultant, slug, GOOD, ",".join(["sales", huge] + ["3"] * 19 + [""]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "line 3, column k01:" in page
    assert "is out of range (1–5)" in page
    assert huge not in page
    assert stored(app) == 0


def test_a_file_full_of_problems_lists_the_first_200_and_counts_the_rest(app, consultant, slug: str) -> None:
    bad = ",".join(["finance"] + ["7"] * 20 + ["x" * 4000])  # 21 problems a row
    response = upload(consultant, slug, *[bad] * 1000)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<li>line ") == MAX_PROBLEMS_LISTED
    assert "21,000 problems" in page
    assert "20,800 more" in page
    assert len(page) < 200_000  # the file was 4 MB; the page stays small
    assert stored(app) == 0


def test_an_unterminated_quote_is_named_by_its_line(app, consultant, slug: str) -> None:
    lines = [GOOD] * 11
    lines[4] = ",".join(["sales"] + ["3"] * 20) + ',"this never closes'
    response = upload(consultant, slug, *lines)
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page
    assert "line 6: a quoted cell starts on this line but its closing quote is missing" in page
    assert stored(app) == 0
