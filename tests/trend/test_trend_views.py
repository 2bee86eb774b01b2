"""The trend of an organization's waves: ``flask trend``, the page and its JSON, on fixed data."""

from __future__ import annotations

import json
import traceback
from statistics import mean

import pytest
from scipy import stats

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.models import Organization
from survey_app.results.aggregates import compute_results, results_json
from survey_app.results.snapshots import keep, live_results

from helpers import signed_in, uniform

#: Each response answers every statement with one value, so its total is 20 × that value.
FIRST_SALES = [2, 3, 3, 2, 4, 3]  # totals 40 60 60 40 80 60: mean 56.67, Defined
SECOND_SALES = [4, 4, 3, 5, 4]  # totals 80 80 60 100 80: mean 80, Integrated
SECOND_MARKETING = [3, 3, 3, 3, 4]


def totals(values: list[int]) -> list[int]:
    return [20 * value for value in values]


@pytest.fixture
def waves(make_assessment, add_answers) -> tuple[str, str]:
    """Acme's two waves: in the first, Marketing has 3 responses (withheld at 5)."""
    first = make_assessment(organization="Acme", name="Wave one")
    second = make_assessment(organization="Acme", name="Wave two")
    add_answers(first, "sales", [uniform(value) for value in FIRST_SALES])
    add_answers(first, "marketing", [uniform(3)] * 3)
    add_answers(second, "sales", [uniform(value) for value in SECOND_SALES])
    add_answers(second, "marketing", [uniform(value) for value in SECOND_MARKETING])
    return first, second


def trend(runner, *options: str) -> dict:  # noqa: ANN001
    result = runner.invoke(args=["trend", "Acme", "--json", *options])
    assert result.exit_code == 0, result.output + "".join(traceback.format_exception(*result.exc_info))
    return json.loads(result.stdout)


def test_trend_json_gives_hand_computed_changes_and_scipy_welch(runner, waves) -> None:
    first, second = waves
    data = trend(runner)
    assert data["organization"] == "Acme"
    assert data["questionnaire"] == "kotler-2006"
    assert [wave["assessment"] for wave in data["waves"]] == [first, second]
    assert [wave["name"] for wave in data["waves"]] == ["Wave one", "Wave two"]
    # Each wave's teams are exactly what `results --json` prints for the team.
    for wave in data["waves"]:
        printed = json.loads(runner.invoke(args=["results", wave["assessment"], "--json"]).stdout)
        assert wave["teams"] == printed["teams"]
        assert wave["overall"] == {"score": printed["overall"]["score"], "stage": printed["overall"]["stage"]}
    [change] = data["changes"]
    assert (change["from"], change["to"]) == (first, second)
    sales = change["teams"]["sales"]
    assert sales["score_change"] == pytest.approx(80 - mean(totals(FIRST_SALES)))
    assert sales["score_change"] == pytest.approx(23.3333, abs=1e-4)
    welch = stats.ttest_ind(totals(SECOND_SALES), totals(FIRST_SALES), equal_var=False)
    assert sales["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert (sales["stage_from"], sales["stage_to"]) == ("defined", "integrated")
    # Marketing is withheld in the first wave: nulls, never a figure.
    assert change["teams"]["marketing"] == {
        "score_change": None,
        "p_value": None,
        "stage_from": None,
        "stage_to": None,
    }
    # The first wave's overall is Sales alone, the second's both teams: not compared.
    assert change["overall"] == {"score_change": None}


def test_trend_text_names_the_stage_move_and_the_withheld_team(runner, waves) -> None:
    result = runner.invoke(args=["trend", "acme"])
    assert result.exit_code == 0, result.output
    assert "Sales: +23.3 points" in result.output
    assert "Defined → Integrated" in result.output
    assert "Marketing: too few responses in one of the waves" in result.output


def test_released_trend_leaves_out_waves_without_a_release_and_reads_them_as_stored(
    runner, waves, make_release, add_answers
) -> None:
    first, second = waves
    assert trend(runner, "--released")["waves"] == []
    make_release(first)
    released = trend(runner, "--released")
    assert [wave["assessment"] for wave in released["waves"]] == [first]
    assert released["changes"] == []
    make_release(second)
    before = trend(runner, "--released")
    assert [wave["assessment"] for wave in before["waves"]] == [first, second]
    # Five more responses change the live trend, not the released one.
    add_answers(second, "sales", [uniform(1)] * 5)
    assert trend(runner, "--released") == before
    live = trend(runner)
    assert (
        live["changes"][0]["teams"]["sales"]["score_change"]
        != before["changes"][0]["teams"]["sales"]["score_change"]
    )


def test_unknown_organization_is_one_line(runner, waves) -> None:
    result = runner.invoke(args=["trend", "Initech"])
    assert result.exit_code != 0
    assert "no organization named 'Initech'" in result.output
    assert "Traceback" not in result.output


def test_detached_wave_is_left_out(app, runner, waves) -> None:
    first, second = waves
    with app.app_context(), db.write_session() as session:
        get_assessment(session, first).in_series = False
    data = trend(runner)
    assert [wave["assessment"] for wave in data["waves"]] == [second]
    assert data["changes"] == []


def test_live_results_from_snapshots_equal_the_computed_results(app, kotler, waves, add_answers) -> None:
    first, second = waves

    def both() -> tuple[list[dict], list[dict]]:
        with app.app_context(), db.write_session() as session:
            pairs = [(get_assessment(session, slug), kotler) for slug in (first, second)]
            snapshot, fresh = live_results(session, pairs)
            computed = [results_json(a, compute_results(session, a, kotler)) for a, _ in pairs]
            keep(session, fresh, kotler)
        return snapshot, computed

    snapshot, computed = both()
    assert snapshot == computed
    # Read again from the stored snapshots: the same, and nothing computed.
    with app.app_context():
        session = db.get_session()
        again, fresh = live_results(
            session, [(get_assessment(session, slug), kotler) for slug in (first, second)]
        )
    assert fresh == []
    assert again == computed
    # Two responses wait for their step: counted, no figure changes.
    add_answers(second, "sales", [uniform(1)] * 2)
    snapshot, computed = both()
    assert snapshot == computed
    assert snapshot[1]["teams"]["sales"]["pending"] == 2
    # Three more: a step is published, the figures change, the snapshot follows.
    add_answers(second, "sales", [uniform(1)] * 3)
    snapshot, computed = both()
    assert snapshot == computed
    assert snapshot[1]["teams"]["sales"]["responses"] == len(SECOND_SALES) + 5


def test_trend_page_for_consultants_marks_live_waves(app, waves, make_user, make_release) -> None:
    first, _ = waves
    make_release(first)
    make_user("c@acme.example", "consultant", organization="Acme")
    client = signed_in(app, "c@acme.example")
    page = client.get("/o/acme/trend")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Live · release 1 out" in text
    assert "Live · not released" in text
    assert "Defined → Integrated" in text
    assert "too few responses" in text
    released = client.get("/o/acme/trend?view=released").get_data(as_text=True)
    assert "Wave two" not in released
    assert "Release 1" in released


def test_leaders_see_only_released_waves_on_the_page_and_in_the_json(
    app, runner, waves, make_user, make_release
) -> None:
    first, second = waves
    make_user("lead@acme.example", "leader", organization="Acme")
    client = signed_in(app, "lead@acme.example")
    assert client.get("/o/acme/trend.json").get_json()["waves"] == []
    make_release(first)
    # ?view=live does not give a leader the live figures.
    for path in ("/o/acme/trend.json", "/o/acme/trend.json?view=live"):
        data = client.get(path).get_json()
        assert [wave["assessment"] for wave in data["waves"]] == [first]
        assert data == trend(runner, "--released")
    page = client.get("/o/acme/trend").get_data(as_text=True)
    assert "Wave two" not in page
    assert second not in page
    assert "Live" not in page


def test_trend_of_another_organization_is_not_found(app, waves, make_user, make_assessment) -> None:
    make_assessment(organization="Globex")
    make_user("c@globex.example", "consultant", organization="Globex")
    make_user("lead@globex.example", "leader", organization="Globex")
    for email in ("c@globex.example", "lead@globex.example"):
        client = signed_in(app, email)
        assert client.get("/o/acme/trend").status_code == 404
        assert client.get("/o/acme/trend.json").status_code == 404
    assert app.test_client().get("/o/acme/trend").status_code == 302  # to sign in


def test_no_view_of_the_trend_gives_a_withheld_team_a_figure(app, runner, waves, make_user) -> None:
    """Marketing has 3 responses in the first wave: no trend view may show or imply its figures,
    by its own cell, by the overall (complement), or by a change (difference over time)."""
    first, _ = waves
    data = trend(runner)
    withheld = data["waves"][0]["teams"]["marketing"]
    assert withheld["withheld"] is True
    assert {"score", "sd", "ci95", "items", "dimensions"}.isdisjoint(withheld)
    assert data["waves"][0]["overall"]["score"] == pytest.approx(mean(totals(FIRST_SALES)))
    assert set(data["changes"][0]["teams"]["marketing"].values()) == {None}
    assert data["changes"][0]["overall"]["score_change"] is None
    make_user("c@acme.example", "consultant", organization="Acme")
    page = signed_in(app, "c@acme.example").get("/o/acme/trend").get_data(as_text=True)
    # The page's first wave row: Sales' score, then "too few responses" for Marketing.
    row = page[page.index("Wave one") : page.index("</tr>", page.index("Wave one"))]
    assert "56.7" in row
    assert "too few responses" in row
    with app.app_context():
        session = db.get_session()
        organization = session.query(Organization).filter_by(slug="acme").one()
        assert len(organization.assessments) == 2
