"""The statements each action of the plan aims to move (the commentary page), and a plan saved
again keeping what it carries: its actions' ids, statements and the actions they continue."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey_app import db
from survey_app.assessments import get_assessment, rerun_assessment
from survey_app.errors import FieldInvalid
from survey_app.models import ActionItem
from survey_app.report import routes as report_routes
from survey_app.report import services

from helpers import TEST_SECRET, sign_in

MOVED_BY = "The action “Another” names k99, which is not a statement of the questionnaire kotler-2006."


class ShownForm(HTMLParser):
    """The values a browser would send for the commentary form as the page shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.values: MultiDict[str, str] = MultiDict()
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and "commentary-form" in found.get("class", ""):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and "name" in found:
            if found.get("type") == "checkbox":
                if "checked" in found:
                    self.values.add(found["name"], found.get("value", "y"))
            elif found.get("type") != "submit":
                self.values.add(found["name"], found.get("value", ""))
        elif tag == "select":
            self._select = found["name"]
        elif tag == "option" and self._select and "selected" in found:
            self.values.add(self._select, found["value"])
        elif tag == "textarea":
            self._textarea, self._text = found["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values.add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def shown_form(page: str) -> MultiDict[str, str]:
    parser = ShownForm()
    parser.feed(page)
    return parser.values


def plan(app, slug: str) -> list[ActionItem]:
    """The stored actions of ``slug``, in order."""
    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        return list(
            session.scalars(
                select(ActionItem)
                .where(ActionItem.assessment_id == assessment.id)
                .order_by(ActionItem.position)
            )
        )


def rows(app, slug: str) -> list[tuple[str, str, int | None]]:
    return [(item.action, item.statements, item.carried_from_id) for item in plan(app, slug)]


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<div id="{re.escape(field_id)}-error">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def rerun(app, slug: str) -> str:
    with app.app_context(), db.write_session() as session:
        return rerun_assessment(
            session,
            get_assessment(session, slug),
            name=None,
            opens_on=None,
            closes_on=None,
            created_by=None,
            questionnaire=app.extensions["survey_catalog"].get("kotler-2006"),
            secret_key=TEST_SECRET,
        ).slug


@pytest.fixture
def acme(client, two_orgs) -> str:
    """Acme's assessment, with ``client`` signed in as its consultant."""
    sign_in(client, "c@acme.example")
    return two_orgs["acme"]


def test_each_action_offers_the_questionnaires_statements(client, acme) -> None:
    page = client.get(f"/a/{acme}/commentary").get_data(as_text=True)
    assert page.count('<details class="action-row__statements">') == 3  # the empty rows too
    for row in range(3):
        assert f'<legend class="visually-hidden">Statements action {row + 1} aims to move</legend>' in page
        for n in range(1, 21):
            assert f'name="actions-{row}-statements" type="checkbox" value="k{n:02d}"' in page
    assert page.count("<summary>Statements it aims to move: none chosen</summary>") == 3
    assert (
        '<label for="actions-0-statements-0">k01 · Our actual sales usually come in close to what we'
        " forecast.</label>" in html.unescape(page)
    )
    # A long statement is shortened after its id.
    assert (
        "k03 · People from marketing often join meetings with important customers…</label>"
        in html.unescape(page)
    )
    assert 'name="actions-0-action_id" type="hidden" value=""' in page


def test_statements_are_saved_once_each_in_the_questionnaires_order_and_shown(app, client, acme) -> None:
    saved = client.post(
        f"/a/{acme}/commentary",
        data={
            "actions-0-action": "Run the workshop",
            "actions-0-statements": ["k07", "k03", "k07"],
            "actions-1-action": "Agree a lead definition",
        },
    )
    assert saved.status_code == 302
    assert rows(app, acme) == [("Run the workshop", "k03 k07", None), ("Agree a lead definition", "", None)]
    assert plan(app, acme)[0].statement_ids == ("k03", "k07")
    page = client.get(f"/a/{acme}/commentary").get_data(as_text=True)
    assert "<summary>Statements it aims to move: k03, k07</summary>" in page
    assert re.search(
        r'<input checked id="actions-0-statements-2" name="actions-0-statements"[^>]*value="k03">', page
    )
    assert re.search(
        r'<input checked id="actions-0-statements-6" name="actions-0-statements"[^>]*value="k07">', page
    )
    assert page.count('<input checked id="actions-0-statements') == 2
    assert '<input checked id="actions-1-statements' not in page
    # Unticked and saved again: none.
    values = shown_form(page)
    values.setlist("actions-0-statements", [])
    assert client.post(f"/a/{acme}/commentary", data=values).status_code == 302
    assert rows(app, acme) == [("Run the workshop", "", None), ("Agree a lead definition", "", None)]


def test_an_unknown_statement_is_refused_on_its_row_and_nothing_is_saved(app, client, acme) -> None:
    response = client.post(
        f"/a/{acme}/commentary",
        data={
            "commentary": "Kept text",
            "actions-0-action": "Removed",
            "actions-0-remove": "y",
            "actions-1-action": "A fine action",
            "actions-1-statements": ["k01"],
            "actions-2-action": "Another",
            "actions-2-statements": ["k02", "k99"],
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Blamed on the row as the page numbers it (the removed row counts), naming the action.
    assert field_error(page, "actions-2-statements") == f"Error: {MOVED_BY}"
    assert "actions-1-statements-error" not in page
    # Its statements are unfolded, so the error is seen; what was ticked is kept.
    assert '<details class="action-row__statements" open>' in page
    assert 'aria-describedby="actions-2-statements-error"' in page
    assert re.search(r'<input checked id="actions-2-statements-1" name="actions-2-statements"', page)
    assert rows(app, acme) == []
    # Two unknown ones, through the service.
    with pytest.raises(FieldInvalid) as refused, app.app_context(), db.write_session() as session:
        services.save_commentary(
            session,
            get_assessment(session, acme),
            "",
            [services.ActionInput("A fine action", statements=("k01", "x1", "k99"))],
            app.extensions["survey_catalog"].get("kotler-2006"),
        )
    assert refused.value.field == "actions-0-statements"
    assert refused.value.reason == (
        "The action “A fine action” names k99, x1, which are not statements of the questionnaire kotler-2006."
    )


def test_statements_without_an_action_are_refused(app, client, acme) -> None:
    response = client.post(
        f"/a/{acme}/commentary", data={"actions-0-action": "", "actions-0-statements": ["k01"]}
    )
    assert field_error(response.get_data(as_text=True), "actions-0-action") == (
        "Error: Enter the action, or clear its statements."
    )
    assert rows(app, acme) == []


def test_a_carried_plan_saved_again_keeps_its_ids_statements_and_origins(app, client, acme) -> None:
    client.post(
        f"/a/{acme}/commentary",
        data={
            "actions-0-action": "Run the workshop",
            "actions-0-status": "done",
            "actions-0-statements": ["k03", "k07"],
            "actions-1-action": "Agree a lead definition",
            "actions-1-statements": ["k12"],
            "actions-2-action": "Share the dashboard",
        },
    )
    originals = plan(app, acme)
    wave = rerun(app, acme)
    carried = plan(app, wave)
    assert [item.carried_from_id for item in carried] == [item.id for item in originals]
    # The next wave's page, saved as it is shown: nothing changes.
    page = client.get(f"/a/{wave}/commentary").get_data(as_text=True)
    assert f'name="actions-0-action_id" type="hidden" value="{carried[0].id}"' in page
    assert client.post(f"/a/{wave}/commentary", data=shown_form(page)).status_code == 302
    assert [(i.id, i.action, i.status.value, i.statements, i.carried_from_id) for i in plan(app, wave)] == [
        (i.id, i.action, i.status.value, i.statements, i.carried_from_id) for i in carried
    ]
    # Edited, one removed, one added: each kept action keeps what it carries.
    values = shown_form(page)
    values["actions-0-action"] = "Run the joint workshop"
    values["actions-0-status"] = "in_progress"
    values["actions-1-remove"] = "y"
    values["actions-3-action"] = "Repeat the survey"
    values.setlist("actions-3-statements", ["k01"])
    assert client.post(f"/a/{wave}/commentary", data=values).status_code == 302
    now = plan(app, wave)
    assert [(i.action, i.status.value, i.statements, i.carried_from_id) for i in now] == [
        ("Run the joint workshop", "in_progress", "k03 k07", originals[0].id),
        ("Share the dashboard", "planned", "", originals[2].id),
        ("Repeat the survey", "planned", "k01", None),
    ]
    assert [i.id for i in now[:2]] == [carried[0].id, carried[2].id]
    # The first wave's plan saved again as shown: its actions keep their ids, so the next
    # wave's still point at them.
    page = client.get(f"/a/{acme}/commentary").get_data(as_text=True)
    assert client.post(f"/a/{acme}/commentary", data=shown_form(page)).status_code == 302
    assert [i.id for i in plan(app, acme)] == [i.id for i in originals]
    assert [i.carried_from_id for i in plan(app, wave)] == [originals[0].id, originals[2].id, None]
    # An action removed from the first wave's plan: its continuation no longer points at it.
    values = shown_form(page)
    values["actions-2-remove"] = "y"
    client.post(f"/a/{acme}/commentary", data=values)
    assert [i.carried_from_id for i in plan(app, wave)] == [originals[0].id, None, None]


def test_an_id_of_another_plan_is_a_new_action_and_changes_nothing_there(app, client, two_orgs) -> None:
    globex = two_orgs["globex"]
    with app.app_context(), db.write_session() as session:
        services.save_commentary(
            session, get_assessment(session, globex), "", [services.ActionInput("Theirs")]
        )
    theirs = plan(app, globex)[0]
    sign_in(client, "c@acme.example")
    acme = two_orgs["acme"]
    saved = client.post(
        f"/a/{acme}/commentary",
        data={"actions-0-action": "Ours", "actions-0-action_id": str(theirs.id), "actions-1-action_id": "x"},
    )
    assert saved.status_code == 302
    assert [(i.action, i.id != theirs.id) for i in plan(app, acme)] == [("Ours", True)]
    assert [(i.id, i.action) for i in plan(app, globex)] == [(theirs.id, "Theirs")]


def test_without_its_questionnaire_the_statements_are_kept(app, client, acme, monkeypatch) -> None:
    client.post(
        f"/a/{acme}/commentary",
        data={"actions-0-action": "Run the workshop", "actions-0-statements": ["k03", "k07"]},
    )
    monkeypatch.setattr(report_routes, "get_questionnaire", lambda _id: None)
    page = client.get(f"/a/{acme}/commentary").get_data(as_text=True)
    assert "action-row__statements" not in page
    values = shown_form(page)
    values["actions-0-action"] = "Run the joint workshop"
    assert client.post(f"/a/{acme}/commentary", data=values).status_code == 302
    assert rows(app, acme) == [("Run the joint workshop", "k03 k07", None)]
    # The service cannot check new ones without it.
    with pytest.raises(FieldInvalid) as refused, app.app_context(), db.write_session() as session:
        services.save_commentary(
            session, get_assessment(session, acme), "", [services.ActionInput("New", statements=("k01",))]
        )
    assert refused.value.field == "actions-0-statements"
