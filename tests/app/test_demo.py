"""The demo command behind the README's quick start."""

from __future__ import annotations

import json
import re

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
