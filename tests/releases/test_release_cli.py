"""Releases from the command line: ``assessment release``, ``results --release``, ``report --release``."""

from __future__ import annotations

from datetime import datetime

import pytest

from helpers import results_json, uniform


@pytest.fixture
def slug(make_assessment, add_answers) -> str:
    """Sales 5 × 60, Marketing 5 × 40: both shown with the default minimum of 5."""
    slug = make_assessment()
    add_answers(slug, "sales", [uniform(3)] * 5)
    add_answers(slug, "marketing", [uniform(2)] * 5)
    return slug


def release(runner, slug: str, *options: str) -> int:
    result = runner.invoke(args=["assessment", "release", slug, *options])
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip().splitlines()[-1])


def test_a_release_stores_what_results_json_printed_at_that_moment(runner, slug, add_answers) -> None:
    live = results_json(runner, slug)
    assert release(runner, slug, "--note", "First look") == 1
    stored = results_json(runner, slug, "--release", "1")
    info = stored.pop("release")
    assert stored == live
    assert info["number"] == 1
    assert info["interim"] is True  # the survey is still open
    assert datetime.fromisoformat(info["released_at"]).tzinfo is not None

    # Five more answers publish a new step: the live results move, the release does not.
    add_answers(slug, "sales", [uniform(5)] * 5)
    moved = results_json(runner, slug)
    assert moved["teams"]["sales"]["score"] != live["teams"]["sales"]["score"]
    again = results_json(runner, slug, "--release", "latest")
    again.pop("release")
    assert again == live


def test_releases_are_numbered_per_assessment(runner, slug, make_assessment) -> None:
    other = make_assessment(name="Autumn review")
    assert [release(runner, slug), release(runner, slug), release(runner, other)] == [1, 2, 1]
    assert results_json(runner, slug, "--release", "latest")["release"]["number"] == 2


def test_report_release_writes_the_stored_pdf_byte_for_byte(runner, slug, add_answers, tmp_path) -> None:
    release(runner, slug)
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    assert runner.invoke(args=["report", slug, "--release", "1", "-o", str(first)]).exit_code == 0
    add_answers(slug, "marketing", [uniform(5)] * 5)
    result = runner.invoke(args=["report", slug, "--release", "latest", "-o", str(second)])
    assert result.exit_code == 0, result.output
    assert first.read_bytes().startswith(b"%PDF")
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["results", "{slug}", "--json", "--release", "3"], "has no release 3"),
        (["results", "{slug}", "--json", "--release", "latest"], "has no release yet"),
        (["report", "{slug}", "--release", "2", "-o", "{out}"], "has no release 2"),
        (["results", "{slug}", "--json", "--release", "first"], "a release is a number from 1 or 'latest'"),
        (["results", "{slug}", "--json", "--release", "0"], "a release is a number from 1"),
        (["results", "{slug}", "--release", "1"], "add --json"),
    ],
)
def test_an_unknown_release_is_a_one_line_error(runner, slug, tmp_path, args, message) -> None:
    out = tmp_path / "r.pdf"
    result = runner.invoke(args=[arg.format(slug=slug, out=out) for arg in args])
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not out.exists()


def test_release_of_an_unknown_assessment_fails_in_one_line(runner) -> None:
    result = runner.invoke(args=["assessment", "release", "no-such-slug"])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1


def test_a_closed_survey_gives_a_final_release(runner, slug, app) -> None:
    from survey_app import db
    from survey_app.assessments import get_assessment

    with app.app_context(), db.write_session() as session:
        get_assessment(session, slug).close()
    number = release(runner, slug)
    assert results_json(runner, slug, "--release", str(number))["release"]["interim"] is False
