"""Releases add no way to recover one person's answers: not by difference between two
releases, not by complement from a withheld team, not by comparing a release with the live page.

Every figure of a release comes from the published sets (docs/anonymity.md), which change only
in steps of at least the minimum group size; these tests try the attacks through the release
views themselves (CLI JSON, web JSON, page).
"""

from __future__ import annotations

import json

import pytest

from helpers import sign_in, uniform

FIGURES = ("score", "ci95", "sd", "stage", "dimensions", "items", "withheld_items")


def released(runner, slug: str, number: str) -> dict:
    result = runner.invoke(args=["results", slug, "--json", "--release", number])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def figures(data: dict, team: str) -> dict:
    return {key: data["teams"][team].get(key) for key in FIGURES}


@pytest.fixture
def slug(make_assessment, add_answers) -> str:
    slug = make_assessment(min_group=5)
    add_answers(slug, "sales", [uniform(3)] * 3 + [uniform(4)] * 2)
    add_answers(slug, "marketing", [uniform(2)] * 5)
    return slug


def test_two_releases_around_one_new_response_show_the_same_figures(runner, slug, add_answers, make_release):
    make_release(slug)
    add_answers(slug, "sales", [uniform(1)])  # one person answers between the two releases
    make_release(slug)
    first, second = released(runner, slug, "1"), released(runner, slug, "2")
    for team in ("sales", "marketing"):
        assert figures(first, team) == figures(second, team)
    assert first["overall"] == second["overall"]
    assert first["gap"] == second["gap"]
    # Only the count of responses waiting for the next step moved, as on the live page.
    assert second["teams"]["sales"]["pending"] == first["teams"]["sales"]["pending"] + 1


def test_a_release_step_joins_at_least_the_minimum_group_at_once(runner, slug, add_answers, make_release):
    make_release(slug)
    add_answers(slug, "sales", [uniform(1)] * 4)
    make_release(slug)
    add_answers(slug, "sales", [uniform(1)])  # the fifth completes a step
    make_release(slug)
    counts = [released(runner, slug, str(n))["teams"]["sales"]["responses"] for n in (1, 2, 3)]
    assert counts == [5, 5, 10]  # never 6, 7, 8 or 9: no single response can be isolated


def test_a_withheld_team_cannot_be_recovered_from_the_overall_by_complement(
    app, client, make_assessment, add_answers, make_user, make_release, runner
) -> None:
    slug = make_assessment(organization="Acme", min_group=5)
    add_answers(slug, "sales", [uniform(3)] * 5)
    add_answers(slug, "marketing", [uniform(1)] * 4)  # Marketing would score 20: withheld
    make_release(slug)
    data = released(runner, slug, "1")
    marketing = data["teams"]["marketing"]
    assert marketing["withheld"] is True
    assert not {"score", "items", "dimensions", "ci95", "sd", "stage"} & set(marketing)
    assert data["overall"]["teams"] == ["sales"]
    assert data["overall"]["score"] == data["teams"]["sales"]["score"]  # nothing of Marketing in it
    assert data["gap"] is None

    make_user("lead@acme.example", "leader", organization="Acme")
    sign_in(client, "lead@acme.example")
    page = client.get(f"/a/{slug}/releases/1").get_data(as_text=True)
    assert "Marketing: not shown" in page or "not shown (fewer than 5 answers)" in page
    assert "20.0" not in page
    assert client.get(f"/a/{slug}/releases/1.json").get_json()["teams"]["marketing"] == marketing
