"""The demo command behind the README's quick start."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from survey_app import db
from survey_app.assessments import get_assessment

from helpers import sign_in


def test_demo_creates_a_scored_assessment_once_and_prints_working_credentials(app, runner) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    slug = re.search(r"results (\S+)", first.output).group(1)
    data = json.loads(runner.invoke(args=["results", slug, "--json"]).stdout)
    assert data["organization"] == "Northwind Components"
    assert {key: team["responses"] + team["incomplete"] for key, team in data["teams"].items()} == {
        "sales": 24,
        "marketing": 19,
    }
    assert data["gap"] is not None  # both teams are shown
    assert all(team["pending"] == 0 for team in data["teams"].values())  # loaded at once: one step each
    assert "Answers join the results in steps of 5 per team" in first.output

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "Found the demo assessment" in second.output
    again = json.loads(runner.invoke(args=["results", slug, "--json"]).stdout)
    assert again == data  # nothing added twice

    passwords = dict(re.findall(r"^\s+(\S+@demo\.example)\s+(\S+)$", second.output, re.MULTILINE))
    assert set(passwords) == {"consultant@demo.example", "leader@demo.example"}
    client = app.test_client()
    assert sign_in(client, "leader@demo.example", passwords["leader@demo.example"]).status_code == 302
    landing = client.get("/workspace")
    assert landing.headers["Location"] == f"/a/{slug}/releases/1"  # the demo's release
    assert client.get(landing.headers["Location"]).status_code == 200
    old = dict(re.findall(r"^\s+(\S+@demo\.example)\s+(\S+)$", first.output, re.MULTILINE))
    stale = sign_in(app.test_client(), "consultant@demo.example", old["consultant@demo.example"])
    assert stale.status_code == 200  # the first run's password no longer works: the form is shown again


def test_demo_is_a_programme_of_two_released_waves_with_the_plan_followed_up(app, runner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["trend", "Northwind Components", "--json", "--released"])
    assert result.exit_code == 0, result.output
    trend = json.loads(result.stdout)
    assert [wave["name"] for wave in trend["waves"]] == ["Alignment baseline 2025", "Alignment review 2026"]
    [change] = trend["changes"]
    # Both teams moved up since the baseline, and the move is not chance.
    for team in change["teams"].values():
        assert team["score_change"] > 0
        assert team["p_value"] < 0.05
    with app.app_context():
        session = db.get_session()
        baseline, review = (get_assessment(session, wave["assessment"]) for wave in trend["waves"])
        assert not baseline.is_accepting(datetime.now(UTC))
        # This year's plan is last year's, carried over with the statements it aims at.
        assert [item.carried_from_id for item in review.actions] == [item.id for item in baseline.actions]
        assert review.actions[0].statement_ids == baseline.actions[0].statement_ids != ()
