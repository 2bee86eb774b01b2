"""The consultants' workspace: organizations, assessments, monitoring, settings, import and export."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey_app import create_app, db
from survey_app.assessments import get_assessment
from survey_app.models import (
    Assessment,
    AssessmentStatus,
    Invitation,
    Organization,
    Response,
    ResponseSource,
    Team,
    User,
)
from survey_app.responses import MAX_IMPORT_BYTES
from survey_app.workspace.services import closing_day, opening_day

from helpers import (
    ITEM_IDS,
    TEST_SECRET,
    csrf_token,
    csv_text,
    post_file,
    sign_in_with_csrf,
    signed_in,
    uniform,
)

SLUG = "acme-spring-review"
OTHER_SLUG = "globex-autumn"


@pytest.fixture
def world(make_assessment, make_user) -> None:
    """Acme (assessment ``acme-spring-review``) and Globex, with one user of each kind."""
    make_assessment(organization="Acme", name="Spring review")
    make_assessment(organization="Globex", name="Autumn")
    make_user("admin@example.com", "admin")
    make_user("c@example.com", "consultant", organization="Acme")
    make_user("globex-c@example.com", "consultant", organization="Globex")
    make_user("lead@example.com", "leader", organization="Acme")
    make_user("globex-lead@example.com", "leader", organization="Globex")


@pytest.fixture
def consultant(app, world) -> FlaskClient:
    """Signed in as the consultant assigned to Acme."""
    return signed_in(app, "c@example.com")


def text_of(response) -> str:
    """The page as text, entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def field_error(page: str, field_id: str) -> str:
    """The error shown next to a field (empty when there is none)."""
    found = re.search(rf'<div id="{re.escape(field_id)}-error">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def load(app: Flask, slug: str) -> Assessment:
    """An assessment with its teams, fresh from the database."""
    with app.app_context():
        return get_assessment(db.get_session(), slug)


def response_count(app: Flask) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count(Response.id)))


def set_headcounts(app: Flask, slug: str, **headcounts: int) -> None:
    with app.app_context(), db.write_session() as session:
        for team in get_assessment(session, slug).teams:
            if team.key in headcounts:
                team.headcount = headcounts[team.key]


def assessment_form(**overrides: str) -> dict[str, str]:
    """A valid new-assessment form with a third team, headcounts and dates."""
    data = {
        "name": "Q3 check",
        "questionnaire": "kotler-2006",
        "teams-0-name": "Sales",
        "teams-0-headcount": "40",
        "teams-1-name": "Marketing",
        "teams-1-headcount": "12",
        "teams-2-name": "Customer Success",
        "teams-2-headcount": "8",
        "teams-3-name": "",
        "teams-3-headcount": "",
        "teams-4-name": "",
        "teams-4-headcount": "",
        "min_group_size": "4",
        "opens_on": "2030-06-01",
        "closes_on": "2030-06-30",
        "purpose": "To see where the two teams agree.",
    }
    data.update(overrides)
    return data


# --- Organizations -----------------------------------------------------------------------------------


def test_consultant_creates_an_organization_and_is_assigned_to_it(app, consultant) -> None:
    response = consultant.post("/workspace/organizations/new", data={"name": "  Initech  "})
    assert response.status_code == 302
    # A consultant's organization gets a random suffix, so its slug never depends on
    # other consultants' clients.
    slug = response.headers["Location"].removeprefix("/o/")
    assert re.fullmatch(r"initech-[a-z2-9]{5}", slug), slug
    with app.app_context():
        session = db.get_session()
        org = session.scalar(select(Organization).where(Organization.slug == slug))
        assert org is not None
        assert org.name == "Initech"
        user = session.scalar(select(User).where(User.email == "c@example.com"))
        assert sorted(o.name for o in user.assigned_organizations) == ["Acme", "Initech"]
    page = consultant.get(f"/o/{slug}")
    assert page.status_code == 200
    assert "Initech: 0 assessments" in text_of(page)
    assert "Initech" in text_of(consultant.get("/workspace"))


def test_admin_creates_an_organization_without_being_assigned(app, world) -> None:
    admin = signed_in(app, "admin@example.com")
    assert admin.post("/workspace/organizations/new", data={"name": "Initech"}).status_code == 302
    with app.app_context():
        user = db.get_session().scalar(select(User).where(User.email == "admin@example.com"))
        assert user.assigned_organizations == []
    assert admin.get("/o/initech").status_code == 200


def test_a_name_the_consultant_already_has_is_refused_next_to_the_field(app, consultant) -> None:
    response = consultant.post("/workspace/organizations/new", data={"name": "ACME"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "name") == "Error: You already have an organization named ACME."
    assert 'value="ACME"' in page
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Organization.id))) == 2


def test_another_consultants_client_of_the_same_name_is_never_revealed(app, consultant) -> None:
    """Globex is Globex's consultant's client: Acme's consultant makes a Globex of their own, and
    nothing in the answer (message, slug, pages) shows that the other one exists."""
    response = consultant.post("/workspace/organizations/new", data={"name": "Globex"})
    assert response.status_code == 302
    slug = response.headers["Location"].removeprefix("/o/")
    assert slug != "globex"
    assert re.fullmatch(r"globex-[a-z2-9]{5}", slug), slug
    home = text_of(consultant.get("/workspace"))
    assert home.count(">Globex</a>") == 1  # only their own
    assert "autumn" not in home.lower()  # the other Globex's assessment
    assert "Globex: 0 assessments" in text_of(consultant.get(f"/o/{slug}"))
    other = signed_in(app, "globex-c@example.com")
    assert "Globex" in text_of(other.get("/workspace"))
    assert other.get(f"/o/{slug}").status_code == 404
    admin = signed_in(app, "admin@example.com")
    assert text_of(admin.get("/workspace")).count("Globex") >= 2


def test_an_admin_is_told_of_any_organization_of_the_same_name(app, world) -> None:
    admin = signed_in(app, "admin@example.com")
    page = admin.post("/workspace/organizations/new", data={"name": "globex"}).get_data(as_text=True)
    assert field_error(page, "name") == "Error: There already is an organization named globex."


def test_empty_organization_name_is_refused(consultant) -> None:
    page = consultant.post("/workspace/organizations/new", data={"name": "   "}).get_data(as_text=True)
    assert field_error(page, "name") == "Error: Enter the organization's name."


def test_home_lists_only_the_consultants_organizations_with_their_assessments(
    consultant, add_answers
) -> None:
    add_answers(SLUG, "sales", [uniform(3)] * 2)
    page = text_of(consultant.get("/workspace"))
    assert "Acme" in page
    assert "Globex" not in page
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"/a/acme-spring-review\">Spring review</a></th>(.*?)</tr>",
        page,
        re.S,
    )
    assert row is not None
    assert "Open: taking responses" in row.group(1)
    assert '<td class="num">2</td>' in row.group(1)
    assert "New organization" in page


def test_admin_sees_every_organization(app, world) -> None:
    page = text_of(signed_in(app, "admin@example.com").get("/workspace"))
    assert "Acme" in page
    assert "Globex" in page


def test_leader_goes_straight_to_their_assessment_and_links_to_results(app, world) -> None:
    leader = signed_in(app, "lead@example.com")
    response = leader.get("/workspace")
    assert response.status_code == 302
    assert response.headers["Location"] == "/a/acme-spring-review/releases"  # nothing released yet
    page = text_of(leader.get("/o/acme"))
    assert 'href="/a/acme-spring-review/results"' in page
    assert "New assessment" not in page


def test_organization_page_offers_new_assessment_to_staff(consultant) -> None:
    page = text_of(consultant.get("/o/acme"))
    assert "Acme: 1 assessment" in page
    assert 'href="/o/acme/assessments/new"' in page
    assert 'href="/a/acme-spring-review"' in page


# --- New assessments ---------------------------------------------------------------------------------


def test_new_assessment_form_starts_with_sales_marketing_and_the_default_group(app, consultant) -> None:
    page = consultant.get("/o/acme/assessments/new").get_data(as_text=True)
    assert 'name="teams-0-name" type="text" value="Sales"' in page
    assert 'name="teams-1-name" type="text" value="Marketing"' in page
    assert 'name="teams-2-name" type="text" value=""' in page
    assert f'name="min_group_size" size="6" type="number" value="{app.config["DEFAULT_MIN_GROUP"]}"' in page
    assert '<option selected value="kotler-2006">' in page


def test_consultant_creates_an_assessment_with_an_extra_team_headcounts_and_dates(app, consultant) -> None:
    response = consultant.post("/o/acme/assessments/new", data=assessment_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/a/acme-q3-check"
    created = load(app, "acme-q3-check")
    assert created.organization.name == "Acme"
    assert created.questionnaire_id == "kotler-2006"
    assert [(t.key, t.name, t.headcount) for t in created.teams] == [
        ("sales", "Sales", 40),
        ("marketing", "Marketing", 12),
        ("customer-success", "Customer Success", 8),
    ]
    assert created.min_group_size == 4
    assert opening_day(created) == date(2030, 6, 1)
    assert closing_day(created) == date(2030, 6, 30)
    assert created.purpose == "To see where the two teams agree."
    with app.app_context():
        creator = db.get_session().scalar(select(User.id).where(User.email == "c@example.com"))
    assert created.created_by_id == creator
    # The closing date is the last day that takes responses.
    assert created.is_accepting(datetime(2030, 6, 30, 22, 0, tzinfo=UTC))
    assert not created.is_accepting(datetime(2030, 7, 1, 0, 0, 1, tzinfo=UTC))
    assert not created.is_accepting(datetime(2030, 5, 31, 23, 0, tzinfo=UTC))


def test_renamed_sales_and_marketing_teams_keep_their_ids(app, consultant) -> None:
    form = assessment_form(
        **{"teams-0-name": "Vertrieb", "teams-1-name": "Marketing DACH", "teams-2-name": ""}
    )
    form["teams-2-headcount"] = ""
    assert consultant.post("/o/acme/assessments/new", data=form).status_code == 302
    teams = load(app, "acme-q3-check").teams
    assert [(t.key, t.name) for t in teams] == [("sales", "Vertrieb"), ("marketing", "Marketing DACH")]


def test_validation_errors_name_the_field_and_keep_what_was_typed(app, consultant) -> None:
    form = assessment_form(
        name="",
        min_group_size="2",
        opens_on="2030-06-10",
        closes_on="2030-06-01",
        purpose="Typed <purpose> text",
        **{"teams-2-headcount": "abc", "teams-3-name": "Partners"},
    )
    response = consultant.post("/o/acme/assessments/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "name") == "Error: Enter a name for the assessment."
    assert "at least 3" in field_error(page, "min_group_size")
    assert field_error(page, "closes_on") == "Error: The closing date must not be before the opening date."
    assert field_error(page, "teams-2-headcount") == "Error: Enter a whole number, such as 12."
    assert 'value="Customer Success"' in page
    assert 'value="Partners"' in page
    assert 'value="abc"' in page
    assert 'value="2030-06-10"' in page
    assert 'value="2"' in page
    assert "Typed &lt;purpose&gt; text</textarea>" in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Assessment.id))) == 2


def test_minimum_group_below_three_is_refused(app, consultant) -> None:
    page = consultant.post("/o/acme/assessments/new", data=assessment_form(min_group_size="2")).get_data(
        as_text=True
    )
    assert field_error(page, "min_group_size") == (
        "Error: The minimum group size must be at least 3, so that no one's answers can be picked out."
    )
    with app.app_context():
        assert db.get_session().scalar(select(Assessment).where(Assessment.name == "Q3 check")) is None


def test_missing_minimum_group_is_refused(consultant) -> None:
    page = consultant.post("/o/acme/assessments/new", data=assessment_form(min_group_size="")).get_data(
        as_text=True
    )
    assert field_error(page, "min_group_size") == "Error: Enter the minimum group size."


def test_closing_date_before_opening_is_refused(app, consultant) -> None:
    response = consultant.post(
        "/o/acme/assessments/new", data=assessment_form(opens_on="2030-06-02", closes_on="2030-06-01")
    )
    assert response.status_code == 200
    assert "must not be before the opening date" in field_error(response.get_data(as_text=True), "closes_on")
    with app.app_context():
        assert db.get_session().scalar(select(Assessment).where(Assessment.name == "Q3 check")) is None


def test_duplicate_assessment_and_team_names_are_refused_on_their_fields(consultant) -> None:
    page = consultant.post("/o/acme/assessments/new", data=assessment_form(name="spring REVIEW")).get_data(
        as_text=True
    )
    assert "already has an assessment named" in field_error(page, "name")
    page = consultant.post(
        "/o/acme/assessments/new", data=assessment_form(**{"teams-2-name": "sales"})
    ).get_data(as_text=True)
    assert field_error(page, "teams-2-name") == "Error: Another team is already called 'sales'."


def test_sales_and_marketing_teams_are_required(consultant) -> None:
    page = consultant.post("/o/acme/assessments/new", data=assessment_form(**{"teams-1-name": " "})).get_data(
        as_text=True
    )
    assert field_error(page, "teams-1-name") == "Error: Enter the name of the marketing team."


def test_a_headcount_needs_a_team_and_must_be_positive(consultant) -> None:
    page = consultant.post(
        "/o/acme/assessments/new",
        data=assessment_form(**{"teams-3-headcount": "5", "teams-0-headcount": "0"}),
    ).get_data(as_text=True)
    assert field_error(page, "teams-0-headcount") == "Error: The headcount must be at least 1."
    page = consultant.post(
        "/o/acme/assessments/new", data=assessment_form(**{"teams-3-headcount": "5"})
    ).get_data(as_text=True)
    assert field_error(page, "teams-3-name") == "Error: Enter the team's name, or clear its headcount."


def test_each_of_two_clients_of_one_name_gets_its_own_assessment(app, make_user) -> None:
    """The page names the organization by its row, not by its name, which two clients may share."""
    slugs = []
    for email in ("c1@example.com", "c2@example.com"):
        make_user(email, "consultant")
        client = signed_in(app, email)
        org_slug = client.post("/workspace/organizations/new", data={"name": "Acme"}).headers["Location"]
        response = client.post(f"{org_slug}/assessments/new", data=assessment_form())
        assert response.status_code == 302, field_error(text_of(response), "name")
        slugs.append((org_slug.removeprefix("/o/"), response.headers["Location"].removeprefix("/a/")))
    for org_slug, slug in slugs:
        assert load(app, slug).organization.slug == org_slug


# --- Monitor -----------------------------------------------------------------------------------------


def add_invitation(app: Flask, slug: str, team_key: str, name: str, *, sent: bool, answered: bool) -> None:
    with app.app_context(), db.write_session() as session:
        team = session.scalar(
            select(Team).join(Assessment).where(Assessment.slug == slug, Team.key == team_key)
        )
        session.add(
            Invitation(
                team_id=team.id,
                name=name,
                email=f"{name.split()[0].lower()}@example.com",
                link_salt=name,
                link_hash=f"{name:0<64}"[:64],
                sent_at=datetime.now(UTC) if sent else None,
                has_answered=answered,
            )
        )


def team_row(page: str, team_name: str) -> list[str]:
    """The cells of a team's row in the monitor table, as text."""
    row = re.search(rf'<tr[^>]*>\s*<th scope="row">{re.escape(team_name)} .*?</tr>', page, re.S)
    assert row is not None, team_name
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    ]


def set_dates(app: Flask, slug: str, opened_days_ago: int, closes_in_days: int | None) -> None:
    """Move the assessment's opening (and closing) date around today."""
    now = datetime.now(UTC)
    with app.app_context(), db.write_session() as session:
        found = get_assessment(session, slug)
        found.opens_at = now - timedelta(days=opened_days_ago)
        found.closes_at = None if closes_in_days is None else now + timedelta(days=closes_in_days)


def test_monitor_shows_counts_rates_and_a_low_rate_warning(app, consultant, add_answers) -> None:
    set_headcounts(app, SLUG, sales=20, marketing=10)
    set_dates(app, SLUG, opened_days_ago=10, closes_in_days=20)
    add_answers(SLUG, "sales", [uniform(4)] * 3 + [uniform(2, answered=5)])
    add_answers(SLUG, "marketing", [uniform(3)] * 6)
    add_invitation(app, SLUG, "sales", "Alice Example", sent=True, answered=True)
    add_invitation(app, SLUG, "sales", "Bob Example", sent=False, answered=False)
    response = consultant.get(f"/a/{SLUG}")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Spring review: 10 responses so far</h1>" in page
    # responses, complete, incomplete, headcount, rate, invitations, e-mailed, answered, in results
    assert team_row(page, "Sales") == [
        "4",
        "3",
        "1",
        "20",
        "20% ▲ Low: below 30%",
        "2",
        "1",
        "1",
        "✕ None yet",
    ]
    assert team_row(page, "Marketing") == ["6", "6", "0", "10", "60%", "0", "0", "0", "✓ 6"]
    assert '<tr class="highlight">\n      <th scope="row">Sales' in page
    assert "Low response rate." in page
    # Counts only: no invited person is named.
    assert "Alice" not in page
    assert "alice@example.com" not in page


def test_a_new_survey_is_not_flagged_low_on_its_first_day(app, consultant, add_answers) -> None:
    set_headcounts(app, SLUG, sales=20, marketing=10)
    add_answers(SLUG, "sales", [uniform(4)])
    page = text_of(consultant.get(f"/a/{SLUG}"))
    assert team_row(page, "Sales")[4] == "5%"
    assert "Low" not in page
    assert 'class="highlight"' not in page
    week = datetime.now(UTC).date() + timedelta(days=7)
    assert f"Response rates are judged from {week.day} {week:%B %Y}" in page


@pytest.mark.parametrize(
    ("opened_days_ago", "closes_in_days", "is_flagged"),
    [
        (2, 28, False),  # 2 of 30 days: too early
        (8, 22, True),  # past a quarter of the period
        (3, None, False),  # no closing date: judged after a week
        (8, None, True),
    ],
)
def test_low_rates_are_flagged_once_a_share_of_the_survey_period_has_passed(
    app, consultant, add_answers, opened_days_ago: int, closes_in_days: int | None, is_flagged: bool
) -> None:
    set_headcounts(app, SLUG, sales=20)
    set_dates(app, SLUG, opened_days_ago, closes_in_days)
    add_answers(SLUG, "sales", [uniform(4)])
    page = text_of(consultant.get(f"/a/{SLUG}"))
    assert ("Low: below 30%" in page) is is_flagged
    assert ("Low response rate." in page) is is_flagged


def test_monitor_without_headcount_shows_no_rate_and_no_warning(consultant, add_answers) -> None:
    add_answers(SLUG, "sales", [uniform(4)])
    page = text_of(consultant.get(f"/a/{SLUG}"))
    assert team_row(page, "Sales")[3:5] == ["–not set", "No headcount"]
    assert "Low response rate." not in page


def test_monitor_links_to_distribution_results_import_export_and_settings(consultant) -> None:
    page = consultant.get(f"/a/{SLUG}").get_data(as_text=True)
    for path in ("distribute", "results", "import", "responses.csv", "settings"):
        assert f'href="/a/{SLUG}/{path}"' in page


def test_handing_out_the_links_is_the_first_action_and_closing_comes_last(consultant) -> None:
    page = consultant.get(f"/a/{SLUG}").get_data(as_text=True)
    main = page[page.index("<main") :]
    first_action = re.search(r'<(a|button)\b[^>]*class="button[^"]*"[^>]*>(.*?)</\1>', main, re.S)
    assert first_action is not None
    assert first_action.group(2).strip() == "Hand out survey links and invitations"
    assert f'href="/a/{SLUG}/distribute"' in first_action.group(0)
    assert "Close the survey now" not in page
    assert 'value="close"' not in page  # closing is never one click away
    assert main.index(f'href="/a/{SLUG}/close"') > main.index("Progress per team")


def test_closing_asks_for_confirmation_first(app, consultant) -> None:
    response = consultant.post(f"/a/{SLUG}/status", data={"action": "close"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/a/{SLUG}/close"
    assert load(app, SLUG).status is AssessmentStatus.OPEN

    page = text_of(consultant.get(f"/a/{SLUG}/close"))
    assert "<h1>Close the survey “Spring review”?</h1>" in page
    assert 'name="action" type="hidden" value="close"' in page
    assert 'name="confirm" type="hidden" value="yes"' in page
    assert f'href="/a/{SLUG}">Keep it open</a>' in page
    done = consultant.post(f"/a/{SLUG}/status", data={"action": "close", "confirm": "yes"})
    assert done.status_code == 302
    assert load(app, SLUG).status is AssessmentStatus.CLOSED


def test_the_confirmation_page_of_a_closed_survey_goes_back_to_the_assessment(app, consultant) -> None:
    consultant.post(f"/a/{SLUG}/status", data={"action": "close", "confirm": "yes"})
    response = consultant.get(f"/a/{SLUG}/close")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/a/{SLUG}"


def test_close_and_reopen_change_the_status(app, consultant) -> None:
    response = consultant.post(f"/a/{SLUG}/status", data={"action": "close", "confirm": "yes"})
    assert response.status_code == 302
    assert load(app, SLUG).status is AssessmentStatus.CLOSED
    page = text_of(consultant.get(f"/a/{SLUG}"))
    assert "Closed: not taking responses" in page
    assert 'value="reopen"' in page
    consultant.post(f"/a/{SLUG}/status", data={"action": "reopen"})
    assert load(app, SLUG).status is AssessmentStatus.OPEN
    assert "The assessment is open again: the survey links take responses." in text_of(
        consultant.get(f"/a/{SLUG}")
    )


def test_unknown_status_action_is_refused(app, consultant) -> None:
    assert consultant.post(f"/a/{SLUG}/status", data={"action": "delete"}).status_code == 400
    assert load(app, SLUG).status is AssessmentStatus.OPEN


def test_reopening_after_the_closing_date_says_no_responses_are_taken(app, consultant) -> None:
    with app.app_context(), db.write_session() as session:
        found = get_assessment(session, SLUG)
        found.closes_at = datetime.now(UTC) - timedelta(days=3)
        found.close()
    page = text_of(consultant.post(f"/a/{SLUG}/status", data={"action": "reopen"}, follow_redirects=True))
    assert "it takes no responses yet: Closing date passed" in page
    assert load(app, SLUG).status is AssessmentStatus.OPEN


# --- Settings ----------------------------------------------------------------------------------------


def settings_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Spring review",
        "purpose": "",
        "opens_on": "",
        "closes_on": "",
        "min_group_size": "5",
        "teams-0-name": "Sales",
        "teams-0-headcount": "",
        "teams-1-name": "Marketing",
        "teams-1-headcount": "",
        "teams-2-name": "",
        "teams-2-headcount": "",
        "teams-3-name": "",
        "teams-3-headcount": "",
        "teams-4-name": "",
        "teams-4-headcount": "",
    }
    data.update(overrides)
    return data


def test_settings_change_everything_before_the_first_response(app, consultant) -> None:
    page = consultant.get(f"/a/{SLUG}/settings").get_data(as_text=True)
    assert 'name="min_group_size"' in page
    assert 'value="Sales"' in page
    response = consultant.post(
        f"/a/{SLUG}/settings",
        data=settings_form(
            name="Spring review 2030",
            purpose="Why we ask",
            opens_on="2030-04-01",
            closes_on="2030-04-01",
            min_group_size="3",
            **{"teams-0-name": "Vertrieb", "teams-0-headcount": "9", "teams-2-name": "Partners"},
        ),
    )
    assert response.status_code == 302
    changed = load(app, SLUG)
    assert changed.name == "Spring review 2030"
    assert changed.purpose == "Why we ask"
    assert opening_day(changed) == closing_day(changed) == date(2030, 4, 1)
    assert changed.min_group_size == 3
    assert [(t.key, t.name, t.headcount) for t in changed.teams] == [
        ("sales", "Vertrieb", 9),
        ("marketing", "Marketing", None),
        ("partners", "Partners", None),
    ]
    assert len({t.link_hash for t in changed.teams}) == 3


def test_settings_refuse_removing_a_team(app, consultant) -> None:
    page = consultant.post(f"/a/{SLUG}/settings", data=settings_form(**{"teams-1-name": ""})).get_data(
        as_text=True
    )
    assert "a team cannot be removed" in field_error(page, "teams-1-name")
    assert [t.name for t in load(app, SLUG).teams] == ["Sales", "Marketing"]


def test_settings_lock_the_group_size_and_teams_after_the_first_response(
    app, consultant, add_answers
) -> None:
    add_answers(SLUG, "sales", [uniform(4)])
    page = text_of(consultant.get(f"/a/{SLUG}/settings"))
    assert "Responses have arrived, so the teams and the minimum group size are fixed." in page
    assert 'name="min_group_size"' not in page
    assert 'name="teams-0-name"' not in page
    assert 'name="teams-0-headcount"' in page
    assert "5 complete responses per team (fixed: responses have arrived)" in page

    locked_form = settings_form(min_group_size="7")
    del locked_form["teams-0-name"], locked_form["teams-1-name"]
    page = consultant.post(f"/a/{SLUG}/settings", data=locked_form).get_data(as_text=True)
    assert "The minimum group size cannot change once responses have arrived (it stays 5)." in page
    assert load(app, SLUG).min_group_size == 5

    page = consultant.post(
        f"/a/{SLUG}/settings", data=settings_form(min_group_size="", **{"teams-2-name": "Partners"})
    ).get_data(as_text=True)
    assert "Error: </span>Teams cannot change once responses have arrived." in page
    page = consultant.post(
        f"/a/{SLUG}/settings", data=settings_form(min_group_size="", **{"teams-0-name": "Vertrieb"})
    ).get_data(as_text=True)
    assert "Error: </span>Teams cannot change once responses have arrived." in page
    assert [t.name for t in load(app, SLUG).teams] == ["Sales", "Marketing"]

    # What the locked page sends: name, dates and headcounts still change.
    allowed = settings_form(name="Renamed", **{"teams-0-headcount": "12"})
    for key in (
        "min_group_size",
        "teams-0-name",
        "teams-1-name",
        "teams-2-name",
        "teams-3-name",
        "teams-4-name",
    ):
        del allowed[key]
    assert consultant.post(f"/a/{SLUG}/settings", data=allowed).status_code == 302
    changed = load(app, SLUG)
    assert changed.name == "Renamed"
    assert changed.teams[0].headcount == 12
    assert changed.min_group_size == 5


# --- Import ------------------------------------------------------------------------------------------

HEADER = ["team", *ITEM_IDS, "comment"]


def upload(client: FlaskClient, data: bytes, follow: bool = False):
    """Post ``data`` as the import form's file."""
    return post_file(client, f"/a/{SLUG}/import", "csv_file", "responses.csv", data, follow_redirects=follow)


def test_a_good_csv_is_imported_and_the_counts_are_shown(app, consultant) -> None:
    rows = [
        ["sales", *[4] * 20, "fine"],
        ["Sales", *[3] * 20, ""],
        ["sales", *[2] * 5, *[None] * 15, ""],
        ["marketing", *[5] * 20, ""],
    ]
    response = upload(consultant, b"\xef\xbb\xbf" + csv_text(HEADER, rows), follow=True)
    page = text_of(response)
    assert (
        "Imported 4 responses as batch 1."
        " Sales: 3 imported, 1 incomplete; Marketing: 1 imported, 0 incomplete." in page
    )
    assert response.request.path == f"/a/{SLUG}"
    with app.app_context():
        sources = db.get_session().scalars(select(Response.source)).all()
    assert sources == [ResponseSource.IMPORT] * 4


def test_a_bad_csv_lists_every_problem_like_the_command_line_and_imports_nothing(
    app, consultant, runner, tmp_path: Path
) -> None:
    rows = [
        ["sales", *[4] * 20, ""],
        ["finance", *[4] * 20, ""],
        ["marketing", 7, *[3] * 19, ""],
    ]
    data = csv_text(HEADER, rows)
    response = upload(consultant, data)
    assert response.status_code == 200
    page = text_of(response)
    assert "Nothing was imported." in page
    assert "line 3, column team: unknown team 'finance' (known: sales, marketing)" in page
    assert "line 4, column k01: 7 is out of range (1–5)" in page
    assert response_count(app) == 0
    # The same messages as `flask responses import`.
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["responses", "import", SLUG, str(path)])
    assert result.exit_code == 1
    cli_problems = [line.strip() for line in result.output.splitlines() if line.startswith("  line")]
    assert len(cli_problems) == 2
    for problem in cli_problems:
        assert f"<li>{problem}</li>" in page


def test_a_file_with_a_bad_header_imports_nothing(app, consultant) -> None:
    page = text_of(upload(consultant, b"team,k01,extra\nsales,3,\n"))
    assert "line 1, column extra: unknown column" in page
    assert "line 1, column k02: missing column" in page
    assert response_count(app) == 0


def test_a_too_large_file_is_refused_with_a_message(app, consultant) -> None:
    data = csv_text(HEADER, []) + b" " * MAX_IMPORT_BYTES
    page = upload(consultant, data).get_data(as_text=True)
    assert (
        field_error(page, "csv_file")
        == "Error: The file is larger than 5 MB. Split it into smaller files and import each."
    )
    assert response_count(app) == 0


def test_import_without_a_file_asks_for_one(consultant) -> None:
    page = consultant.post(f"/a/{SLUG}/import", data={}, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert field_error(page, "csv_file") == "Error: Choose a CSV file to import."


def test_import_page_explains_the_format_with_the_teams(consultant) -> None:
    page = text_of(consultant.get(f"/a/{SLUG}/import"))
    assert "<code>k01</code> to <code>k20</code>" in page
    assert "<code>sales</code> (Sales)" in page
    assert 'enctype="multipart/form-data"' in page


# --- Export ------------------------------------------------------------------------------------------


def test_export_has_a_bom_the_import_header_and_leaves_out_withheld_teams(
    app, consultant, add_answers
) -> None:
    add_answers(SLUG, "sales", [uniform(4)] * 4 + [uniform(2, answered=18)])
    add_answers(SLUG, "marketing", [uniform(3)] * 4)  # below the minimum group of 5
    response = consultant.get(f"/a/{SLUG}/responses.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{SLUG}-responses.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["team", "source", *ITEM_IDS, "comment"]
    assert [row[:2] for row in rows[1:]] == [["sales", "import"]] * 5  # stored without a batch
    assert sorted(row[2:] for row in rows[1:]) == sorted(
        [["4"] * 20 + [""]] * 4 + [["2"] * 18 + ["", "", ""]]
    )


def test_export_order_does_not_follow_submission_order(consultant, add_answers) -> None:
    # 25 distinguishable complete responses, stored in the order of their totals (as an
    # index on team and total would also return them, were the rows not shuffled).
    submitted = [uniform(value, answered) for value in range(1, 6) for answered in range(16, 21)]
    add_answers(SLUG, "sales", submitted)
    rows = list(csv.reader(io.StringIO(consultant.get(f"/a/{SLUG}/responses.csv").data.decode("utf-8-sig"))))
    exported = [row[2:22] for row in rows[1:]]
    in_order = [["" if v is None else str(v) for v in answers.values()] for answers in submitted]
    assert sorted(exported) == sorted(in_order)
    assert exported != in_order  # a shuffle of 25 rows keeps their order once in 25! times


def test_export_round_trips_through_the_import(app, consultant, add_answers) -> None:
    add_answers(SLUG, "sales", [uniform(4)] * 5)
    add_answers(SLUG, "marketing", [uniform(3)] * 5)
    exported = consultant.get(f"/a/{SLUG}/responses.csv").data
    assert "Imported 10 responses as batch 1." in text_of(upload(consultant, exported, follow=True))
    assert response_count(app) == 20


def test_export_neutralises_spreadsheet_formulas_in_comments(app, consultant) -> None:
    rows = [["sales", *[4] * 20, "=HYPERLINK(1)"]] * 5
    upload(consultant, csv_text(HEADER, rows))
    exported = consultant.get(f"/a/{SLUG}/responses.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in exported
    assert ",=HYPERLINK" not in exported


# --- Authorization -----------------------------------------------------------------------------------

# (method, path, form data, what a leader of Acme gets, what an allowed user gets)
ROUTES = [
    ("get", "/o/acme", None, 200, 200),
    ("get", "/o/acme/assessments/new", None, 403, 200),
    ("post", "/o/acme/assessments/new", {}, 403, 200),
    ("get", f"/a/{SLUG}", None, 302, 200),
    ("post", f"/a/{SLUG}/status", {"action": "close", "confirm": "yes"}, 403, 302),
    ("get", f"/a/{SLUG}/close", None, 403, 200),
    ("get", f"/a/{SLUG}/settings", None, 403, 200),
    ("post", f"/a/{SLUG}/settings", {}, 403, 200),
    ("get", f"/a/{SLUG}/import", None, 403, 200),
    ("post", f"/a/{SLUG}/import", {}, 403, 200),
    ("get", f"/a/{SLUG}/responses.csv", None, 403, 200),
]


@pytest.mark.parametrize(("method", "path", "data", "leader_status", "allowed_status"), ROUTES)
def test_access_to_organization_pages(
    app, world, method: str, path: str, data: dict | None, leader_status: int, allowed_status: int
) -> None:
    def call(client: FlaskClient):
        return getattr(client, method)(path, data=data)

    anonymous = call(app.test_client())
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/sign-in")
    assert call(signed_in(app, "globex-lead@example.com")).status_code == 404
    assert call(signed_in(app, "globex-c@example.com")).status_code == 404
    as_leader = call(signed_in(app, "lead@example.com"))
    assert as_leader.status_code == leader_status
    if leader_status == 302:
        assert as_leader.headers["Location"] == f"/a/{SLUG}/results"
    assert call(signed_in(app, "admin@example.com")).status_code == allowed_status
    assert call(signed_in(app, "c@example.com")).status_code == allowed_status


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_staff_create_organizations(app, world, method: str) -> None:
    path = "/workspace/organizations/new"
    anonymous = getattr(app.test_client(), method)(path, data={"name": "Initech"})
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/sign-in")
    assert (
        getattr(signed_in(app, "lead@example.com"), method)(path, data={"name": "Initech"}).status_code == 403
    )
    expected = 302 if method == "post" else 200
    assert (
        getattr(signed_in(app, "globex-c@example.com"), method)(path, data={"name": "Initech"}).status_code
        == expected
    )
    with app.app_context():
        created = db.get_session().scalar(
            select(func.count(Organization.id)).where(Organization.name == "Initech")
        )
    assert created == (1 if method == "post" else 0)


@pytest.mark.sqlite_only
def test_workspace_home_needs_sign_in(client) -> None:
    response = client.get("/workspace")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_unknown_slugs_are_not_found(consultant) -> None:
    assert consultant.get("/o/nope").status_code == 404
    assert consultant.get("/a/nope").status_code == 404
    assert consultant.get("/a/nope/responses.csv").status_code == 404


def test_leader_changes_nothing(app, world) -> None:
    leader = signed_in(app, "lead@example.com")
    leader.post(f"/a/{SLUG}/status", data={"action": "close", "confirm": "yes"})
    leader.post(f"/a/{SLUG}/settings", data=settings_form(name="Hijacked"))
    found = load(app, SLUG)
    assert found.status is AssessmentStatus.OPEN
    assert found.name == "Spring review"


# --- CSRF --------------------------------------------------------------------------------------------


def test_forms_refuse_a_post_without_the_csrf_token(database_url: str, tmp_path: Path, world) -> None:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "csrf"),
    )
    assert app.config["WTF_CSRF_ENABLED"] is not False
    client = app.test_client()
    assert sign_in_with_csrf(client, "c@example.com").status_code == 302
    assert client.post(f"/a/{SLUG}/status", data={"action": "close", "confirm": "yes"}).status_code == 400
    assert client.post("/workspace/organizations/new", data={"name": "Initech"}).status_code == 400
    assert load(app, SLUG).status is AssessmentStatus.OPEN
    page = client.get(f"/a/{SLUG}/close").get_data(as_text=True)
    done = client.post(
        f"/a/{SLUG}/status", data={"action": "close", "confirm": "yes", "csrf_token": csrf_token(page)}
    )
    assert done.status_code == 302
    assert load(app, SLUG).status is AssessmentStatus.CLOSED
