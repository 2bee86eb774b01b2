"""The `flask --app survey_app` commands: users, assessments, links, results, init-db, questionnaires."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from survey_app import create_app, db
from survey_app.models import Assessment, Organization, Role, User
from survey_app.paths import data_folder

from helpers import PASSWORD, TEST_SECRET, results_json, sign_in, signed_in, uniform

STAGES = {"undefined", "defined", "aligned", "integrated"}
TEAM_KEYS = {
    "responses",
    "pending",
    "pending_by_source",
    "incomplete",
    "withheld",
    "score",
    "ci95",
    "sd",
    "stage",
    "dimensions",
    "items",
    "withheld_items",
}
DIMENSIONS = {"communication", "planning", "process_metrics", "culture", "customer", "structure"}
ITEMS = {f"k{n:02d}" for n in range(1, 21)}
LINK = re.compile(r"^(?P<team>\S+) (?P<base>https?://\S+?)/s/(?P<token>[A-Za-z0-9_-]+)$")


# --- helpers -----------------------------------------------------------------------------


def count(app, model) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(model))


def get_user(app, email: str) -> User | None:
    with app.app_context():
        session = db.get_session()
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:  # load what the tests look at before the session closes
            _ = user.organization, list(user.assigned_organizations)
        return user


def assert_one_line_error(result) -> str:
    """A refused command: non-zero exit, exactly one ``Error: …`` line on stderr, no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:")
    return lines[0]


def create(runner, *options: str):
    return runner.invoke(args=["assessment", "create", *options])


def create_ok(runner, org: str = "Acme", name: str = "Spring review", *options: str) -> str:
    result = create(runner, "--org", org, "--name", name, *options)
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


# --- create-user -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "consultant", "leader"])
def test_create_user_with_each_role(app, runner, make_assessment, role):
    make_assessment(organization="Acme")
    result = runner.invoke(
        args=["create-user", "ann@example.com", "--role", role, "--org", "Acme", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "ann@example.com" in result.stdout
    user = get_user(app, "ann@example.com")
    assert user is not None
    assert user.role is Role(role)
    assert user.is_active


@pytest.mark.parametrize("role", ["admin", "consultant"])
def test_admin_and_consultant_need_no_organization(app, runner, role):
    result = runner.invoke(args=["create-user", "bob@example.com", "--role", role, "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    user = get_user(app, "bob@example.com")
    assert user.role is Role(role)
    assert user.organization is None


def test_leader_belongs_to_the_named_organization(app, runner, make_assessment):
    make_assessment(organization="Acme")
    make_assessment(organization="Globex")
    result = runner.invoke(
        args=["create-user", "lea@example.com", "--role", "leader", "--org", "Globex", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert get_user(app, "lea@example.com").organization.name == "Globex"


def test_consultant_with_org_is_assigned_to_it(app, runner, make_assessment):
    make_assessment(organization="Acme")
    result = runner.invoke(
        args=[
            "create-user",
            "con@example.com",
            "--role",
            "consultant",
            "--org",
            "Acme",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert [o.name for o in get_user(app, "con@example.com").assigned_organizations] == ["Acme"]


def test_password_is_prompted_twice_when_left_out(app, runner):
    result = runner.invoke(
        args=["create-user", "pat@example.com", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.stdout
    assert PASSWORD not in result.output  # hidden input is not echoed
    user = get_user(app, "pat@example.com")
    assert check_password_hash(user.password_hash, PASSWORD)


def test_password_is_stored_hashed(app, runner):
    assert (
        runner.invoke(
            args=["create-user", "h@example.com", "--role", "admin", "--password", PASSWORD]
        ).exit_code
        == 0
    )
    user = get_user(app, "h@example.com")
    assert user.password_hash != PASSWORD
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)
    assert not check_password_hash(user.password_hash, PASSWORD + "x")


@pytest.mark.parametrize("password", ["short", "elevenchars"])
def test_short_password_is_refused(app, runner, password):
    result = runner.invoke(args=["create-user", "s@example.com", "--role", "admin", "--password", password])
    line = assert_one_line_error(result)
    assert "12" in line
    assert count(app, User) == 0


def test_twelve_character_password_is_enough(app, runner):
    result = runner.invoke(
        args=["create-user", "t@example.com", "--role", "admin", "--password", "twelve chars"]
    )
    assert result.exit_code == 0, result.output


def test_short_prompted_password_is_refused(app, runner):
    result = runner.invoke(args=["create-user", "s@example.com", "--role", "admin"], input="tiny\ntiny\n")
    assert result.exit_code != 0
    assert "12" in result.stderr
    assert "Traceback" not in result.output
    assert count(app, User) == 0


def test_duplicate_email_is_refused(app, runner):
    first = ["create-user", "dup@example.com", "--role", "admin", "--password", PASSWORD]
    assert runner.invoke(args=first).exit_code == 0
    again = ["create-user", "Dup@Example.com", "--role", "consultant", "--password", PASSWORD + "!"]
    line = assert_one_line_error(runner.invoke(args=again))
    assert "dup@example.com" in line.lower()
    assert count(app, User) == 1
    assert get_user(app, "dup@example.com").role is Role.ADMIN


def test_leader_without_org_is_refused(app, runner):
    result = runner.invoke(
        args=["create-user", "lea@example.com", "--role", "leader", "--password", PASSWORD]
    )
    line = assert_one_line_error(result)
    assert "--org" in line
    assert count(app, User) == 0


@pytest.mark.parametrize("role", ["leader", "consultant"])
def test_unknown_org_is_refused(app, runner, make_assessment, role):
    make_assessment(organization="Acme")
    result = runner.invoke(
        args=["create-user", "x@example.com", "--role", role, "--org", "Initech", "--password", PASSWORD]
    )
    line = assert_one_line_error(result)
    assert "Initech" in line
    assert count(app, User) == 0
    assert count(app, Organization) == 1


def test_unknown_role_is_refused(app, runner):
    result = runner.invoke(args=["create-user", "x@example.com", "--role", "boss", "--password", PASSWORD])
    assert "boss" in assert_one_line_error(result)
    assert count(app, User) == 0


def test_invalid_email_is_refused(app, runner):
    result = runner.invoke(args=["create-user", "not-an-email", "--role", "admin", "--password", PASSWORD])
    assert "not-an-email" in assert_one_line_error(result)
    assert count(app, User) == 0


# --- assessment create -------------------------------------------------------------------


def test_create_prints_slug_last_and_makes_both_teams(app, runner):
    result = create(runner, "--org", "Acme", "--name", "Spring review")
    assert result.exit_code == 0, result.output
    slug = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[a-z0-9-]+", slug)
    data = results_json(runner, slug)
    assert data["assessment"] == slug
    assert data["organization"] == "Acme"
    assert data["questionnaire"] == "kotler-2006"
    assert list(data["teams"]) == ["sales", "marketing"]
    with app.app_context():
        assessment = db.get_session().scalar(select(Assessment).where(Assessment.slug == slug))
        assert assessment.name == "Spring review"
        assert assessment.min_group_size == 5


def test_organization_is_created_once_and_reused(app, runner):
    first = create_ok(runner, "Acme", "Spring review")
    second = create_ok(runner, "Acme", "Autumn review")
    assert first != second
    assert count(app, Organization) == 1
    assert count(app, Assessment) == 2
    assert results_json(runner, second)["organization"] == "Acme"


def test_duplicate_name_in_same_organization_is_refused(app, runner):
    create_ok(runner, "Acme", "Spring review")
    line = assert_one_line_error(create(runner, "--org", "Acme", "--name", "Spring review"))
    assert "Spring review" in line
    assert count(app, Assessment) == 1


def test_same_name_in_another_organization_is_allowed(app, runner):
    one = create_ok(runner, "Acme", "Spring review")
    two = create_ok(runner, "Globex", "Spring review")
    assert one != two
    assert count(app, Organization) == 2


@pytest.mark.parametrize("size", ["2", "0", "-5"])
def test_min_group_below_three_is_refused_and_nothing_is_created(app, runner, size):
    line = assert_one_line_error(create(runner, "--org", "Newco", "--name", "Too small", "--min-group", size))
    assert "3" in line
    assert count(app, Assessment) == 0
    assert count(app, Organization) == 0


def test_min_group_must_be_a_number(app, runner):
    result = create(runner, "--org", "Acme", "--name", "X", "--min-group", "five")
    assert "--min-group" in assert_one_line_error(result)
    assert count(app, Assessment) == 0


def test_unknown_questionnaire_is_refused_listing_available_ones(app, runner):
    result = create(runner, "--org", "Acme", "--name", "X", "--questionnaire", "gallup-q12")
    line = assert_one_line_error(result)
    assert "gallup-q12" in line
    assert "kotler-2006" in line
    assert count(app, Assessment) == 0
    assert count(app, Organization) == 0


@pytest.mark.sqlite_only
def test_required_options_are_enforced(runner):
    assert "--name" in assert_one_line_error(create(runner, "--org", "Acme"))
    assert "--org" in assert_one_line_error(create(runner, "--name", "X"))


def test_default_min_group_is_five(runner, add_answers):
    slug = create_ok(runner)
    add_answers(slug, "sales", [uniform(4)] * 4)
    add_answers(slug, "marketing", [uniform(4)] * 5)
    teams = results_json(runner, slug)["teams"]
    assert teams["sales"] == {
        "responses": 0,
        "pending": 4,
        "pending_by_source": {"web": 0, "import": 4},
        "incomplete": 0,
        "withheld": True,
    }
    assert teams["marketing"]["withheld"] is False
    assert teams["marketing"]["score"] == pytest.approx(80.0)
    add_answers(slug, "sales", [uniform(3)])
    assert results_json(runner, slug)["teams"]["sales"]["score"] == pytest.approx((4 * 80 + 60) / 5)


def test_min_group_three_shows_three_responses(runner, add_answers):
    slug = create_ok(runner, "Acme", "Small", "--min-group", "3")
    add_answers(slug, "sales", [uniform(2)] * 2)
    assert results_json(runner, slug)["teams"]["sales"]["withheld"] is True
    add_answers(slug, "sales", [uniform(5)])
    sales = results_json(runner, slug)["teams"]["sales"]
    assert sales["withheld"] is False
    assert sales["score"] == pytest.approx(60.0)  # 40, 40, 100


def test_long_names_make_a_usable_assessment(runner):
    result = create(runner, "--org", "Omnicorp " + "O" * 70, "--name", "Review " + "N" * 70)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    slug = result.stdout.strip().splitlines()[-1]
    assert len(runner.invoke(args=["assessment", "links", slug]).stdout.splitlines()) == 2


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["--org", "A" * 250, "--name", "Review"], id="organization-name-over-200"),
        pytest.param(["--org", "Acme", "--name", "R" * 250], id="assessment-name-over-200"),
        pytest.param(
            ["--org", "Acme", "--name", "Review", "--min-group", "40000"], id="min-group-over-smallint"
        ),
    ],
)
def test_oversized_values_never_crash_assessment_create(runner, options):
    result = create(runner, *options)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        assert_one_line_error(result)


def test_oversized_email_never_crashes_create_user(runner):
    result = runner.invoke(
        args=["create-user", "a" * 300 + "@example.com", "--role", "admin", "--password", PASSWORD]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        assert_one_line_error(result)


# --- assessment create: the rules of the workspace's page -------------------------------


def web_error(app, field: str, **form: str) -> str:
    """The error the new-assessment page of Acme shows next to ``field`` for this input."""
    client = signed_in(app, "c@example.com")
    data = {
        "name": "Q3 check",
        "questionnaire": "kotler-2006",
        "teams-0-name": "Sales",
        "teams-1-name": "Marketing",
        "min_group_size": "5",
        **form,
    }
    page = client.post("/o/acme/assessments/new", data=data).get_data(as_text=True)
    found = re.search(rf'<div id="{field}-error">(.*?)</div>', page, re.S)
    assert found is not None, page
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


@pytest.mark.parametrize(
    ("name", "min_group", "field"),
    [
        pytest.param("spring REVIEW", "5", "name", id="name-taken-in-another-case"),
        pytest.param("Spring   review", "5", "name", id="name-taken-with-more-spaces"),
        pytest.param("   ", "5", "name", id="name-blank"),
        pytest.param("Q3 check", "2", "min_group_size", id="min-group-below-3"),
        pytest.param("Q3 check", "1001", "min_group_size", id="min-group-over-1000"),
    ],
)
def test_create_refuses_what_the_workspace_page_refuses_in_its_words(
    app, runner, make_user, name, min_group, field
):
    create_ok(runner, "Acme", "Spring review")
    make_user("c@example.com", "consultant", organization="Acme")
    line = assert_one_line_error(create(runner, "--org", "Acme", "--name", name, "--min-group", min_group))
    assert line == web_error(app, field, name=name, min_group_size=min_group)
    assert count(app, Assessment) == 1


def test_create_collapses_spaces_in_the_name_like_the_workspace_page(app, runner):
    slug = create_ok(runner, "Acme", "  Spring \t  review ")
    with app.app_context():
        assert (
            db.get_session().scalar(select(Assessment.name).where(Assessment.slug == slug)) == "Spring review"
        )


# --- assessment links --------------------------------------------------------------------


def links(runner, slug: str) -> list[re.Match]:
    result = runner.invoke(args=["assessment", "links", slug])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    matches = [LINK.match(line) for line in lines]
    assert all(matches), lines
    return matches


def test_links_one_line_per_team_with_default_public_url(runner, make_assessment):
    slug = make_assessment()
    sales, marketing = links(runner, slug)
    assert sales["team"] == "sales"
    assert marketing["team"] == "marketing"
    for link in (sales, marketing):
        assert link["base"] == "http://127.0.0.1:5000"
        assert len(link["token"]) >= 22  # 22 base64 characters carry 132 bits
    assert sales["token"] != marketing["token"]


def test_links_use_configured_public_url(app, runner, make_assessment):
    slug = make_assessment()
    default = [m["token"] for m in links(runner, slug)]
    app.config["PUBLIC_URL"] = "https://survey.example.org/acme/"
    result = runner.invoke(args=["assessment", "links", slug])
    assert result.stdout.splitlines() == [
        f"sales https://survey.example.org/acme/s/{default[0]}",
        f"marketing https://survey.example.org/acme/s/{default[1]}",
    ]


def test_links_are_the_same_each_time(runner, make_assessment):
    slug = make_assessment()
    first = runner.invoke(args=["assessment", "links", slug]).stdout
    second = runner.invoke(args=["assessment", "links", slug]).stdout
    assert first == second
    assert len(first.splitlines()) == 2


def test_links_differ_between_assessments(runner, make_assessment):
    one = {m["token"] for m in links(runner, make_assessment(name="One"))}
    two = {m["token"] for m in links(runner, make_assessment(name="Two"))}
    assert len(one | two) == 4


def test_links_of_unknown_slug(runner):
    assert "nope" in assert_one_line_error(runner.invoke(args=["assessment", "links", "nope"]))


# --- results -----------------------------------------------------------------------------


@pytest.fixture
def scored(make_assessment, add_answers) -> str:
    """Sales: totals 80, 80, 80, 60, 60; marketing: five 40s and one incomplete response."""
    slug = make_assessment()
    add_answers(slug, "sales", [uniform(4)] * 3 + [uniform(3)] * 2)
    add_answers(slug, "marketing", [uniform(2)] * 5 + [uniform(5, answered=15)])
    return slug


def test_results_json_has_exactly_the_documented_shape(runner, scored):
    data = results_json(runner, scored)
    assert set(data) == {"assessment", "organization", "questionnaire", "teams", "overall", "gap"}
    assert (data["assessment"], data["organization"], data["questionnaire"]) == (
        scored,
        "Acme",
        "kotler-2006",
    )
    assert list(data["teams"]) == ["sales", "marketing"]
    for team in data["teams"].values():
        assert set(team) == TEAM_KEYS
        assert set(team["dimensions"]) == DIMENSIONS
        assert set(team["items"]) == ITEMS
        assert team["stage"] in STAGES
    assert set(data["overall"]) == {"score", "stage", "teams"}
    assert set(data["gap"]) == {"score", "p_value", "items"}
    assert set(data["gap"]["items"]) == ITEMS
    for item in data["gap"]["items"].values():
        assert set(item) == {"gap", "p_adj"}


def test_results_json_values(runner, scored):
    data = results_json(runner, scored)
    sales, marketing = data["teams"]["sales"], data["teams"]["marketing"]
    assert (sales["responses"], sales["incomplete"], sales["withheld"]) == (5, 0, False)
    assert sales["score"] == pytest.approx(72.0)
    assert sales["sd"] == pytest.approx(10.9544512)  # sqrt(480 / 4)
    assert sales["ci95"] == pytest.approx([58.39825, 85.60175], abs=1e-4)  # t(0.975, 4) = 2.776445
    assert sales["stage"] == "aligned"
    assert sales["items"]["k01"] == pytest.approx(3.6)
    assert sales["dimensions"]["culture"] == pytest.approx(3.6)
    assert (marketing["responses"], marketing["incomplete"]) == (5, 1)
    assert marketing["score"] == pytest.approx(40.0)
    assert marketing["sd"] == pytest.approx(0.0, abs=1e-9)
    assert marketing["stage"] == "defined"
    assert marketing["items"]["k20"] == pytest.approx(2.0)
    assert data["overall"]["score"] == pytest.approx(56.0)
    assert data["overall"]["stage"] == "defined"
    assert data["overall"]["teams"] == ["sales", "marketing"]
    assert data["gap"]["score"] == pytest.approx(32.0)
    assert data["gap"]["items"]["k01"]["gap"] == pytest.approx(1.6)
    # Welch: t = 32 / (10.954 / sqrt 5) = 6.53 on 4 degrees of freedom (marketing has no spread)
    assert 0.002 < data["gap"]["p_value"] < 0.004


def test_withheld_team_has_only_its_counts(runner, make_assessment, add_answers):
    slug = make_assessment()
    add_answers(slug, "sales", [uniform(4)] * 4 + [uniform(4, answered=10)] * 2)
    add_answers(slug, "marketing", [uniform(3)] * 5)
    data = results_json(runner, slug)
    assert data["teams"]["sales"] == {
        "responses": 0,
        "pending": 4,
        "pending_by_source": {"web": 0, "import": 4},
        "incomplete": 2,
        "withheld": True,
    }
    assert set(data["teams"]["marketing"]) == TEAM_KEYS
    assert data["overall"]["teams"] == ["marketing"]
    assert data["overall"]["score"] == pytest.approx(60.0)
    assert data["overall"]["stage"] == "aligned"
    assert data["gap"] is None


@pytest.mark.parametrize(
    ("value", "stage"),
    [(1, "undefined"), (2, "defined"), (3, "aligned"), (4, "integrated"), (5, "integrated")],
)
def test_stage_strings_are_lowercase_ids(runner, make_assessment, add_answers, value, stage):
    slug = make_assessment()
    add_answers(slug, "sales", [uniform(value)] * 5)
    data = results_json(runner, slug)
    assert data["teams"]["sales"]["stage"] == stage
    assert data["overall"]["stage"] == stage


def test_results_table_is_readable(runner, scored):
    result = runner.invoke(args=["results", scored])
    assert result.exit_code == 0, result.output
    text = result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    sales = next(line for line in text.splitlines() if line.startswith("Sales"))
    marketing = next(line for line in text.splitlines() if line.startswith("Marketing"))
    assert re.search(r"\b72\.0\b", sales)
    assert "Aligned" in sales
    assert re.search(r"\b40\.0\b", marketing)
    assert "Defined" in marketing
    assert re.search(r"56\.0\b", text)  # overall


def test_results_table_marks_withheld_team(runner, make_assessment, add_answers):
    slug = make_assessment()
    add_answers(slug, "marketing", [uniform(3)] * 2)
    text = runner.invoke(args=["results", slug]).stdout
    marketing = next(line for line in text.splitlines() if line.startswith("Marketing"))
    assert "withheld" in marketing.lower()
    assert "60.0" not in text


def test_results_of_unknown_slug(runner):
    result = runner.invoke(args=["results", "no-such-slug", "--json"])
    line = assert_one_line_error(result)
    assert "no-such-slug" in line
    assert result.stdout == ""


def test_results_with_bad_option(runner, make_assessment):
    slug = make_assessment()
    result = runner.invoke(args=["results", slug, "--bogus"])
    assert "--bogus" in assert_one_line_error(result)
    assert result.stdout == ""


@pytest.mark.sqlite_only
def test_results_without_slug(runner):
    assert_one_line_error(runner.invoke(args=["results"]))


# --- init-db and questionnaires check ----------------------------------------------------


def test_init_db_is_idempotent(app, runner, make_assessment):
    slug = make_assessment()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.stdout
    assert results_json(runner, slug)["assessment"] == slug  # data kept


def test_init_db_creates_a_fresh_database(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "instance"),
    )
    try:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["init-db"])
        assert first.exit_code == 0, first.output
        assert "up to date" not in first.stdout
        second = runner.invoke(args=["init-db"])
        assert second.exit_code == 0, second.output
        assert "up to date" in second.stdout
        assert create_ok(runner)
    finally:
        app.extensions["survey_db"].engine.dispose()


def test_commands_on_a_database_without_tables_say_so(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "instance"),
    )
    try:
        line = assert_one_line_error(app.test_cli_runner().invoke(args=["results", "acme"]))
        assert "init-db" in line
    finally:
        app.extensions["survey_db"].engine.dispose()


@pytest.mark.sqlite_only
def test_questionnaires_check_lists_the_builtin_one(runner):
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok\s+kotler-2006\b", result.stdout, re.MULTILINE)
    assert result.stderr == ""


def test_questionnaires_check_reports_a_broken_file(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    builtin = (data_folder("questionnaires") / "kotler-2006.yaml").read_text(encoding="utf-8")
    broken = builtin.replace("id: kotler-2006", "id: kotler-broken").replace("version: 1\n", "version: 0\n")
    assert broken.count("version: 0\n") == 1
    (folder / "broken-one.yaml").write_text(broken, encoding="utf-8")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": TEST_SECRET, "QUESTIONNAIRES_DIR": str(folder)},
        instance_path=str(tmp_path / "instance"),
    )
    result = app.test_cli_runner().invoke(args=["questionnaires", "check"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert re.search(r"^ok\s+kotler-2006\b", result.stdout, re.MULTILINE)
    assert "kotler-broken" not in result.stdout
    problem = next(line for line in result.stderr.splitlines() if "broken-one.yaml" in line)
    assert "version" in problem


# --- organizations of the same name ------------------------------------------------------------


def test_two_organizations_of_one_name_are_told_apart_by_slug(app, runner, make_user) -> None:
    """Two consultants may each have a client called Acme: the command line then asks which."""
    make_user("c1@example.com", "consultant")
    make_user("c2@example.com", "consultant")
    slugs = []
    for email in ("c1@example.com", "c2@example.com"):
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        response = client.post("/workspace/organizations/new", data={"name": "Acme"})
        slugs.append(response.headers["Location"].removeprefix("/o/"))
    ambiguous = create(runner, "--org", "Acme", "--name", "Q1")
    assert ambiguous.exit_code != 0
    assert ambiguous.stderr.strip() == (
        f"Error: 2 organizations are named 'Acme': give the slug of one ({', '.join(sorted(slugs))})"
    )
    chosen = create(runner, "--org", slugs[1], "--name", "Q1")
    assert chosen.exit_code == 0, chosen.output
    with app.app_context():
        org = db.get_session().scalar(select(Organization).where(Organization.slug == slugs[1]))
        assert [assessment.name for assessment in org.assessments] == ["Q1"]
