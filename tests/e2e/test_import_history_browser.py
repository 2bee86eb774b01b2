"""The import page's list of batches in Chromium at 360 and 1280 px, with axe: a duplicate
refused with its confirmation box, then a batch undone behind its confirmation page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.catalog import get_questionnaire
from survey_app.models import User
from survey_app.responses import import_responses

from helpers import ITEM_IDS, csv_text
from pages import checked, sign_in_as

SHOTS = "import"
HEADER = ["team", *ITEM_IDS]
PAPER = csv_text(HEADER, [["marketing", *[3] * 20]] * 2)


def imported(app, slug: str, data: bytes, name: str, email: str | None) -> None:  # noqa: ANN001
    """Import ``data`` as ``name`` through the service, as ``email`` (None: the command line)."""
    with app.app_context(), db.write_session() as session:
        user_id = session.scalar(select(User.id).where(User.email == email)) if email else None
        import_responses(
            session,
            get_assessment(session, slug),
            get_questionnaire("kotler-2006"),
            data,
            file_name=name,
            imported_by_id=user_id,
        )


@pytest.fixture
def batches(app, make_assessment, make_user, make_release) -> str:
    """Acme's assessment with three batches: one in a release, one undone, one waiting."""
    slug = make_assessment(organization="Acme", name="Spring review")
    make_user("casey@example.com", "consultant", "Acme", name="Casey Consultant")
    first = csv_text(HEADER, [["sales", *[4] * 20]] * 6 + [["marketing", *[2] * 20]] * 5)
    imported(
        app,
        slug,
        first,
        "spring-survey-paper-forms-collected-at-the-kick-off-meeting.csv",
        "casey@example.com",
    )
    make_release(slug)
    imported(app, slug, csv_text(HEADER, [["sales", *[1] * 20]]), "typo.csv", None)
    from survey_app.batches import undo_batch

    with app.app_context(), db.write_session() as session:
        undo_batch(session, get_assessment(session, slug), 2, None)
    imported(app, slug, PAPER, "paper.csv", "casey@example.com")
    return slug


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_import_history_and_undoing_a_batch(live_server, batches, request, device: str) -> None:
    page = request.getfixturevalue(device)
    sign_in_as(page, live_server.url, "casey@example.com")
    page.goto(f"{live_server.url}/a/{batches}/import")
    table = page.get_by_role("table", name="Import batches, newest first")
    assert table.get_by_role("row").count() == 4
    assert "In a release" in table.get_by_role("row", name=re.compile("^1 ")).inner_text()
    assert "Undone" in table.get_by_role("row", name=re.compile("^2 ")).inner_text()
    checked(page, SHOTS, f"history-{device}")
    if device == "desktop":  # the whole list fits a laptop's screen: nothing to scroll sideways
        region = page.locator(".batch-list").locator("xpath=..")
        assert region.evaluate("el => el.scrollWidth - el.clientWidth") <= 0

    page.get_by_label("Responses file (CSV)").set_input_files(
        {"name": "paper again.csv", "mimeType": "text/csv", "buffer": PAPER}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "This file was already imported as batch 3 (paper.csv" in page.inner_text("main")
    assert page.get_by_label("Import it again as a new batch").is_visible()
    checked(page, SHOTS, f"duplicate-{device}")

    page.get_by_role("link", name="Undo batch 3…").click()
    page.wait_for_url("**/import/3/undo")
    assert page.get_by_role("heading", level=1).inner_text() == "Undo import batch 3 (paper.csv)?"
    checked(page, SHOTS, f"undo-{device}")
    with page.expect_navigation():
        page.get_by_role("button", name="Undo batch 3").click()
    assert "Batch 3 is undone: 2 responses deleted." in page.inner_text("main")
    assert "Undone" in page.get_by_role("row", name=re.compile("^3 ")).inner_text()
    assert page.get_by_role("link", name="Undo batch 3…").count() == 0
