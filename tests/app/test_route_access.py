"""Every route of the app, tried by people who must not get its data.

The list of routes is read from the app itself, so a new page that forgets its
access check fails here. Public routes are named explicitly below.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from survey_app import db
from survey_app.models import User

from helpers import sign_in, uniform

#: Routes anyone may open: the respondent's survey is guarded by its unguessable tokens.
#: The page a password link opens is guarded by the link's unguessable token (test_account_passwords.py).
PUBLIC_ENDPOINTS = {
    "static",
    "main.index",
    "main.healthz",
    "main.readyz",
    "auth.sign_in",
    "accounts.set_password",
}
PUBLIC_BLUEPRINTS = {"survey"}
#: Words that only appear on the protected organization's pages.
SECRET = "Initech"


def protected_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route that needs a signed-in user."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return found


@pytest.fixture
def target(app, make_assessment, make_user, add_answers, make_release) -> dict[str, str]:
    """An organization with an assessment, answers and release 1, and the values to put in each URL."""
    slug = make_assessment(organization=SECRET, name=f"{SECRET} review")
    add_answers(slug, "sales", [uniform(4)] * 5)
    make_release(slug)
    make_user("insider@example.com", "leader", organization=SECRET)
    with app.app_context():
        user_id = db.get_session().scalar(select(User.id).where(User.email == "insider@example.com"))
    org_slug = slug.split("-")[0]
    return {"slug": slug, "org_slug": org_slug, "team_key": "sales", "user_id": str(user_id)}


def url_for_rule(rule: str, values: dict[str, str]) -> str:
    """Fill a rule's placeholders: assessment slug, organization slug, team, user id."""
    url = rule.replace("<int:user_id>", values["user_id"]).replace("<team_key>", values["team_key"])
    url = url.replace("<int:job_id>", "1").replace("<int:number>", "1")
    if rule.startswith("/o/"):
        return url.replace("<slug>", values["org_slug"])
    return url.replace("<slug>", values["slug"])


def call(client, method: str, url: str):  # noqa: ANN001, ANN201 - test client
    return client.open(url, method=method, data={})


@pytest.mark.sqlite_only
def test_the_route_list_is_not_empty(app) -> None:
    endpoints = {endpoint for endpoint, _, _ in protected_rules(app)}
    assert {"results.page", "workspace.assessment", "distribute.page", "admin.users"} <= endpoints
    assert {"leaders.invite", "leaders.revoke"} <= endpoints


def test_anonymous_visitors_are_sent_to_sign_in(app, client, target) -> None:
    for endpoint, method, rule in protected_rules(app):
        response = call(client, method, url_for_rule(rule, target))
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert "/sign-in" in response.headers["Location"], endpoint
        assert SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "role", "organization"),
    [
        ("outsider-leader@example.com", "leader", "Other Co"),
        ("unassigned@example.com", "consultant", "Other Co"),
    ],
)
def test_people_of_other_organizations_get_nothing(
    app, client, target, make_assessment, make_user, email, role, organization
) -> None:
    make_assessment(organization=organization, name="Their own")
    make_user(email, role, organization=organization)
    sign_in(client, email)
    for endpoint, method, rule in protected_rules(app):
        if endpoint == "auth.sign_out":
            continue
        url = url_for_rule(rule, target)
        response = call(client, method, url)
        body = response.get_data(as_text=True)
        if endpoint.startswith("admin."):
            assert response.status_code == 403, (endpoint, method)
        elif "<" in rule:  # a route about one organization's assessment or account
            assert response.status_code == 404, (endpoint, method, response.status_code)
        else:  # the user's own pages (workspace home, new organization: staff only)
            assert response.status_code in (200, 302, 403), (endpoint, method, response.status_code)
        assert SECRET not in body, (endpoint, method)
    assert insider_exists(app)  # not revoked by anyone of another organization


def insider_exists(app: Flask) -> bool:
    """Whether the protected organization's leader account is still there, with no one added beside it."""
    with app.app_context():
        emails = set(db.get_session().scalars(select(User.email)))
    return "insider@example.com" in emails and not any(email.startswith("nina") for email in emails)


def test_the_organizations_own_leader_cannot_manage_its_leaders(app, client, target) -> None:
    """Inviting, listing and revoking leaders is for its consultant or an admin: a leader finds nothing."""
    sign_in(client, "insider@example.com")
    routes = [(e, m, r) for e, m, r in protected_rules(app) if e.split(".")[0] == "leaders"]
    assert routes
    for endpoint, method, rule in routes:
        url = url_for_rule(rule, target)
        response = client.open(url, method=method, data={"name": "Nina", "email": "nina@example.com"})
        assert response.status_code == 404, (endpoint, method, response.status_code)
    assert 'id="leaders"' not in client.get(f"/o/{target['org_slug']}").get_data(as_text=True)
    assert insider_exists(app)
