"""The app factory, configuration, secret key, health check and SQLite concurrency."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

import config as settings
from survey_app import create_app, db, migrate
from survey_app.assessments import create_assessment, team_links
from survey_app.catalog import get_questionnaire
from survey_app.models import Organization


def test_secret_key_is_generated_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(instance))
    second = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(instance))
    assert len(first.config["SECRET_KEY"]) >= 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_database_defaults_to_sqlite_in_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'survey.db'}"


def test_creating_the_app_creates_no_schema(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, instance_path=str(tmp_path))
    with app.app_context():
        assert db.get_database().engine.dialect.has_table(db.get_session().connection(), "response") is False


def test_bad_number_in_environment_names_the_variable() -> None:
    with pytest.raises(settings.ConfigError, match="DEFAULT_MIN_GROUP"):
        settings.from_env({"DEFAULT_MIN_GROUP": "five"})


def test_healthz_answers_when_database_does(app) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_unavailable_database(tmp_path: Path) -> None:
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "SECRET_KEY": "k"},
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_unknown_page_gets_friendly_404(app) -> None:
    response = app.test_client().get("/s/not-a-real-token")
    assert response.status_code == 404
    assert b"could not find" in response.data


@pytest.mark.sqlite_only
def test_error_pages_keep_their_headers(app) -> None:
    response = app.test_client().put("/sign-in")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.mimetype == "text/html"


def test_upgrade_is_idempotent(app) -> None:
    engine = app.extensions["survey_db"].engine
    before, after = migrate.upgrade(engine)
    assert before == after == migrate.head_revision()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    database = db.make_database(f"sqlite:///{tmp_path / 'p.db'}", busy_timeout=7)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_concurrent_sqlite_writers_all_succeed(tmp_path: Path) -> None:
    """Writers that read before they write would hit "database is locked" without BEGIN IMMEDIATE."""
    database = db.make_database(f"sqlite:///{tmp_path / 'c.db'}")
    migrate.upgrade(database.engine)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(number: int) -> None:
        try:
            start.wait()
            for round_ in range(10):
                with database.write_sessions.begin() as session:
                    count = session.scalar(select(func.count(Organization.id)))
                    session.add(
                        Organization(name=f"org {number}-{round_}-{count}", slug=f"o-{number}-{round_}")
                    )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.sessions() as session:
        assert session.scalar(select(func.count(Organization.id))) == 80
    database.engine.dispose()


def test_writing_ends_the_requests_reading_transaction(app) -> None:
    """A write first ends the request's read, and what the read loaded stays usable."""
    with app.app_context():
        with db.write_session() as session:
            session.add(Organization(name="Acme", slug="acme"))
        reader = db.get_session()
        acme = reader.scalar(select(Organization).where(Organization.slug == "acme"))
        assert reader.in_transaction()
        with db.write_session() as session:
            assert not reader.in_transaction()
            session.add(Organization(name="Beta", slug="beta"))
        assert acme.name == "Acme"
        assert not reader.in_transaction()  # nothing was expired, so nothing was read again


def test_a_change_in_the_reading_session_is_never_written(app) -> None:
    with app.app_context():
        with db.write_session() as session:
            session.add(Organization(name="Acme", slug="acme"))
        acme = db.get_session().scalar(select(Organization).where(Organization.slug == "acme"))
        acme.name = "Changed by mistake"
        with db.write_session() as session:
            session.add(Organization(name="Beta", slug="beta"))
        assert acme.name == "Acme"
    with app.app_context():
        names = db.get_session().scalars(select(Organization.name).order_by(Organization.name)).all()
    assert names == ["Acme", "Beta"]


def test_the_reading_session_refuses_to_write(app) -> None:
    with app.app_context():
        reader = db.get_session()
        reader.add(Organization(name="Acme", slug="acme"))
        with pytest.raises(RuntimeError, match="cannot write: use db.write_session"):
            reader.flush()
        reader.rollback()
    with app.app_context():
        assert db.get_session().scalar(select(func.count(Organization.id))) == 0


def test_postgresql_reads_hold_no_transaction_open(app) -> None:
    """Each read commits by itself: no BEGIN and ROLLBACK round trips, no "idle in transaction"."""
    if app.extensions["survey_db"].engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads keep a transaction, a local call (see db.end_reading)")
    with app.app_context():
        reader = db.get_session()
        reader.execute(select(func.count(Organization.id)))
        time.sleep(0.01)
        # In a transaction, now() is when it began, before this statement.
        assert reader.scalar(select(func.now() == func.statement_timestamp())) is True


def test_sqlite_write_ahead_log_is_reused_while_respondents_answer(tmp_path: Path) -> None:
    """Each respondent reads (the team by its link) then writes. Were the read still open at the
    commit, SQLite could never start its log over: it grew by about 60 KB a respondent."""
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": False,
            "TEAM_LINK_SENDS_PER_ADDRESS": "1000 per hour",  # 300 people behind one address
        },
        instance_path=str(tmp_path),
    )
    migrate.upgrade(app.extensions["survey_db"].engine)
    with app.app_context(), db.write_session() as session:
        assessment = create_assessment(
            session,
            organization="Acme",
            name="Log",
            questionnaire=get_questionnaire("kotler-2006"),
            secret_key="k",
        )
        path = urlsplit(team_links(assessment, "k", "http://x")[0].url).path + "/answers"
    for number in range(300):
        client = app.test_client()  # each respondent on their own device
        page = client.get(path).get_data(as_text=True)
        submission = re.search(r'name="submission" type="hidden" value="([^"]+)"', page)
        assert submission
        answers = {f"q_k{item:02d}": str(1 + (number + item) % 5) for item in range(1, 21)}
        sent = client.post(path, data={"action": "submit", "submission": submission.group(1), **answers})
        assert sent.headers["Location"].endswith("/thanks")
    # The log starts over after about 4 MB (SQLite's automatic checkpoint at 1,000 pages).
    assert (tmp_path / "wal.db-wal").stat().st_size < 8_000_000


def test_migrations_match_the_models(app) -> None:
    """A model change without its migration shows up here as a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from survey_app.models import Base

    with app.extensions["survey_db"].engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_broken_questionnaire_is_reported_at_start_up_without_stopping_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "broken.yaml").write_text("id: broken\nversion: 1\ntitle: Broken\n", encoding="utf-8")
    with caplog.at_level("ERROR"):
        app = create_app(
            {"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "QUESTIONNAIRES_DIR": str(extra)},
            instance_path=str(tmp_path),
        )
    assert "broken.yaml: introduction: Field required" in caplog.text
    assert list(app.extensions["survey_catalog"].questionnaires) == ["kotler-2006"]


#: The organization the old rows of the migration tests belong to.
ORGANIZATION_ROW = (
    "INSERT INTO organization (id, name, slug, created_at) VALUES (1, 'Acme', 'acme', '2026-01-01')"
)


def old_schema(engine, revision: str, *statements: str) -> None:  # noqa: ANN001 - an Engine
    """Migrate ``engine``'s empty database to ``revision`` only, then run ``statements`` there.

    Every statement list starts with the one organization the old rows belong to.
    """
    from alembic import command
    from sqlalchemy import text

    config = migrate._alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        for statement in (ORGANIZATION_ROW, *statements):
            connection.execute(text(statement))


def test_upgrading_a_database_with_data_keeps_it(tmp_path: Path) -> None:
    """Columns added by later migrations get their defaults on existing rows."""
    from sqlalchemy import text

    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    old_schema(
        engine,
        "8fcca6171c10",  # the first schema
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id,"
        " questionnaire_version, min_group_size, status, created_at)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 5, 'open', '2026-01-01')",
    )
    before, after = migrate.upgrade(engine)
    assert (before, after) == ("8fcca6171c10", migrate.head_revision())
    with engine.connect() as connection:
        row = connection.execute(text("SELECT name, purpose, commentary FROM assessment")).one()
    assert tuple(row) == ("Q1", "", "")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, on each backend (PostgreSQL only when TEST_DATABASE_URL is set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
    elif not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set")
    else:
        with db.temporary_schema(os.environ["TEST_DATABASE_URL"], "migrate") as url:
            yield url


def test_migration_copies_each_response_answers_team_and_scored(blank_database_url: str) -> None:
    """Answers stored before ``response_answer.team_id`` existed get their response's team,
    and whether their response is scored (since 0009: published, which these few are not)."""
    from sqlalchemy import inspect, text

    teams = [
        "INSERT INTO team (id, assessment_id, key, name, position, link_salt, link_hash)"
        f" VALUES ({team}, 1, 'team{team}', 'Team {team}', {team}, 'salt', 'hash{team}')"
        for team in (1, 2)
    ]
    responses = []
    for response in range(1, 6):  # responses 1, 3, 5 in team 2; 2, 4 in team 1; 4 incomplete
        total = "NULL" if response == 4 else "80"
        responses += [
            "INSERT INTO response (id, team_id, source, submitted_on, unit, answered, answer_sum, total)"
            f" VALUES ({response}, {1 + response % 2}, 'import', '2026-01-01', '{response}', 1, 4, {total})",
            "INSERT INTO response_answer (response_id, item_id, value)"
            f" VALUES ({response}, 'k01', 4), ({response}, 'k02', NULL)",
        ]
    engine = db.make_engine(blank_database_url)
    old_schema(
        engine,
        "77685a87a61f",  # the last schema without them
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id,"
        " questionnaire_version, min_group_size, status, purpose, commentary, created_at)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 5, 'open', '', '', '2026-01-01')",
        *teams,
        *responses,
    )
    before, after = migrate.upgrade(engine)
    assert (before, after) == ("77685a87a61f", migrate.head_revision())
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                # Ids are random since 0010: the unit column carries each response's old number.
                "SELECT CAST(response.unit AS INTEGER) AS number, item_id, response_answer.team_id,"
                " response_answer.published FROM response_answer"
                " JOIN response ON response.id = response_answer.response_id ORDER BY number, item_id"
            )
        ).all()
        columns = {c["name"]: c for c in inspect(connection).get_columns("response_answer")}
        indexes = {index["name"] for index in inspect(connection).get_indexes("response_answer")}
    expected = [(r, item, 1 + r % 2, False) for r in range(1, 6) for item in ("k01", "k02")]
    assert [(r, item, team, bool(published)) for r, item, team, published in rows] == expected
    assert columns["team_id"]["nullable"] is False
    assert columns["published"]["nullable"] is False
    assert "ix_response_answer_team_published_item_value" in indexes
    engine.dispose()


def test_migration_publishes_each_pool_that_makes_a_full_step(blank_database_url: str) -> None:
    """Stored responses are published per team and pool (web; import and demo) only where the
    pool has at least the minimum group of scored responses; the others wait, counted."""
    from sqlalchemy import text

    # Team 1: 3 imported + 1 demo scored (a full step of 4), 2 web scored, 1 web incomplete.
    # Team 2: 3 web scored, 1 imported.
    rows = [(1, "import", 60)] * 3 + [(1, "demo", 60)] + [(1, "web", 60)] * 2 + [(1, "web", None)]
    rows += [(2, "web", 80)] * 3 + [(2, "import", 80)]
    engine = db.make_engine(blank_database_url)
    old_schema(
        engine,
        "9c2e4a7d1b35",  # the last schema without published sets
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id,"
        " questionnaire_version, min_group_size, status, purpose, commentary, created_at)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 3, 'open', '', '', '2026-01-01')",
        *(
            "INSERT INTO team (id, assessment_id, key, name, position, link_salt, link_hash)"
            f" VALUES ({team}, 1, 'team{team}', 'Team {team}', {team}, 'salt', 'hash{team}')"
            for team in (1, 2)
        ),
        *(
            "INSERT INTO response (id, team_id, source, submitted_on, unit, answered, answer_sum, total)"
            f" VALUES ({number}, {team}, '{source}', '2026-01-01', '{number}', 20, 60, {total or 'NULL'})"
            for number, (team, source, total) in enumerate(rows, start=1)
        ),
        *(
            "INSERT INTO response_answer (response_id, item_id, value, team_id, scored)"
            f" VALUES ({number}, 'k01', 3, {team}, {'true' if total else 'false'})"
            for number, (team, _source, total) in enumerate(rows, start=1)
        ),
    )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        number = "CAST(response.unit AS INTEGER)"  # the old id: ids are random since 0010
        published = dict(connection.execute(text(f"SELECT {number}, published FROM response")).all())
        answers = dict(
            connection.execute(
                text(
                    f"SELECT {number}, response_answer.published FROM response_answer"
                    " JOIN response ON response.id = response_answer.response_id"
                )
            ).all()
        )
        waiting = connection.execute(
            text("SELECT id, pending_web, pending_import FROM team ORDER BY id")
        ).all()
    expected = {
        number: source != "web" and team == 1 for number, (team, source, _) in enumerate(rows, start=1)
    }
    expected.update({number: True for number in (8, 9, 10)})  # team 2's three web responses
    assert {k: bool(v) for k, v in published.items()} == expected
    assert {k: bool(v) for k, v in answers.items()} == expected
    assert [tuple(row) for row in waiting] == [(1, 2, 0), (2, 0, 1)]
    engine.dispose()


def test_migration_gives_stored_responses_random_ids_and_their_answers_follow(
    blank_database_url: str,
) -> None:
    """Sequential ids told the order of arrival: each stored response gets a random id, its
    answers move with it, and each answer set gets its digest (for the monitor)."""
    from sqlalchemy import text

    from survey_app.responses import answers_digest

    engine = db.make_engine(blank_database_url)
    old_schema(
        engine,
        "3f6a9d2c8e14",  # the last schema with sequential ids
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id, questionnaire_version,"
        " min_group_size, status, purpose, commentary, created_at, invitations_only)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 3, 'open', '', '', '2026-01-01', false)",
        "INSERT INTO team (id, assessment_id, key, name, position, link_salt, link_hash)"
        " VALUES (1, 1, 'sales', 'Sales', 1, 'salt', 'hash')",
        *(
            "INSERT INTO response (id, team_id, source, submitted_on, unit, answered, answer_sum, total,"
            f" published) VALUES ({number}, 1, 'import', '2026-01-01', '{number}', 2, {number}, NULL, false)"
            for number in range(1, 6)
        ),
        *(
            "INSERT INTO response_answer (response_id, item_id, value, team_id, published)"
            f" VALUES ({number}, 'k01', {number}, 1, false), ({number}, 'k02', NULL, 1, false)"
            for number in range(1, 6)
        ),
    )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT response.id, CAST(response.unit AS INTEGER), response.answers_digest,"
                " response_answer.item_id, response_answer.value FROM response"
                " JOIN response_answer ON response_answer.response_id = response.id"
            )
        ).all()
    assert len(rows) == 10  # every answer still belongs to its response
    for response_id, number, digest, item_id, value in rows:
        assert response_id >= 1 << 40
        assert value == (number if item_id == "k01" else None)
        assert digest == answers_digest({"k01": number, "k02": "dk"})
    assert len({row[0] for row in rows}) == 5
    engine.dispose()


def test_migration_discards_plain_text_drafts_and_keeps_the_rest(blank_database_url: str) -> None:
    """Drafts stored in plain text cannot be sealed without their tokens: they are deleted,
    and nothing else is (on SQLite a rebuilt table could cascade)."""
    from sqlalchemy import inspect, text

    engine = db.make_engine(blank_database_url)
    old_schema(
        engine,
        "7b2d4e6f8a90",  # the last schema with plain-text drafts
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id, questionnaire_version,"
        " min_group_size, status, purpose, commentary, created_at, invitations_only)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 3, 'open', '', '', '2026-01-01', false)",
        "INSERT INTO team (id, assessment_id, key, name, position, link_salt, link_hash)"
        " VALUES (1, 1, 'sales', 'Sales', 1, 'salt', 'hash')",
        "INSERT INTO invitation (id, team_id, name, email, link_salt, link_hash, created_at, has_answered)"
        " VALUES (1, 1, 'Ann', 'ann@example.com', 'salt', 'ihash', '2026-01-01', false)",
        "INSERT INTO draft (id, team_id, invitation_id, resume_hash, answers, comment, created_at,"
        " updated_at) VALUES (1, 1, 1, 'rhash', '{\"k01\": 4}', 'secret remark', '2026-01-01', '2026-01-01')",
    )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM draft")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM invitation")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM team")).scalar() == 1
        columns = {column["name"] for column in inspect(connection).get_columns("draft")}
    assert "sealed" in columns
    assert not columns & {"answers", "comment"}
    engine.dispose()


def test_migration_ranks_each_stored_comment(blank_database_url: str) -> None:
    """Comments stored before ``response.comment_rank`` existed get their rank; blank ones none."""
    from sqlalchemy import inspect, text

    from survey_app.domain.comments import comment_rank

    comments = {1: "'Leads are weak'", 2: "NULL", 3: "'   '", 4: "'We never meet marketing at all'"}
    engine = db.make_engine(blank_database_url)
    old_schema(
        engine,
        "5b1f3c9e2a47",  # the last schema without it
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id,"
        " questionnaire_version, min_group_size, status, purpose, commentary, created_at)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 5, 'open', '', '', '2026-01-01')",
        "INSERT INTO team (id, assessment_id, key, name, position, link_salt, link_hash)"
        " VALUES (1, 1, 'sales', 'Sales', 1, 'salt', 'hash')",
        *(
            "INSERT INTO response (id, team_id, source, submitted_on, unit, comment,"
            " answered, answer_sum, total)"
            f" VALUES ({number}, 1, 'import', '2026-01-01', '{number}', {comment}, 20, 60, 60)"
            for number, comment in comments.items()
        ),
    )
    before, after = migrate.upgrade(engine)
    assert (before, after) == ("5b1f3c9e2a47", migrate.head_revision())
    with engine.connect() as connection:
        ranks = dict(
            connection.execute(text("SELECT CAST(unit AS INTEGER), comment_rank FROM response")).all()
        )
        indexes = {index["name"] for index in inspect(connection).get_indexes("response")}
    assert ranks == {
        1: comment_rank("Leads are weak"),
        2: None,
        3: None,
        4: comment_rank("We never meet marketing at all"),
    }
    assert "ix_response_team_published_comment_rank" in indexes  # the index's name since 0009
    engine.dispose()


def test_migration_lets_organizations_share_a_name_and_keeps_what_refers_to_them(
    blank_database_url: str,
) -> None:
    """Dropping the unique name rebuilds ``organization`` on SQLite: its assessments, leaders and
    consultants' assignments (ON DELETE CASCADE) must all survive."""
    from sqlalchemy import text

    engine = db.make_engine(blank_database_url)
    old_schema(
        engine,
        "a1c3e5f7b9d2",  # the last schema with globally unique organization names
        "INSERT INTO assessment (id, organization_id, slug, name, questionnaire_id, questionnaire_version,"
        " min_group_size, status, purpose, commentary, created_at, invitations_only)"
        " VALUES (1, 1, 'acme-q1', 'Q1', 'kotler-2006', 1, 3, 'open', '', '', '2026-01-01', false)",
        "INSERT INTO user_account (id, email, name, password_hash, role, organization_id, is_active,"
        " created_at) VALUES (1, 'lead@acme.example', '', 'x', 'leader', 1, true, '2026-01-01'),"
        " (2, 'c@acme.example', '', 'x', 'consultant', NULL, true, '2026-01-01')",
        "INSERT INTO consultant_assignment (user_id, organization_id) VALUES (2, 1)",
    )
    migrate.upgrade(engine)
    with engine.begin() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("organization", "assessment", "user_account", "consultant_assignment")
        ]
        assert counts == [1, 1, 2, 1]
        connection.execute(
            text(
                "INSERT INTO organization (id, name, slug, created_at)"
                " VALUES (2, 'Acme', 'acme-x7', '2026-02-01')"
            )
        )
        assert connection.execute(text("SELECT count(*) FROM organization WHERE name = 'Acme'")).scalar() == 2
    engine.dispose()
