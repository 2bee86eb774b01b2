"""Assessment waves: running an assessment again (service, command line, page), its series, and
taking an assessment out of the series and back."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Table, func, select

from survey_app import create_app, db
from survey_app.assessments import get_assessment, new_team, next_wave_name, rerun_assessment, team_links
from survey_app.errors import FieldInvalid
from survey_app.models import (
    ActionItem,
    ActionStatus,
    Assessment,
    AssessmentStatus,
    Base,
    ImportBatch,
    Invitation,
    Organization,
    Team,
    User,
)
from survey_app.report import services as report_services
from survey_app.series import series_of, wave_number
from survey_app.survey.services import find_team
from survey_app.tokens import new_link

from helpers import TEST_SECRET, csrf_token, sign_in_with_csrf, signed_in, uniform

NAME = "Alignment review 2026"
NOW = datetime.now(UTC)

#: Every column of an assessment, and what the next wave has in it. A new column fails
#: ``test_rerun_copies_exactly_the_set_up`` until someone decides whether it is copied.
ASSESSMENT_COLUMNS = {
    "id": "new",
    "organization_id": "copied",
    "slug": "new",
    "name": "given",
    "questionnaire_id": "copied",
    "questionnaire_version": "the catalog's version now",
    "min_group_size": "copied",
    "status": "open",
    "opens_at": "given",
    "closes_at": "given",
    "purpose": "copied",
    "commentary": "empty",
    "invitations_only": "copied",
    "created_by_id": "given",
    "created_at": "now",
    "in_series": "true",
}
TEAM_COLUMNS = {
    "id": "new",
    "assessment_id": "the new wave",
    "key": "copied",
    "name": "copied",
    "position": "copied",
    "headcount": "copied",
    "link_salt": "new",
    "link_hash": "new",
    "pending_web": "zero",
    "pending_import": "zero",
    "burst_sends": "zero",
    "published_version": "zero",
}
ACTION_COLUMNS = {
    "id": "new",
    "assessment_id": "the new wave",
    "position": "copied",
    "action": "copied",
    "owner": "copied",
    "due_on": "copied",
    "status": "copied",
    "statements": "copied",
    "carried_from_id": "the original",
}
ACTIONS = [
    report_services.ActionInput("Run the joint workshop", "Dana", date(2026, 9, 30), "done", ("k03", "k07")),
    report_services.ActionInput("Agree a lead definition", "Sam", None, "in_progress", ("k12",)),
    report_services.ActionInput("Share the funnel dashboard", "", None, "planned"),
]


def columns(row: Base) -> dict[str, object]:
    """A row's values by column name."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<div id="{re.escape(field_id)}-error">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def rerun(app: Flask, slug: str, **options) -> str:
    """Run ``slug`` again through the service (as the pages and the command do); the new slug."""
    kotler = app.extensions["survey_catalog"].get("kotler-2006")
    values = {"name": None, "opens_on": None, "closes_on": None, "created_by": None} | options
    with app.app_context(), db.write_session() as session:
        wave = rerun_assessment(
            session, get_assessment(session, slug), questionnaire=kotler, secret_key=TEST_SECRET, **values
        )
        return wave.slug


def stored(app: Flask, slug: str) -> Assessment:
    with app.app_context():
        assessment = get_assessment(db.get_session(), slug)
        _ = assessment.actions
        return assessment


@pytest.fixture
def source(app, make_assessment, make_user, add_answers, make_release) -> str:
    """Acme's assessment with everything an assessment can have: three teams (one renamed, one
    added), headcounts, answers, a release, an invitation, an import batch, commentary, an
    action plan, dates, a purpose, personal invitations only, closed, out of the series."""
    slug = make_assessment(organization="Acme", name=NAME, min_group=5)
    make_user("c@acme.example", "consultant", organization="Acme")
    make_user("c2@acme.example", "consultant", organization="Acme")
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        assessment.teams[0].name = "Field sales"
        assessment.teams[0].headcount = 40
        assessment.teams[1].headcount = 25
        extra = new_team(TEST_SECRET, "customer-success", "Customer Success", 2)
        assessment.teams.append(extra)
    add_answers(slug, "sales", [uniform(4)] * 5)
    add_answers(slug, "marketing", [uniform(3)] * 2)
    make_release(slug)
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        consultant = session.scalar(select(User).where(User.email == "c@acme.example"))
        kotler = app.extensions["survey_catalog"].get("kotler-2006")
        report_services.save_commentary(session, assessment, "Our reading of wave 1.", ACTIONS, kotler)
        salt, link_hash = new_link(TEST_SECRET, "invitation")
        session.add(
            Invitation(
                team=assessment.teams[0],
                name="Ann",
                email="ann@acme.example",
                link_salt=salt,
                link_hash=link_hash,
            )
        )
        session.add(
            ImportBatch(assessment_id=assessment.id, number=1, sha256="0" * 64, file_name="wave1.csv")
        )
        assessment.teams[0].burst_sends = 3
        assessment.teams[1].pending_web = 2
        assessment.status = AssessmentStatus.CLOSED
        assessment.opens_at = datetime(2026, 1, 5, tzinfo=UTC)
        assessment.closes_at = datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)
        assessment.purpose = "To see where sales and marketing stand."
        assessment.invitations_only = True
        assessment.created_by_id = consultant.id
        assessment.questionnaire_version = 0  # an older version than the catalog's
        assessment.in_series = False
    return slug


def belongings(app: Flask, assessment_id: int) -> dict[str, int]:
    """How many rows of each table belong to the assessment (by ``assessment_id``, or by one of
    its teams' ``team_id``): every table, so a new one is looked at too."""
    with app.app_context():
        session = db.get_session()
        team_ids = list(session.scalars(select(Team.id).where(Team.assessment_id == assessment_id)))
        counts = {}
        for table in Base.metadata.sorted_tables:
            assert isinstance(table, Table)
            if "assessment_id" in table.c:
                where = table.c.assessment_id == assessment_id
            elif "team_id" in table.c:
                where = table.c.team_id.in_(team_ids)
            else:
                continue
            counts[table.name] = session.scalar(select(func.count()).select_from(table).where(where))
        return counts


# --- the service --------------------------------------------------------------------------------------


def test_rerun_copies_exactly_the_set_up(app, source) -> None:
    assert set(Assessment.__table__.columns.keys()) == set(ASSESSMENT_COLUMNS)
    assert set(Team.__table__.columns.keys()) == set(TEAM_COLUMNS)
    assert set(ActionItem.__table__.columns.keys()) == set(ACTION_COLUMNS)
    with app.app_context():
        consultant_id = db.get_session().scalar(select(User.id).where(User.email == "c2@acme.example"))
    before = datetime.now(UTC)
    slug = rerun(
        app,
        source,
        name="  Alignment   review 2027 ",
        opens_on=date(2027, 1, 4),
        closes_on=date(2027, 1, 29),
        created_by=consultant_id,
    )
    old, new = stored(app, source), stored(app, slug)
    old_values, new_values = columns(old), columns(new)
    for column, rule in ASSESSMENT_COLUMNS.items():
        if rule == "copied":
            assert new_values[column] == old_values[column], column
    assert new.id != old.id
    assert slug == "acme-alignment-review-2027"
    assert new.name == "Alignment review 2027"
    assert new.questionnaire_version == 1 != old.questionnaire_version
    assert (new.status, old.status) == (AssessmentStatus.OPEN, AssessmentStatus.CLOSED)
    assert new.opens_at == datetime(2027, 1, 4, tzinfo=UTC)
    assert new.closes_at == datetime(2027, 1, 29, 23, 59, 59, tzinfo=UTC)
    assert (new.commentary, old.commentary) == ("", "Our reading of wave 1.")
    assert new.created_by_id == consultant_id != old.created_by_id
    assert before <= new.created_at <= datetime.now(UTC)
    assert (new.in_series, old.in_series) == (True, False)
    assert new.purpose == "To see where sales and marketing stand."
    assert new.invitations_only is True
    assert new.min_group_size == 5
    # The teams: same keys, names, headcounts and order; new links; nothing waiting.
    assert [t.key for t in new.teams] == ["sales", "marketing", "customer-success"]
    assert [t.name for t in new.teams] == ["Field sales", "Marketing", "Customer Success"]
    assert [t.headcount for t in new.teams] == [40, 25, None]
    for old_team, new_team_ in zip(old.teams, new.teams, strict=True):
        old_row, new_row = columns(old_team), columns(new_team_)
        for column, rule in TEAM_COLUMNS.items():
            if rule == "copied":
                assert new_row[column] == old_row[column], column
            elif rule == "new":
                assert new_row[column] != old_row[column], column
            elif rule == "zero":
                assert new_row[column] == 0, column
            else:
                assert new_row[column] == new.id, column
    assert (old.teams[0].burst_sends, old.teams[1].pending_web) == (3, 2)
    # The plan: every action, with its status and statements, pointing at the original.
    assert len(new.actions) == len(old.actions) == 3
    for old_action, new_action in zip(old.actions, new.actions, strict=True):
        old_row, new_row = columns(old_action), columns(new_action)
        for column, rule in ACTION_COLUMNS.items():
            if rule == "copied":
                assert new_row[column] == old_row[column], column
        assert new_action.id != old_action.id
        assert new_action.assessment_id == new.id
        assert new_action.carried_from_id == old_action.id
    assert [(a.status, a.statements) for a in new.actions] == [
        (ActionStatus.DONE, "k03 k07"),
        (ActionStatus.IN_PROGRESS, "k12"),
        (ActionStatus.PLANNED, ""),
    ]


def test_rerun_brings_nothing_else(app, source) -> None:
    old_id = stored(app, source).id
    before = belongings(app, old_id)
    for table in ("response", "response_answer", "invitation", "release", "import_batch", "action_item"):
        assert before[table] > 0, table
    slug = rerun(app, source)
    new = stored(app, slug)
    after = belongings(app, new.id)
    assert after.pop("team") == 3
    assert after.pop("action_item") == 3
    assert after == dict.fromkeys(after, 0)
    assert belongings(app, old_id) == before  # the source is untouched


def test_new_links_differ_and_the_old_ones_still_reach_the_old_assessment(app, source) -> None:
    slug = rerun(app, source)
    with app.app_context():
        session = db.get_session()
        old_links = team_links(get_assessment(session, source), TEST_SECRET, "http://x")
        new_links = team_links(get_assessment(session, slug), TEST_SECRET, "http://x")
        assert [link.team for link in old_links] == [link.team for link in new_links]
        assert not {link.url for link in old_links} & {link.url for link in new_links}
        for link in old_links:
            assert find_team(session, link.url.rsplit("/", 1)[1]).assessment.slug == source
        for link in new_links:
            assert find_team(session, link.url.rsplit("/", 1)[1]).assessment.slug == slug


def test_the_default_name_counts_the_waves_and_stays_unique(app, make_assessment) -> None:
    first = make_assessment(organization="Acme", name=NAME)
    second = rerun(app, first)
    assert stored(app, second).name == f"{NAME} — wave 2"
    # From the first again: wave 2 is taken, so wave 3.
    assert stored(app, rerun(app, first)).name == f"{NAME} — wave 3"
    # A name that ends in a wave number gets the next free one.
    assert stored(app, rerun(app, second)).name == f"{NAME} — wave 4"
    numbered = make_assessment(organization="Acme", name="Pulse - Wave 7")
    assert stored(app, rerun(app, numbered)).name == "Pulse — wave 8"
    # Another organization's names do not count.
    other = make_assessment(organization="Globex", name=NAME)
    assert stored(app, rerun(app, other)).name == f"{NAME} — wave 2"


def test_the_default_name_of_a_long_name_fits(app, make_assessment) -> None:
    slug = make_assessment(organization="Acme", name="x" * 200)
    with app.app_context():
        name = next_wave_name(db.get_session(), get_assessment(db.get_session(), slug))
    assert len(name) == 200
    assert name.endswith("x — wave 2")


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"name": NAME.upper()},
            "name",
            f"This organization already has an assessment named {NAME.upper()!r}.",
        ),
        ({"name": "  "}, "name", "Enter a name for the assessment."),
        ({"name": "x" * 201}, "name", "The name must be at most 200 characters long."),
        (
            {"opens_on": date(2027, 2, 1), "closes_on": date(2027, 1, 1)},
            "closes_on",
            "The closing date must not be before the opening date.",
        ),
    ],
)
def test_rerun_refuses_what_creation_refuses_and_stores_nothing(
    app, make_assessment, options, field, message
) -> None:
    slug = make_assessment(organization="Acme", name=NAME)
    with pytest.raises(FieldInvalid) as refused:
        rerun(app, slug, **options)
    assert (refused.value.field, refused.value.reason) == (field, message)
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Assessment.id))) == 1


# --- the series --------------------------------------------------------------------------------------


def set_up(app: Flask, slug: str, **values) -> None:
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        for key, value in values.items():
            setattr(assessment, key, value)


def slugs_of(app: Flask, organization: str, questionnaire_id: str | None = None) -> list[str]:
    with app.app_context():
        session = db.get_session()
        org = session.scalar(select(Organization).where(Organization.name == organization))
        return [a.slug for a in series_of(session, org, questionnaire_id)]


def wave_of(app: Flask, slug: str) -> tuple[int, int] | None:
    with app.app_context():
        session = db.get_session()
        return wave_number(session, get_assessment(session, slug))


def test_series_is_in_order_of_opening_without_others(app, make_assessment) -> None:
    later = make_assessment(organization="Acme", name="Opens later")
    unopened = make_assessment(organization="Acme", name="No opening date")
    earliest = make_assessment(organization="Acme", name="Opened long ago")
    detached = make_assessment(organization="Acme", name="Pilot")
    other_questionnaire = make_assessment(organization="Acme", name="Another questionnaire")
    other_org = make_assessment(organization="Globex", name="Globex review")
    set_up(app, later, opens_at=NOW + timedelta(days=30))
    set_up(app, earliest, opens_at=NOW - timedelta(days=60))
    set_up(app, detached, opens_at=NOW - timedelta(days=10), in_series=False)
    set_up(app, other_questionnaire, questionnaire_id="other-2030", opens_at=NOW - timedelta(days=5))
    set_up(app, other_org, opens_at=NOW - timedelta(days=90))
    # Without an opening date an assessment counts from when it was made (now).
    assert slugs_of(app, "Acme", "kotler-2006") == [earliest, unopened, later]
    assert slugs_of(app, "Acme", "other-2030") == [other_questionnaire]
    assert slugs_of(app, "Globex") == [other_org]
    # By default, the questionnaire of the newest assessment in the series.
    assert slugs_of(app, "Acme") == [earliest, unopened, later]
    set_up(app, other_questionnaire, opens_at=NOW + timedelta(days=60))
    assert slugs_of(app, "Acme") == [other_questionnaire]
    set_up(app, later, in_series=False)
    set_up(app, other_questionnaire, in_series=False)
    assert slugs_of(app, "Acme") == [earliest, unopened]
    set_up(app, earliest, in_series=False)
    set_up(app, unopened, in_series=False)
    assert slugs_of(app, "Acme") == []
    assert wave_of(app, detached) is None
    set_up(app, detached, in_series=True)
    assert wave_of(app, detached) == (1, 1)


def test_a_rerun_is_the_next_wave(app, make_assessment) -> None:
    first = make_assessment(organization="Acme", name=NAME)
    second = rerun(app, first)
    third = rerun(app, second)
    assert slugs_of(app, "Acme") == [first, second, third]
    assert wave_of(app, second) == (2, 3)


# --- the command line --------------------------------------------------------------------------------


def assert_one_line_error(result) -> str:
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:")
    return lines[0]


def test_rerun_command_prints_the_new_slug_last(app, runner, source) -> None:
    result = runner.invoke(args=["assessment", "rerun", source])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "acme-alignment-review-2026-wave-2"
    assert "3 actions of the plan carried over" in result.stdout
    new = stored(app, lines[-1])
    assert new.name == f"{NAME} — wave 2"
    assert [t.key for t in new.teams] == ["sales", "marketing", "customer-success"]
    assert [a.carried_from_id for a in new.actions] == [a.id for a in stored(app, source).actions]
    # Run by the same consultant; open at once, with no closing date.
    assert new.created_by_id == stored(app, source).created_by_id is not None
    assert (new.opens_at, new.closes_at, new.status) == (None, None, AssessmentStatus.OPEN)
    assert new.is_accepting(datetime.now(UTC))


def test_rerun_command_takes_a_name_and_dates(app, runner, make_assessment) -> None:
    slug = make_assessment(organization="Acme", name=NAME)
    result = runner.invoke(
        args=[
            "assessment",
            "rerun",
            slug,
            "--name",
            "Autumn 2026",
            "--opens",
            "2026-10-01",
            "--closes",
            "2026-10-31",
        ]
    )
    assert result.exit_code == 0, result.output
    new = stored(app, result.stdout.strip().splitlines()[-1])
    assert new.name == "Autumn 2026"
    assert (new.opens_at.date(), new.closes_at.date()) == (date(2026, 10, 1), date(2026, 10, 31))


def test_rerun_command_refuses_a_duplicate_name_with_the_rules_message(app, runner, make_assessment) -> None:
    slug = make_assessment(organization="Acme", name=NAME)
    line = assert_one_line_error(runner.invoke(args=["assessment", "rerun", slug, "--name", NAME.lower()]))
    assert line == f"Error: This organization already has an assessment named {NAME.lower()!r}."
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Assessment.id))) == 1


def test_rerun_command_of_an_unknown_slug(runner) -> None:
    line = assert_one_line_error(runner.invoke(args=["assessment", "rerun", "nope"]))
    assert line == "Error: no assessment with slug 'nope'"


# --- the pages ---------------------------------------------------------------------------------------


@pytest.fixture
def world(make_assessment, make_user) -> str:
    """Acme's assessment and Globex's, one user of each kind."""
    slug = make_assessment(organization="Acme", name=NAME)
    make_assessment(organization="Globex", name="Autumn")
    make_user("admin@example.com", "admin")
    make_user("c@example.com", "consultant", organization="Acme")
    make_user("globex-c@example.com", "consultant", organization="Globex")
    make_user("lead@example.com", "leader", organization="Acme")
    make_user("globex-lead@example.com", "leader", organization="Globex")
    return slug


def test_the_assessment_page_offers_to_run_it_again(app, world) -> None:
    page = text_of(signed_in(app, "c@example.com").get(f"/a/{world}"))
    assert f'href="/a/{world}/rerun"' in page
    assert "Run again…" in page
    assert "This is wave 1 of 1 in Acme’s series" in re.sub(r"</?strong>", "", page)
    assert "Leave out of the series" in page


def test_the_form_is_prefilled_and_makes_the_next_wave(app, world, add_answers) -> None:
    client = signed_in(app, "c@example.com")
    page = text_of(client.get(f"/a/{world}/rerun"))
    assert f'value="{NAME} — wave 2"' in page
    assert f'value="{datetime.now(UTC).date().isoformat()}"' in page  # opens today
    assert re.search(r'<input[^>]*id="closes_on"[^>]*value=""', page)
    opens = (NOW + timedelta(days=30)).date()
    response = client.post(
        f"/a/{world}/rerun", data={"name": "Autumn wave", "opens_on": opens.isoformat(), "closes_on": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/a/acme-autumn-wave"
    page = text_of(client.get("/a/acme-autumn-wave"))
    assert "Autumn wave created: the next wave of Alignment review 2026" in page
    assert "This is wave 2 of 2" in re.sub(r"</?strong>", "", page)
    new = stored(app, "acme-autumn-wave")
    with app.app_context():
        consultant_id = db.get_session().scalar(select(User.id).where(User.email == "c@example.com"))
    assert new.created_by_id == consultant_id
    assert (new.opens_at, new.closes_at) == (datetime(opens.year, opens.month, opens.day, tzinfo=UTC), None)


def test_the_forms_errors_are_shown_next_to_their_fields(app, world) -> None:
    client = signed_in(app, "c@example.com")
    response = client.post(f"/a/{world}/rerun", data={"name": NAME.lower(), "opens_on": "2026-10-01"})
    assert response.status_code == 200
    page = text_of(response)
    assert (
        field_error(page, "name")
        == f"Error: This organization already has an assessment named {NAME.lower()!r}."
    )
    response = client.post(
        f"/a/{world}/rerun", data={"name": "Next", "opens_on": "2026-10-01", "closes_on": "2026-09-01"}
    )
    assert (
        field_error(text_of(response), "closes_on")
        == "Error: The closing date must not be before the opening date."
    )
    response = client.post(f"/a/{world}/rerun", data={"name": "Next", "opens_on": "1/10/2026"})
    assert field_error(text_of(response), "opens_on") == "Error: Enter a date such as 2025-05-31."
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Assessment.id))) == 2


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("rerun", None),
        ("rerun", {"name": "Hijacked", "opens_on": ""}),
        ("series", {"series": "out"}),
    ],
)
def test_who_may_run_it_again_or_change_its_series(app, world, path: str, data: dict | None) -> None:
    url = f"/a/{world}/{path}"

    def call(client):
        return client.post(url, data=data) if data is not None else client.get(url)

    anonymous = call(app.test_client())
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/sign-in")
    assert call(signed_in(app, "globex-c@example.com")).status_code == 404
    assert call(signed_in(app, "globex-lead@example.com")).status_code == 404
    assert call(signed_in(app, "lead@example.com")).status_code == 403
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Assessment.id))) == 2
    assert stored(app, world).in_series is True
    expected = 200 if data is None else 302
    assert call(signed_in(app, "admin@example.com")).status_code == expected


def test_an_assessment_is_taken_out_of_the_series_and_put_back(app, world, make_assessment) -> None:
    client = signed_in(app, "c@example.com")
    second = rerun(app, world)
    response = client.post(f"/a/{world}/series", data={"series": "out"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/a/{world}"
    assert stored(app, world).in_series is False
    page = text_of(client.get(f"/a/{world}"))
    assert "The assessment is out of the series: it is left out of the organization's trend." in page
    assert "Left out of the series." in page
    assert "Put back in the series" in page
    assert slugs_of(app, "Acme") == [second]
    assert client.post(f"/a/{world}/series", data={"series": "in"}).status_code == 302
    assert stored(app, world).in_series is True
    page = text_of(client.get(f"/a/{world}"))
    assert "The assessment is back in the series, as wave 1 of 2" in page
    assert slugs_of(app, "Acme") == [world, second]
    assert client.post(f"/a/{world}/series", data={"series": "sideways"}).status_code == 400
    assert stored(app, world).in_series is True


def test_the_organization_page_lists_the_waves_in_order(app, world) -> None:
    client = signed_in(app, "c@example.com")
    assert "Wave 1" not in text_of(client.get("/o/acme"))  # one assessment: no series to show
    second = rerun(app, world)
    set_up(app, world, opens_at=NOW - timedelta(days=100))
    page = text_of(client.get("/o/acme"))
    waves = re.findall(r"<strong>Wave (\d)</strong>: <a href=\"([^\"]+)\">([^<]+)</a>", page)
    assert waves == [("1", f"/a/{world}", NAME), ("2", f"/a/{second}", f"{NAME} — wave 2")]
    # A leader sees them too, linked to the results.
    page = text_of(signed_in(app, "lead@example.com").get("/o/acme"))
    assert f'<strong>Wave 2</strong>: <a href="/a/{second}/results">' in page
    set_up(app, second, in_series=False)
    assert "<strong>Wave 1</strong>" not in text_of(client.get("/o/acme"))


def test_the_forms_refuse_a_post_without_the_csrf_token(database_url: str, tmp_path: Path, world) -> None:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "csrf"),
    )
    assert app.config["WTF_CSRF_ENABLED"] is not False
    client = app.test_client()
    assert sign_in_with_csrf(client, "c@example.com").status_code == 302
    assert client.post(f"/a/{world}/rerun", data={"name": "Next"}).status_code == 400
    assert client.post(f"/a/{world}/series", data={"series": "out"}).status_code == 400
    assert stored(app, world).in_series is True
    token = csrf_token(client.get(f"/a/{world}/rerun").get_data(as_text=True))
    done = client.post(f"/a/{world}/rerun", data={"name": "Next", "csrf_token": token})
    assert done.status_code == 302
    token = csrf_token(client.get(f"/a/{world}").get_data(as_text=True))
    assert client.post(f"/a/{world}/series", data={"series": "out", "csrf_token": token}).status_code == 302
    assert stored(app, world).in_series is False
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Assessment.id))) == 3
