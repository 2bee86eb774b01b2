"""A leader never reaches live results, by any route of the app (the route list is read from the
app itself, so a new page that forgets to keep leaders to releases fails here)."""

from __future__ import annotations

import json

from flask import Flask

from helpers import sign_in, uniform

#: Values to put in each URL placeholder.
PLACEHOLDERS = {"<int:job_id>": "1", "<int:number>": "1", "<team_key>": "sales", "<int:user_id>": "1"}


def get_urls(app: Flask, slug: str, org_slug: str) -> list[str]:
    """Every GET route of the app, filled in for the assessment (or its organization)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for placeholder, value in PLACEHOLDERS.items():
            url = url.replace(placeholder, value)
        url = url.replace("<slug>", org_slug if rule.rule.startswith("/o/") else slug)
        if "<" not in url:
            urls.append(url)
    return urls


def test_no_route_shows_a_leader_the_live_figures(
    app, client, make_assessment, add_answers, make_user, make_release
):
    slug = make_assessment(organization="Acme", min_group=5)
    add_answers(slug, "sales", [uniform(3)] * 5)  # Sales 60.0 when released
    add_answers(slug, "marketing", [uniform(2)] * 5)
    make_release(slug)
    add_answers(slug, "sales", [uniform(5)] * 5)  # live: Sales (5 × 60 + 5 × 100) / 10 = 80.0
    make_user("c@acme.example", "consultant", organization="Acme")
    make_user("lead@acme.example", "leader", organization="Acme")

    sign_in(client, "c@acme.example")
    live = client.get(f"/a/{slug}/results.json").get_json()
    assert live["teams"]["sales"]["score"] == 80.0  # what the leader must never see
    released_pdf = client.get(f"/a/{slug}/releases/1.pdf").data
    client.post("/sign-out")

    sign_in(client, "lead@acme.example")
    visited = 0
    for url in get_urls(app, slug, "acme"):
        response = client.get(url, follow_redirects=True)
        visited += 1
        body = response.data
        if body.startswith(b"%PDF"):
            assert body == released_pdf, url  # only the release's own PDF
            continue
        text = body.decode("utf-8", "replace")
        assert "80.0" not in text, url
        if response.is_json:
            assert '"score": 80.0' not in json.dumps(response.get_json()), url
    assert visited > 20
