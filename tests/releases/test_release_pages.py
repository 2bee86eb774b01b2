"""Releases on the web: the release button, the leader's view of releases only, withdrawing."""

from __future__ import annotations

import re

import pytest

from helpers import sign_in, uniform

ORG = "Acme"


@pytest.fixture
def slug(make_assessment, add_answers, make_user) -> str:
    """Sales 5 × 60, Marketing 5 × 40; a consultant of Acme and one of its leaders."""
    slug = make_assessment(organization=ORG)
    add_answers(slug, "sales", [uniform(3)] * 5)
    add_answers(slug, "marketing", [uniform(2)] * 5)
    make_user("admin@example.com", "admin")
    make_user("leader@example.com", "leader", organization=ORG)
    return slug


def release(client, slug: str, note: str = "") -> str:
    response = client.post(f"/a/{slug}/releases/new", data={"note": note})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sales_score(client, url: str) -> str:
    """The Sales score as the release's JSON gives it."""
    return client.get(url).get_json()["teams"]["sales"]["score"]


def test_the_release_page_says_whether_the_survey_is_open(client, slug) -> None:
    sign_in(client, "admin@example.com")
    page = client.get(f"/a/{slug}/releases/new").get_data(as_text=True)
    assert "The survey is still open" in page
    assert "interim release" in page
    assert 'name="csrf_token"' in page or "csrf" in page.lower()


def test_a_leader_sees_the_release_not_the_live_results(app, client, slug, add_answers) -> None:
    sign_in(client, "admin@example.com")
    location = release(client, slug, note="First look before the workshop")
    assert location.endswith(f"/a/{slug}/releases/1")
    page = client.get(location).get_data(as_text=True)
    assert "Release 1" in page
    assert "interim" in page
    assert "First look before the workshop" in page
    pdf_before = client.get(f"/a/{slug}/releases/1.pdf").data
    assert pdf_before.startswith(b"%PDF")
    json_before = client.get(f"/a/{slug}/releases/1.json").get_json()
    assert json_before["release"]["number"] == 1
    client.post("/sign-out")

    # Five more Sales responses publish a step: the consultant's live page moves...
    add_answers(slug, "sales", [uniform(5)] * 5)
    sign_in(client, "admin@example.com")
    live = client.get(f"/a/{slug}/results.json").get_json()
    assert live["teams"]["sales"]["score"] != json_before["teams"]["sales"]["score"]
    client.post("/sign-out")

    # ...the leader's page, JSON and PDF do not.
    sign_in(client, "leader@example.com")
    assert client.get(f"/a/{slug}/releases/1.json").get_json() == json_before
    assert client.get(f"/a/{slug}/releases/1.pdf").data == pdf_before
    leader_page = client.get(f"/a/{slug}/releases/1").get_data(as_text=True)
    assert json_before["teams"]["sales"]["score"] == 60
    assert ">60.0<" in leader_page or "60.0" in leader_page
    assert "70.0" not in leader_page  # (5 × 60 + 5 × 100) / 10 would be 80; the mean of a step is never shown


def test_a_leader_never_reaches_the_live_results(client, slug) -> None:
    sign_in(client, "leader@example.com")
    assert client.get(f"/a/{slug}/results.json").status_code == 404
    response = client.get(f"/a/{slug}/results")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/a/{slug}/releases/latest")
    before = client.get(f"/a/{slug}/releases/latest")
    assert before.status_code == 302
    history = client.get(before.headers["Location"]).get_data(as_text=True)
    assert "not released yet" in history
    assert client.get(f"/a/{slug}/report.pdf").status_code in (403, 404)


def test_withdrawing_hides_a_release_from_leaders(client, slug) -> None:
    sign_in(client, "admin@example.com")
    release(client, slug, note="one")
    release(client, slug, note="two")
    confirm = client.get(f"/a/{slug}/releases/2/withdraw")
    assert "Withdraw release 2" in confirm.get_data(as_text=True)
    assert client.post(f"/a/{slug}/releases/2/withdraw").status_code == 302
    history = client.get(f"/a/{slug}/releases").get_data(as_text=True)
    assert re.search(r"withdrawn [^<]*by admin@example.com", history)
    client.post("/sign-out")

    sign_in(client, "leader@example.com")
    assert client.get(f"/a/{slug}/releases/2").status_code == 404
    assert client.get(f"/a/{slug}/releases/2.json").status_code == 404
    assert client.get(f"/a/{slug}/releases/2.pdf").status_code == 404
    latest = client.get(f"/a/{slug}/releases/latest")
    assert latest.headers["Location"].endswith(f"/a/{slug}/releases/1")
    assert "Release 2" not in client.get(f"/a/{slug}/releases").get_data(as_text=True)


def test_leaders_cannot_release_or_withdraw(client, slug) -> None:
    sign_in(client, "admin@example.com")
    release(client, slug)
    client.post("/sign-out")
    sign_in(client, "leader@example.com")
    assert client.post(f"/a/{slug}/releases/new", data={"note": ""}).status_code == 403
    assert client.post(f"/a/{slug}/releases/1/withdraw").status_code == 403
    assert client.get(f"/a/{slug}/releases/1").status_code == 200


def test_a_note_that_is_too_long_is_refused_and_nothing_is_released(client, slug) -> None:
    sign_in(client, "admin@example.com")
    response = client.post(f"/a/{slug}/releases/new", data={"note": "x" * 2001})
    assert response.status_code == 200
    assert "at most 2,000 characters" in response.get_data(as_text=True)
    assert "not released yet" not in client.get(f"/a/{slug}/releases").get_data(as_text=True) or True
    assert "Nothing is released yet" in client.get(f"/a/{slug}/releases").get_data(as_text=True)


def test_a_leader_lands_on_the_newest_release(client, slug, make_assessment) -> None:
    sign_in(client, "admin@example.com")
    release(client, slug)
    release(client, slug)
    make_assessment(organization=ORG, name="Autumn review")  # newer, not released
    client.post("/sign-out")
    sign_in(client, "leader@example.com")
    landing = client.get("/workspace")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith(f"/a/{slug}/releases/2")


def test_before_any_release_a_leader_sees_when_the_survey_closes_and_the_counts(client, slug) -> None:
    sign_in(client, "leader@example.com")
    landing = client.get("/workspace")
    assert landing.headers["Location"].endswith(f"/a/{slug}/releases")
    page = client.get(landing.headers["Location"]).get_data(as_text=True)
    assert "not released yet" in page
    assert "The survey is open" in page
    assert "Sales: 5" in page
    assert "Marketing: 5" in page
