"""Changing one's own password, and single-use links that let a user set a new one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from survey_app import db
from survey_app.log_redaction import redact
from survey_app.models import PasswordLink, User, UserSession
from survey_app.tokens import token_hash

import factories
from helpers import (
    ACCOUNTS_URL,
    NEW_PASSWORD,
    PASSWORD,
    SET_PASSWORD_LINK,
    set_password,
    sign_in,
    sign_in_with_csrf,
    signed_in,
)
from smtp_support import Collector


def user_row(app: Flask, email: str) -> User:
    with app.app_context():
        found = db.get_session().scalar(select(User).where(User.email == email))
        assert found is not None
        return found


def sessions_of(app: Flask, email: str) -> int:
    with app.app_context():
        return db.get_session().scalar(
            select(func.count(UserSession.id)).join(User).where(User.email == email)
        )


# --- changing one's own password ------------------------------------------------------------


def change(client, current: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None):  # noqa: ANN001, ANN201
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "new_password_again": again or new},
    )


@pytest.fixture
def casey(app, client, make_user, make_assessment):
    make_assessment(organization="Acme")
    make_user("casey@example.com", "consultant", organization="Acme")
    sign_in(client, "casey@example.com")
    return client


def test_the_header_links_to_the_change_password_page(casey) -> None:
    page = casey.get("/workspace").get_data(as_text=True)
    assert 'href="/account/password"' in page
    form = casey.get("/account/password").get_data(as_text=True)
    assert '<label class="field__label" for="current_password">Current password</label>' in form
    assert 'autocomplete="current-password"' in form
    assert form.count('autocomplete="new-password"') == 2


def test_changing_the_password_ends_the_other_sessions_only(app, casey) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere, "casey@example.com")
    assert sessions_of(app, "casey@example.com") == 2
    response = change(casey)
    assert response.status_code == 302
    assert sessions_of(app, "casey@example.com") == 1
    home = casey.get("/workspace")
    assert home.status_code == 200  # this browser stays signed in
    assert "Your password is changed" in home.get_data(as_text=True)
    assert elsewhere.get("/workspace").status_code == 302  # the other one is signed out
    assert check_password_hash(user_row(app, "casey@example.com").password_hash, NEW_PASSWORD)


def test_the_current_password_must_be_right(app, casey) -> None:
    page = change(casey, current="not my password at all").get_data(as_text=True)
    assert "The current password is not right." in page
    assert check_password_hash(user_row(app, "casey@example.com").password_hash, PASSWORD)


def test_the_two_new_passwords_must_match(app, casey) -> None:
    page = change(casey, again="tulip harbour wonder").get_data(as_text=True)
    assert "The two new passwords are not the same." in page
    assert check_password_hash(user_row(app, "casey@example.com").password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("weak", "why"),
    [
        ("short one", "at least 12 characters"),
        ("password1234", "too easy to guess"),
        ("qwertyuiop123", "too easy to guess"),
        ("casey-secret-99-zebra", "your e-mail address"),
        ("marketing tulip harbour", "the name of this product"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason(app, casey, weak: str, why: str) -> None:
    response = change(casey, new=weak)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert why in page
    assert 'id="new_password-error"' in page  # on the field it is about
    assert check_password_hash(user_row(app, "casey@example.com").password_hash, PASSWORD)


@pytest.mark.sqlite_only
def test_changing_the_password_needs_a_signed_in_user(client) -> None:
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# --- reset links ----------------------------------------------------------------------------


@pytest.fixture
def people(app, make_user, make_assessment) -> dict[str, int]:
    """Acme (consultant Casey, leader Lee), Globex (consultant Cora, leader Gil) and an admin."""
    app.config["PUBLIC_URL"] = ACCOUNTS_URL
    make_assessment(organization="Acme")
    make_assessment(organization="Globex")
    make_user("admin@example.com", "admin")
    make_user("casey@example.com", "consultant", organization="Acme")
    make_user("cora@example.com", "consultant", organization="Globex")
    make_user("lee@example.com", "leader", organization="Acme")
    make_user("gil@example.com", "leader", organization="Globex")
    return {
        email.split("@")[0]: user_row(app, email).id
        for email in [
            "admin@example.com",
            "casey@example.com",
            "cora@example.com",
            "lee@example.com",
            "gil@example.com",
        ]
    }


def new_link(client, user_id: int) -> str:  # noqa: ANN001
    """Create a reset link through the page; return the token shown."""
    response = client.post(f"/accounts/{user_id}/reset-link")
    assert response.status_code == 200, response.status_code
    match = SET_PASSWORD_LINK.search(response.get_data(as_text=True))
    assert match, "no link on the page"
    return match.group(1)


def link_for(app: Flask, user_id: int) -> str:
    """A reset link made through the service (no page); its token."""
    from survey_app.auth.passwords import create_link
    from survey_app.models import LinkPurpose

    with app.app_context(), db.write_session() as session:
        return create_link(
            session, session.get(User, user_id), LinkPurpose.RESET, timedelta(hours=1), None
        ).token


def test_an_admin_creates_a_link_shown_once_and_stored_as_a_hash(app, people) -> None:
    admin = signed_in(app, "admin@example.com")
    form = admin.get(f"/accounts/{people['casey']}/reset-link").get_data(as_text=True)
    assert "casey@example.com" in form
    token = new_link(admin, people["casey"])
    assert len(token) >= 22  # at least 128 bits
    with app.app_context():
        link = db.get_session().scalar(select(PasswordLink))
        assert link.token_hash == token_hash(token)
        assert link.purpose == "reset"
        assert link.user_id == people["casey"]
        assert token not in repr([getattr(link, c.key) for c in PasswordLink.__table__.columns])
        lifetime = link.expires_at.replace(tzinfo=UTC) - link.created_at.replace(tzinfo=UTC)
        assert lifetime == timedelta(hours=24)


def test_the_admin_account_page_offers_a_reset_link(app, people) -> None:
    admin = signed_in(app, "admin@example.com")
    page = admin.get(f"/admin/users/{people['casey']}").get_data(as_text=True)
    assert f'action="/accounts/{people["casey"]}/reset-link"' in page


def test_the_link_is_built_from_the_public_url_not_the_host_header(app, people) -> None:
    admin = app.test_client()
    evil = "http://evil.example"
    admin.post("/sign-in", data={"email": "admin@example.com", "password": PASSWORD}, base_url=evil)
    response = admin.post(f"/accounts/{people['casey']}/reset-link", base_url=evil)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert SET_PASSWORD_LINK.search(page)
    assert "evil.example" not in page


def test_the_link_sets_a_new_password_once_and_signs_the_user_out_everywhere(app, people) -> None:
    casey = signed_in(app, "casey@example.com")
    token = new_link(signed_in(app, "admin@example.com"), people["casey"])
    visitor = app.test_client()
    form = visitor.get(f"/set-password?token={token}")
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"
    assert "casey@example.com" in form.get_data(as_text=True)
    done = set_password(visitor, token)
    assert done.status_code == 302
    assert done.headers["Location"] == "/sign-in"
    assert casey.get("/workspace").status_code == 302  # the old session ended
    assert sign_in(app.test_client(), "casey@example.com").status_code == 200  # the old password is gone
    assert sign_in(app.test_client(), "casey@example.com", NEW_PASSWORD).status_code == 302
    again = visitor.get(f"/set-password?token={token}")
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert set_password(app.test_client(), token, "another fresh passphrase").status_code == 410
    assert check_password_hash(user_row(app, "casey@example.com").password_hash, NEW_PASSWORD)


def test_an_expired_link_gets_a_clear_page(app, people) -> None:
    token = new_link(signed_in(app, "admin@example.com"), people["casey"])
    with app.app_context(), db.write_session() as session:
        session.scalar(select(PasswordLink)).expires_at = datetime.now(UTC) - timedelta(minutes=1)
    for response in (
        app.test_client().get(f"/set-password?token={token}"),
        set_password(app.test_client(), token),
    ):
        assert response.status_code == 410
        assert "has expired" in response.get_data(as_text=True)
    assert check_password_hash(user_row(app, "casey@example.com").password_hash, PASSWORD)


def test_the_lifetime_is_a_setting(app, people) -> None:
    app.config["RESET_LINK_HOURS"] = 2
    new_link(signed_in(app, "admin@example.com"), people["casey"])
    with app.app_context():
        link = db.get_session().scalar(select(PasswordLink))
        assert link.expires_at.replace(tzinfo=UTC) - link.created_at.replace(tzinfo=UTC) == timedelta(hours=2)


def test_an_unknown_link_gets_a_clear_page(client) -> None:
    for path in ("/set-password?token=not-a-real-token-at-all-here", "/set-password"):
        response = client.get(path)
        assert response.status_code == 404
        assert "does not work" in response.get_data(as_text=True)


def test_a_new_link_replaces_the_earlier_one(app, people) -> None:
    admin = signed_in(app, "admin@example.com")
    first = new_link(admin, people["casey"])
    second = new_link(admin, people["casey"])
    assert app.test_client().get(f"/set-password?token={first}").status_code in (404, 410)
    assert app.test_client().get(f"/set-password?token={second}").status_code == 200


def test_a_weak_password_keeps_the_link_usable(app, people) -> None:
    token = new_link(signed_in(app, "admin@example.com"), people["casey"])
    refused = set_password(app.test_client(), token, "password1234")
    assert refused.status_code == 200
    assert "too easy to guess" in refused.get_data(as_text=True)
    mismatch = set_password(app.test_client(), token, NEW_PASSWORD, "tulip harbour wonder")
    assert "The two new passwords are not the same." in mismatch.get_data(as_text=True)
    assert set_password(app.test_client(), token).status_code == 302


def test_a_consultant_creates_links_for_leaders_of_their_organizations_only(app, people) -> None:
    casey = signed_in(app, "casey@example.com")
    listing = casey.get("/accounts").get_data(as_text=True)
    assert "lee@example.com" in listing
    assert "gil@example.com" not in listing
    assert "cora@example.com" not in listing
    assert new_link(casey, people["lee"])
    for other in ("gil", "cora", "admin", "casey"):
        assert casey.get(f"/accounts/{people[other]}/reset-link").status_code == 404, other
        assert casey.post(f"/accounts/{people[other]}/reset-link").status_code == 404, other
    with app.app_context():
        assert db.get_session().scalar(select(func.count(PasswordLink.id))) == 1


def test_leaders_create_no_links(app, people) -> None:
    lee = signed_in(app, "lee@example.com")
    assert lee.get("/accounts").status_code == 403
    assert lee.post(f"/accounts/{people['lee']}/reset-link").status_code == 404
    assert lee.post(f"/accounts/{people['gil']}/reset-link").status_code == 404


def test_the_token_never_reaches_a_log(app, people, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        token = new_link(signed_in(app, "admin@example.com"), people["casey"])
        visitor = app.test_client()
        visitor.get(f"/set-password?token={token}")
        set_password(visitor, token)
        visitor.get(f"/set-password?token={token}")
        # the request log line of the development server (gunicorn's goes through ``redact``)
        logging.getLogger("werkzeug").info(
            '%s - - "%s" %s -', "127.0.0.1", f"GET /set-password?token={token} HTTP/1.1", 200
        )
    assert any("/set-password" in record.getMessage() for record in caplog.records)
    assert all(token not in record.getMessage() for record in caplog.records)
    assert token not in redact(f"{ACCOUNTS_URL}/set-password?token={token}")  # a Referer holding the link


# --- e-mail ---------------------------------------------------------------------------------


def test_the_link_is_emailed_when_mail_is_configured(app, people, smtp: Collector) -> None:
    admin = signed_in(app, "admin@example.com")
    page = admin.post(f"/accounts/{people['lee']}/reset-link").get_data(as_text=True)
    token = SET_PASSWORD_LINK.search(page).group(1)
    assert "e-mailed to lee@example.com" in page
    [(recipients, message)] = smtp.messages
    assert recipients == ["lee@example.com"]
    assert "password" in message["Subject"].lower()
    body = message.get_body(("plain",)).get_content()
    assert f"{ACCOUNTS_URL}/set-password?token={token}" in body
    assert "24 hours" in body


def test_without_mail_the_page_says_to_pass_the_link_on(app, people) -> None:
    page = (
        signed_in(app, "admin@example.com")
        .post(f"/accounts/{people['lee']}/reset-link")
        .get_data(as_text=True)
    )
    assert "not e-mailed" in page


# --- CSRF -----------------------------------------------------------------------------------


def test_every_password_form_needs_its_csrf_token(database_url: str, tmp_path: Path, people) -> None:
    app = factories.make_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True, PUBLIC_URL=ACCOUNTS_URL)
    client = app.test_client()
    sign_in_with_csrf(client, "admin@example.com")
    assert client.get("/workspace").status_code == 200
    assert client.post(f"/accounts/{people['casey']}/reset-link").status_code == 400
    assert change(client).status_code == 400
    with app.app_context():
        assert db.get_session().scalar(select(func.count(PasswordLink.id))) == 0
    token = link_for(app, people["casey"])
    assert app.test_client().get(f"/set-password?token={token}").status_code == 200
    assert set_password(app.test_client(), token).status_code == 400
