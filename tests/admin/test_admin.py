"""Admins manage consultant and leader accounts; nobody else may."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from survey_app import db
from survey_app.models import Organization, Role, User

from helpers import PASSWORD, sign_in

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def admin(client, make_user, make_assessment):
    make_assessment(organization="Acme")
    make_assessment(organization="Globex")
    make_user("admin@example.com", "admin")
    sign_in(client, "admin@example.com")
    return client


def org_id(app, name: str) -> int:
    with app.app_context():
        return db.get_session().scalar(select(Organization.id).where(Organization.name == name))


def user(app, email: str) -> User:
    with app.app_context():
        found = db.get_session().scalar(select(User).where(User.email == email))
        assert found is not None
        _ = found.assigned_organizations, found.organization
        return found


def test_admin_lists_accounts(admin, make_user) -> None:
    make_user("lead@example.com", "leader", organization="Acme")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "lead@example.com" in page
    assert "Acme" in page


def test_admin_creates_a_leader_of_one_organization(app, admin) -> None:
    response = admin.post(
        "/admin/users/new",
        data={
            "email": "Lead@Example.com",
            "name": "Lee",
            "role": "leader",
            "organization": org_id(app, "Acme"),
            "is_active": "y",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    created = user(app, "lead@example.com")
    assert created.role is Role.LEADER
    assert created.organization.name == "Acme"
    assert check_password_hash(created.password_hash, PASSWORD)


def test_admin_creates_a_consultant_for_two_organizations(app, admin) -> None:
    admin.post(
        "/admin/users/new",
        data={
            "email": "c@example.com",
            "role": "consultant",
            "assigned": [org_id(app, "Acme"), org_id(app, "Globex")],
            "is_active": "y",
            "password": PASSWORD,
        },
    )
    assert sorted(org.name for org in user(app, "c@example.com").assigned_organizations) == ["Acme", "Globex"]


def test_short_password_and_leader_without_organization_are_refused(app, admin) -> None:
    page = admin.post(
        "/admin/users/new", data={"email": "x@example.com", "role": "leader", "password": "short"}
    ).get_data(as_text=True)
    assert "at least 12 characters" in page
    assert 'value="x@example.com"' in page  # what was typed is kept
    page = admin.post(
        "/admin/users/new", data={"email": "x@example.com", "role": "leader", "password": PASSWORD}
    ).get_data(as_text=True)
    assert "A leader needs an organization" in page
    with app.app_context():
        assert db.get_session().scalar(select(User).where(User.email == "x@example.com")) is None


def test_deactivating_signs_the_user_out(app, admin, make_user) -> None:
    make_user("c@example.com", "consultant", organization="Acme")
    victim = app.test_client()
    sign_in(victim, "c@example.com")
    assert victim.get("/workspace").status_code == 200
    target = user(app, "c@example.com")
    response = admin.post(
        f"/admin/users/{target.id}", data={"role": "consultant", "assigned": [org_id(app, "Acme")]}
    )
    assert response.status_code == 302
    assert user(app, "c@example.com").is_active is False
    assert victim.get("/workspace").status_code == 302


def test_password_reset(app, admin, make_user) -> None:
    make_user("c@example.com")
    target = user(app, "c@example.com")
    admin.post(
        f"/admin/users/{target.id}", data={"role": "consultant", "is_active": "y", "password": NEW_PASSWORD}
    )
    assert check_password_hash(user(app, "c@example.com").password_hash, NEW_PASSWORD)


def test_admin_cannot_demote_themselves(app, admin) -> None:
    me = user(app, "admin@example.com")
    page = admin.post(f"/admin/users/{me.id}", data={"role": "consultant", "is_active": "y"}).get_data(
        as_text=True
    )
    assert "cannot remove your own admin role" in page
    assert user(app, "admin@example.com").role is Role.ADMIN


@pytest.mark.parametrize("role", ["consultant", "leader"])
def test_only_admins_reach_account_pages(app, client, make_user, make_assessment, role: str) -> None:
    make_assessment(organization="Acme")
    make_user("someone@example.com", role, organization="Acme")
    sign_in(client, "someone@example.com")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={"email": "x@example.com"}).status_code == 403


@pytest.mark.sqlite_only
def test_anonymous_is_sent_to_sign_in(client) -> None:
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_unknown_account_is_404(admin) -> None:
    assert admin.get("/admin/users/999999").status_code == 404


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password1234", "too easy to guess"),
        ("iloveyou2024", "too easy to guess"),
        ("newperson-tulip-77", "your e-mail address"),
        ("alignment tulip harbour", "the name of this product"),
    ],
)
def test_weak_passwords_are_refused_on_the_password_field(app, admin, password: str, why: str) -> None:
    page = admin.post(
        "/admin/users/new",
        data={"email": "newperson@example.com", "role": "consultant", "is_active": "y", "password": password},
    ).get_data(as_text=True)
    error = re.search(r'<div id="password-error">(.*?)</div>', page, flags=re.DOTALL)
    assert error, "no error on the password field"
    assert why in error.group(1)
    assert "The password " in error.group(1)  # names the field
    with app.app_context():
        assert db.get_session().scalar(select(User).where(User.email == "newperson@example.com")) is None


def test_a_weak_new_password_for_an_existing_account_is_refused(app, admin, make_user) -> None:
    make_user("c@example.com")
    target = user(app, "c@example.com")
    page = admin.post(
        f"/admin/users/{target.id}",
        data={"role": "consultant", "is_active": "y", "password": "qwertyuiop123"},
    ).get_data(as_text=True)
    assert re.search(r'<div id="password-error">.*too easy to guess', page, flags=re.DOTALL)
    assert check_password_hash(user(app, "c@example.com").password_hash, PASSWORD)
