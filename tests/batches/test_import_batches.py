"""Import batches on the command line and in the service: recorded, refused when the same file
comes again, undone exactly, kept out of the published sets' rule only as the rule allows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.batches import returned_count
from survey_app.models import ImportBatch, Response, ResponseAnswer, ResponseSource, Team
from survey_app.responses import NewResponse, add_responses

from helpers import ITEM_IDS, csv_text, results_json, uniform

HEADER = ["team", *ITEM_IDS]


def rows_file(*teams_values: tuple[str, int, int]) -> bytes:
    """A CSV file: for each (team, value, count), ``count`` rows answering every statement ``value``."""
    rows = [[team, *[value] * 20] for team, value, count in teams_values for _ in range(count)]
    return csv_text(HEADER, rows)


def do_import(runner, tmp_path: Path, slug: str, data: bytes, name: str, *options: str):  # noqa: ANN001, ANN201
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["responses", "import", slug, str(path), *options])


def imported(runner, tmp_path: Path, slug: str, data: bytes, name: str, *options: str) -> int:  # noqa: ANN001
    """Import ``data`` as ``name``; the batch number the command printed last."""
    result = do_import(runner, tmp_path, slug, data, name, *options)
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip().splitlines()[-1])


def undo(runner, slug: str, number: int):  # noqa: ANN001, ANN201
    return runner.invoke(args=["responses", "undo", slug, str(number)])


def add_web(app: Flask, slug: str, team: str, answers: list[dict]) -> None:
    """Store responses as if sent on the web (their own pool)."""
    kotler = _kotler(app)
    with app.app_context(), db.write_session() as session:
        add_responses(
            session,
            get_assessment(session, slug),
            kotler,
            [NewResponse(team, a) for a in answers],
            ResponseSource.WEB,
        )


def _kotler(app: Flask):  # noqa: ANN202
    from survey_app.catalog import get_questionnaire

    with app.app_context():
        return get_questionnaire("kotler-2006")


def state(app: Flask) -> dict:
    """Everything an import or an undo may change: every response (id → team, source, batch,
    published), every answer's published flag, the batches and the teams' counters."""
    with app.app_context():
        session = db.get_session()
        return {
            "responses": {
                row.id: (row.team_id, row.source, row.batch_id, row.published)
                for row in session.execute(
                    select(
                        Response.id, Response.team_id, Response.source, Response.batch_id, Response.published
                    )
                )
            },
            "answers": sorted(
                session.execute(
                    select(ResponseAnswer.response_id, ResponseAnswer.item_id, ResponseAnswer.published)
                ).all()
            ),
            "batches": sorted(
                session.execute(
                    select(
                        ImportBatch.number, ImportBatch.sha256, ImportBatch.team_rows, ImportBatch.undone_at
                    )
                ).all()
            ),
            "teams": sorted(
                session.execute(
                    select(Team.key, Team.pending_web, Team.pending_import, Team.published_version)
                ).all()
            ),
        }


def batch_ids(app: Flask, slug: str, number: int) -> set[int]:
    """The ids of batch ``number``'s responses."""
    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        return set(
            session.scalars(
                select(Response.id)
                .join(ImportBatch, ImportBatch.id == Response.batch_id)
                .where(ImportBatch.assessment_id == assessment.id, ImportBatch.number == number)
            )
        )


def batch_of(app: Flask, number: int) -> ImportBatch:
    with app.app_context():
        return db.get_session().scalar(select(ImportBatch).where(ImportBatch.number == number))


def pending(app: Flask, slug: str) -> dict[str, tuple[int, int]]:
    """Each team's waiting counters (web, import)."""
    with app.app_context():
        teams = get_assessment(db.get_session(), slug).teams
        return {team.key: (team.pending_web, team.pending_import) for team in teams}


# --- Recording and refusing duplicates -------------------------------------------------------------


def test_each_import_is_a_batch_whose_number_is_printed_last(app, runner, tmp_path, make_assessment) -> None:
    slug = make_assessment()
    first = rows_file(("sales", 4, 3), ("marketing", 2, 2))
    result = do_import(runner, tmp_path, slug, first, "people.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1"
    assert "as batch 1" in result.stdout.splitlines()[0]
    assert imported(runner, tmp_path, slug, rows_file(("sales", 3, 1)), "late.csv") == 2

    batch = batch_of(app, 1)
    assert batch.file_name == "people.csv"
    assert batch.sha256 == hashlib.sha256(first).hexdigest()
    assert json.loads(batch.team_rows) == {"sales": 3, "marketing": 2}
    assert (batch.imported_by_id, batch.undone_at, batch.released) == (None, None, False)
    assert len(batch_ids(app, slug, 1)) == 5
    assert len(batch_ids(app, slug, 2)) == 1
    assert json.loads(batch_of(app, 2).team_rows) == {"sales": 1}


def test_the_same_file_again_is_refused_naming_the_batch_and_nothing_changes(
    app, runner, tmp_path, make_assessment
) -> None:
    slug = make_assessment()
    data = rows_file(("sales", 4, 3), ("marketing", 2, 6))
    assert imported(runner, tmp_path, slug, data, "people.csv") == 1
    before, results_before = state(app), results_json(runner, slug)

    result = do_import(runner, tmp_path, slug, data, "copy-of-people.csv")  # another name, same content

    assert result.exit_code == 1
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("Error: This file was already imported as batch 1 (people.csv, ")
    assert "by the command line). Nothing was imported." in message
    assert message.endswith("To import it again as a new batch, add --allow-duplicate.")
    assert state(app) == before
    assert results_json(runner, slug) == results_before


def test_allow_duplicate_imports_the_same_file_as_a_new_batch(app, runner, tmp_path, make_assessment) -> None:
    slug = make_assessment()
    data = rows_file(("sales", 4, 3))
    assert imported(runner, tmp_path, slug, data, "people.csv") == 1
    assert imported(runner, tmp_path, slug, data, "people.csv", "--allow-duplicate") == 2
    assert len(batch_ids(app, slug, 1)) == len(batch_ids(app, slug, 2)) == 3
    assert batch_of(app, 1).sha256 == batch_of(app, 2).sha256
    assert results_json(runner, slug)["teams"]["sales"]["responses"] == 6  # 3 + 3 publish a step


def test_an_undone_batch_can_be_imported_again_without_allow_duplicate(
    app, runner, tmp_path, make_assessment
) -> None:
    slug = make_assessment()
    data = rows_file(("sales", 4, 5))
    assert imported(runner, tmp_path, slug, data, "people.csv") == 1
    assert undo(runner, slug, 1).exit_code == 0
    assert imported(runner, tmp_path, slug, data, "people.csv") == 2
    assert batch_ids(app, slug, 1) == set()
    assert len(batch_ids(app, slug, 2)) == 5


def test_a_refused_file_opens_no_batch(app, runner, tmp_path, make_assessment) -> None:
    slug = make_assessment()
    bad = csv_text(HEADER, [["finance", *[3] * 20]])
    assert do_import(runner, tmp_path, slug, bad, "bad.csv").exit_code == 1
    assert imported(runner, tmp_path, slug, rows_file(("sales", 3, 1)), "good.csv") == 1


# --- Undo ---------------------------------------------------------------------------------------


def test_undo_deletes_exactly_its_batch_and_sets_the_counters_right(
    app, runner, tmp_path, make_assessment
) -> None:
    slug = make_assessment(min_group=5)
    add_web(app, slug, "sales", [uniform(5)] * 5)  # a published web step
    add_web(app, slug, "marketing", [uniform(5)] * 2)  # web, waiting
    first = rows_file(("sales", 2, 5), ("marketing", 2, 6))
    assert imported(runner, tmp_path, slug, first, "first.csv") == 1  # both teams publish a step
    second = csv_text(
        [*HEADER, "comment"],
        [["sales", *[4] * 20, "mine"]] * 7  # a step of its own
        + [["marketing", *[4] * 20, ""]] * 3  # waiting
        + [["marketing", *[4] * 5, *[None] * 15, "half"]],  # incomplete, waiting
    )
    assert imported(runner, tmp_path, slug, second, "second.csv") == 2
    assert pending(app, slug) == {"sales": (0, 0), "marketing": (2, 3)}
    before = state(app)
    doomed = batch_ids(app, slug, 2)
    assert len(doomed) == 11

    result = undo(runner, slug, 2)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"Undid batch 2 of {slug}: 11 responses deleted."
    after = state(app)
    # Exactly its responses and their answers are gone; every other row is as it was.
    assert after["responses"] == {
        key: value for key, value in before["responses"].items() if key not in doomed
    }
    assert after["answers"] == [row for row in before["answers"] if row[0] not in doomed]
    assert pending(app, slug) == {"sales": (0, 0), "marketing": (2, 0)}
    sales = results_json(runner, slug)["teams"]["sales"]
    assert (sales["responses"], sales["score"]) == (10, pytest.approx(70.0))  # 5 × 100 and 5 × 40
    marketing = results_json(runner, slug)["teams"]["marketing"]
    assert (marketing["responses"], marketing["pending"], marketing["incomplete"]) == (6, 2, 0)
    batch = batch_of(app, 2)
    assert batch.undone_at is not None
    assert batch.undone_by_id is None  # the command line
    assert json.loads(batch.team_rows) == {"sales": 7, "marketing": 4}  # the history keeps what it was


def test_undo_of_a_batch_partly_published_changes_the_figures_by_exactly_a_step(
    app, runner, tmp_path, make_assessment
) -> None:
    """Batch 3 has 2 responses in Sales' published set (minimum group 5): taking them out alone
    would show the change of 2 people, so 3 others go back to waiting with them."""
    slug = make_assessment(min_group=5)
    add_web(app, slug, "sales", [uniform(5)] * 5)
    assert imported(runner, tmp_path, slug, rows_file(("sales", 4, 5)), "one.csv") == 1  # a step
    assert imported(runner, tmp_path, slug, rows_file(("sales", 3, 3)), "two.csv") == 2  # waiting
    assert imported(runner, tmp_path, slug, rows_file(("sales", 1, 2)), "three.csv") == 3  # 3 + 2: a step
    web_ids = {key for key, row in state(app)["responses"].items() if row[1] is ResponseSource.WEB}
    before = results_json(runner, slug)["teams"]["sales"]
    assert before["responses"] == 5 + 5 + 3 + 2
    others = sorted(batch_ids(app, slug, 1) | batch_ids(app, slug, 2))

    assert undo(runner, slug, 3).exit_code == 0

    after = results_json(runner, slug)["teams"]["sales"]
    assert before["responses"] - after["responses"] == 5  # 2 deleted + 3 back to waiting
    assert (after["pending"], after["pending_by_source"]) == (3, {"web": 0, "import": 3})
    rows = state(app)
    returned = {key for key, row in rows["responses"].items() if not row[3]}
    assert returned == set(others[:3])  # the lowest random ids: they say nothing about anyone
    assert {row for row in rows["answers"] if row[0] in returned and row[2]} == set()
    assert all(rows["responses"][key][3] for key in web_ids)  # the web pool is untouched
    assert {row[0] for row in rows["answers"] if row[2]} >= web_ids

    # The returned responses rejoin the results with the pool's next step.
    assert imported(runner, tmp_path, slug, rows_file(("sales", 2, 2)), "four.csv") == 4
    again = results_json(runner, slug)["teams"]["sales"]
    assert again["responses"] == after["responses"] + 5
    assert again["pending"] == 0
    assert all(row[3] for row in state(app)["responses"].values())
    assert all(row[2] for row in state(app)["answers"])


def test_undo_never_leaves_a_published_pool_smaller_than_a_step(
    app, runner, tmp_path, make_assessment
) -> None:
    """Batches 1 (3 rows) and 2 (5 rows) were published in one step: undoing batch 2 sends batch
    1's 3 rows back to waiting, so that undoing batch 1 later changes no published figure."""
    slug = make_assessment(min_group=5)
    add_web(app, slug, "sales", [uniform(5)] * 5)
    assert imported(runner, tmp_path, slug, rows_file(("sales", 4, 3)), "one.csv") == 1
    assert imported(runner, tmp_path, slug, rows_file(("sales", 2, 5)), "two.csv") == 2
    assert results_json(runner, slug)["teams"]["sales"]["responses"] == 13

    assert undo(runner, slug, 2).exit_code == 0
    sales = results_json(runner, slug)["teams"]["sales"]
    assert (sales["responses"], sales["pending"], sales["score"]) == (5, 3, pytest.approx(100.0))
    assert pending(app, slug)["sales"] == (0, 3)

    shown = results_json(runner, slug)
    assert undo(runner, slug, 1).exit_code == 0
    assert {k: v for k, v in results_json(runner, slug).items() if k != "teams"} == {
        k: v for k, v in shown.items() if k != "teams"
    }
    sales = results_json(runner, slug)["teams"]["sales"]
    assert (sales["responses"], sales["pending"], sales["score"]) == (5, 0, pytest.approx(100.0))
    assert pending(app, slug)["sales"] == (0, 0)


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("published", "others", "returned"),
    [
        (0, 9, 0),  # nothing published changes
        (2, 8, 3),  # 2 + 3 = a step; 5 stay published
        (2, 6, 6),  # 3 would leave 3 published: all go back
        (4, 1, 1),  # only one other (the rule was broken before): it goes back
        (5, 0, 0),  # a step of its own
        (7, 3, 3),  # a step of its own, 3 left would be too few
        (7, 5, 0),
    ],
)
def test_how_many_others_go_back_to_waiting(published: int, others: int, returned: int) -> None:
    assert returned_count(published, others, 5) == returned


def test_undo_is_refused_once_the_batch_is_in_a_release(app, runner, tmp_path, make_assessment) -> None:
    slug = make_assessment(min_group=5)
    assert imported(runner, tmp_path, slug, rows_file(("sales", 4, 5)), "one.csv") == 1  # published
    assert imported(runner, tmp_path, slug, rows_file(("sales", 3, 2)), "two.csv") == 2  # waiting
    assert runner.invoke(args=["assessment", "release", slug]).exit_code == 0
    assert imported(runner, tmp_path, slug, rows_file(("sales", 2, 3)), "three.csv") == 3  # after it
    # Batch 2 was still waiting when the release was stored; batch 3's step published it since.
    assert [batch_of(app, number).released for number in (1, 2, 3)] == [True, False, False]
    before = state(app)

    result = undo(runner, slug, 1)

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: batch 1 is in a release of the results, which leaders may have read:"
        " its responses can no longer be taken out"
    )
    assert state(app) == before
    # Batch 2 is not in the release: it can be undone.
    assert undo(runner, slug, 2).exit_code == 0


def test_undo_twice_or_of_an_unknown_batch_is_one_line_on_stderr(
    app, runner, tmp_path, make_assessment
) -> None:
    slug = make_assessment()
    assert imported(runner, tmp_path, slug, rows_file(("sales", 4, 2)), "one.csv") == 1
    assert undo(runner, slug, 1).exit_code == 0
    again = undo(runner, slug, 1)
    assert again.exit_code == 1
    assert again.stderr.strip().startswith("Error: batch 1 was already undone on ")
    assert again.stderr.strip().endswith(" by the command line")
    unknown = undo(runner, slug, 9)
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == f"Error: {slug} has no import batch 9"
    assert undo(runner, "no-such-assessment", 1).exit_code == 1
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(Response)) == 0
