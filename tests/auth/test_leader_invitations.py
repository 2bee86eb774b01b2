"""Consultants invite their clients' leaders from the organization's page, list them and revoke them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from survey_app import db
from survey_app.auth import leaders, link_routes
from survey_app.models import LinkPurpose, PasswordLink, Role, User, UserSession
from survey_app.tokens import token_hash
from survey_app.workspace import routes as workspace_routes

import factories
from helpers import (
    ACCOUNTS_URL,
    NEW_PASSWORD,
    SET_PASSWORD_LINK,
    csrf_token,
    set_password,
    sign_in,
    sign_in_with_csrf,
    signed_in,
)
from smtp_support import Collector, mail_settings, smtp_server

TAKEN = "This e-mail address belongs to another account"


@pytest.fixture
def orgs(app: Flask, make_assessment, make_user) -> dict[str, str]:
    """Acme (consultant Casey, leader Lee), Globex (consultant Cora, leader Gil) and an admin;
    the organizations' slugs."""
    app.config["PUBLIC_URL"] = ACCOUNTS_URL
    acme = make_assessment(organization="Acme")
    globex = make_assessment(organization="Globex")
    make_user("admin@example.com", "admin")
    make_user("casey@example.com", "consultant", organization="Acme", name="Casey Consultant")
    make_user("cora@example.com", "consultant", organization="Globex")
    make_user("lee@example.com", "leader", organization="Acme", name="Lee Leader")
    make_user("gil@example.com", "leader", organization="Globex")
    return {"acme": acme.split("-")[0], "globex": globex.split("-")[0]}


def invite(client, org: str, name: str = "Nina Newleader", email: str = "nina@example.com"):  # noqa: ANN001, ANN201
    return client.post(f"/o/{org}/leaders/invite", data={"name": name, "email": email})


def invited_token(client, org: str, **person: str) -> str:  # noqa: ANN001
    """Invite through the page; the token of the link it shows."""
    response = invite(client, org, **person)
    assert response.status_code == 200, response.status_code
    match = SET_PASSWORD_LINK.search(response.get_data(as_text=True))
    assert match, "no link on the page"
    return match.group(1)


def user_of(app: Flask, email: str) -> User | None:
    with app.app_context():
        return db.get_session().scalar(select(User).where(User.email == email))


def id_of(app: Flask, email: str) -> int:
    found = user_of(app, email)
    assert found is not None, email
    return found.id


def leader_item(page: str, name: str) -> str:
    """The HTML of one leader's entry in the organization page's list."""
    match = re.search(rf'<li class="leader" aria-label="{re.escape(name)}">(.*?)</li>', page, re.DOTALL)
    assert match, f"no entry for {name}"
    return match.group(1)


def counts(app: Flask) -> tuple[int, int, int]:
    """How many accounts, password links and sessions there are."""
    with app.app_context():
        session = db.get_session()
        return (
            session.scalar(select(func.count(User.id))),
            session.scalar(select(func.count(PasswordLink.id))),
            session.scalar(select(func.count(UserSession.id))),
        )


# --- inviting -------------------------------------------------------------------------------


def test_the_organization_page_lists_its_leaders_and_offers_the_invitation(app, orgs) -> None:
    page = signed_in(app, "casey@example.com").get(f"/o/{orgs['acme']}").get_data(as_text=True)
    assert '<h2 id="leaders-heading">Leaders</h2>' in page
    assert "Lee Leader" in page
    assert "lee@example.com" in page
    assert "gil@example.com" not in page  # Globex's leader
    assert "casey@example.com" not in page.split('id="leaders"')[1]  # consultants are not leaders
    assert f'action="/o/{orgs["acme"]}/leaders/invite"' in page
    assert '<label class="field__label" for="name">Name</label>' in page
    assert '<label class="field__label" for="email">E-mail address</label>' in page
    assert f'href="/o/{orgs["acme"]}/leaders/{id_of(app, "lee@example.com")}/revoke"' in page


def test_an_invited_leader_sets_a_password_once_and_signs_in(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    response = invite(casey, orgs["acme"])
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Nina Newleader is invited" in page
    assert "not e-mailed" in page
    assert 'data-copy="invitation-link"' in page  # the copy button
    token = SET_PASSWORD_LINK.search(page).group(1)
    nina = user_of(app, "nina@example.com")
    assert nina.role is Role.LEADER
    assert nina.name == "Nina Newleader"
    assert nina.organization_id == user_of(app, "lee@example.com").organization_id
    assert sign_in(app.test_client(), "nina@example.com", "!invited").status_code == 200  # no password yet
    listing = casey.get(f"/o/{orgs['acme']}").get_data(as_text=True)
    assert "Invitation pending: no password yet" in leader_item(listing, "Nina Newleader")

    visitor = app.test_client()
    form = visitor.get(f"/set-password?token={token}").get_data(as_text=True)
    assert "Choose your password" in form
    assert "Welcome, Nina Newleader" in form
    assert "nina@example.com" in form
    done = set_password(visitor, token)
    assert done.status_code == 302
    assert done.headers["Location"] == "/sign-in"
    assert sign_in(app.test_client(), "nina@example.com", NEW_PASSWORD).status_code == 302

    for again in (
        visitor.get(f"/set-password?token={token}"),
        set_password(visitor, token, "another fresh one"),
    ):
        assert again.status_code == 410
        assert "already been used" in again.get_data(as_text=True)
    assert check_password_hash(user_of(app, "nina@example.com").password_hash, NEW_PASSWORD)
    listing = casey.get(f"/o/{orgs['acme']}").get_data(as_text=True)
    assert "Password chosen: can sign in" in leader_item(listing, "Nina Newleader")


def test_the_link_is_stored_as_a_hash_and_lives_seven_days(app, orgs) -> None:
    token = invited_token(signed_in(app, "casey@example.com"), orgs["acme"])
    with app.app_context():
        link = db.get_session().scalar(select(PasswordLink))
        assert link.token_hash == token_hash(token)
        assert link.purpose is LinkPurpose.INVITE
        assert link.created_by_id == id_of(app, "casey@example.com")
        assert link.expires_at - link.created_at == timedelta(days=7)


def test_the_link_expires_after_seven_days(app, orgs, monkeypatch: pytest.MonkeyPatch) -> None:
    casey = signed_in(app, "casey@example.com")
    token = invited_token(casey, orgs["acme"])
    start = datetime.now(UTC)
    monkeypatch.setattr(link_routes, "_now", lambda: start + timedelta(days=7) - timedelta(minutes=5))
    assert app.test_client().get(f"/set-password?token={token}").status_code == 200
    monkeypatch.setattr(link_routes, "_now", lambda: start + timedelta(days=7, minutes=1))
    for response in (
        app.test_client().get(f"/set-password?token={token}"),
        set_password(app.test_client(), token),
    ):
        assert response.status_code == 410
        assert "has expired" in response.get_data(as_text=True)
    assert user_of(app, "nina@example.com").password_hash == "!invited"
    monkeypatch.setattr(workspace_routes, "_now", lambda: start + timedelta(days=7, minutes=1))
    listing = casey.get(f"/o/{orgs['acme']}").get_data(as_text=True)
    entry = leader_item(listing, "Nina Newleader")
    assert "Invitation expired: no password yet" in entry
    assert 'New link<span class="visually-hidden"> for Nina Newleader' in entry


def test_inviting_a_waiting_leader_again_makes_a_new_link(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    first = invited_token(casey, orgs["acme"])
    response = invite(casey, orgs["acme"], name="Nina N. Newleader", email=" NINA@example.com ")
    page = response.get_data(as_text=True)
    assert "the link made before no longer works" in page
    second = SET_PASSWORD_LINK.search(page).group(1)
    assert app.test_client().get(f"/set-password?token={first}").status_code == 404
    assert app.test_client().get(f"/set-password?token={second}").status_code == 200
    assert user_of(app, "nina@example.com").name == "Nina N. Newleader"
    with app.app_context():
        ninas = db.get_session().scalar(select(func.count(User.id)).where(User.email == "nina@example.com"))
    assert ninas == 1


def test_an_address_of_another_account_is_refused_without_saying_whose(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    before = counts(app)
    for email in ("gil@example.com", "cora@example.com", "admin@example.com", "casey@example.com"):
        response = invite(casey, orgs["acme"], email=email.upper())
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert TAKEN in page, email
        assert 'id="email-error"' in page  # on the field, read with it
        assert "Some fields need your attention" in page  # the summary above the form
        assert "Globex" not in page
        assert "consultant" not in page.lower().replace("casey consultant", "")
    assert counts(app) == before
    assert user_of(app, "gil@example.com").name == ""


def test_a_leader_of_the_organization_with_a_password_is_not_invited_again(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    page = invite(casey, orgs["acme"], email="lee@example.com").get_data(as_text=True)
    assert "This is the address of a leader of Acme who has chosen a password already." in page
    assert SET_PASSWORD_LINK.search(page) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "nina@example.com"}, "Enter the leader’s name."),
        ({"name": "Nina", "email": ""}, "Enter the leader’s e-mail address."),
        ({"name": "Nina", "email": "nina at example"}, "Enter an e-mail address such as name@example.com."),
    ],
)
def test_a_missing_or_malformed_field_is_named(app, orgs, data: dict[str, str], message: str) -> None:
    response = signed_in(app, "casey@example.com").post(f"/o/{orgs['acme']}/leaders/invite", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    assert user_of(app, "nina@example.com") is None


def test_an_admin_invites_into_any_organization(app, orgs) -> None:
    token = invited_token(signed_in(app, "admin@example.com"), orgs["globex"])
    assert app.test_client().get(f"/set-password?token={token}").status_code == 200
    listing = signed_in(app, "cora@example.com").get(f"/o/{orgs['globex']}")
    assert "nina@example.com" in listing.get_data(as_text=True)


# --- revoking -------------------------------------------------------------------------------


def test_revoking_asks_first_then_ends_the_account_its_sessions_and_links(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    lee = signed_in(app, "lee@example.com")
    lee_id = id_of(app, "lee@example.com")
    reset = SET_PASSWORD_LINK.search(
        casey.post(f"/accounts/{lee_id}/reset-link").get_data(as_text=True)
    ).group(1)
    url = f"/o/{orgs['acme']}/leaders/{lee_id}/revoke"

    ask = casey.get(url)
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200
    assert "Revoke the account of Lee Leader?" in page
    assert '<button type="submit" class="button">Revoke the account</button>' in page
    assert user_of(app, "lee@example.com") is not None  # asking changes nothing

    done = casey.post(url)
    assert done.status_code == 302
    assert done.headers["Location"] == f"/o/{orgs['acme']}"
    flashed = casey.get(done.headers["Location"]).get_data(as_text=True)
    assert "The account of Lee Leader (lee@example.com) is revoked" in flashed
    assert user_of(app, "lee@example.com") is None
    assert lee.get("/workspace").status_code == 302  # signed out
    assert sign_in(app.test_client(), "lee@example.com").status_code == 200  # cannot sign in
    assert app.test_client().get(f"/set-password?token={reset}").status_code == 404
    with app.app_context():
        session = db.get_session()
        assert session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == lee_id)) == 0
        assert session.scalar(select(func.count(PasswordLink.id)).where(PasswordLink.user_id == lee_id)) == 0


def test_a_revoked_invitation_link_stops_working_and_the_address_can_be_invited_again(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    token = invited_token(casey, orgs["acme"])
    nina = id_of(app, "nina@example.com")
    assert "Its invitation link stops working." in casey.get(
        f"/o/{orgs['acme']}/leaders/{nina}/revoke"
    ).get_data(as_text=True)
    assert casey.post(f"/o/{orgs['acme']}/leaders/{nina}/revoke").status_code == 302
    assert app.test_client().get(f"/set-password?token={token}").status_code == 404
    assert set_password(app.test_client(), token).status_code == 404
    assert user_of(app, "nina@example.com") is None
    assert invited_token(casey, orgs["acme"])  # a fresh start


def test_only_leaders_of_the_organization_are_revoked_here(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    before = counts(app)
    for email in ("casey@example.com", "admin@example.com", "gil@example.com"):
        url = f"/o/{orgs['acme']}/leaders/{id_of(app, email)}/revoke"
        assert casey.get(url).status_code == 404, email
        assert casey.post(url).status_code == 404, email
    assert casey.post(f"/o/{orgs['acme']}/leaders/999999/revoke").status_code == 404
    assert counts(app) == before
    assert casey.get(f"/o/{orgs['acme']}/leaders/{id_of(app, 'lee@example.com')}/revoke").status_code == 200


# --- who may ---------------------------------------------------------------------------------


def test_a_consultant_cannot_invite_list_or_revoke_in_an_organization_not_theirs(app, orgs) -> None:
    casey = signed_in(app, "casey@example.com")
    gil = id_of(app, "gil@example.com")
    before = counts(app)
    assert casey.get(f"/o/{orgs['globex']}").status_code == 404  # the list is on this page
    assert casey.get(f"/o/{orgs['globex']}/leaders/invite").status_code == 404
    assert invite(casey, orgs["globex"]).status_code == 404
    assert invite(casey, orgs["globex"], email="gil@example.com").status_code == 404
    assert casey.get(f"/o/{orgs['globex']}/leaders/{gil}/revoke").status_code == 404
    assert casey.post(f"/o/{orgs['globex']}/leaders/{gil}/revoke").status_code == 404
    assert casey.post(f"/o/{orgs['acme']}/leaders/{gil}/revoke").status_code == 404  # through their own
    assert counts(app) == before
    assert user_of(app, "nina@example.com") is None
    assert user_of(app, "gil@example.com") is not None
    # the pages exist: Globex's own consultant gets them
    cora = signed_in(app, "cora@example.com")
    assert cora.get(f"/o/{orgs['globex']}/leaders/invite").status_code == 200
    assert cora.get(f"/o/{orgs['globex']}/leaders/{gil}/revoke").status_code == 200


def test_leaders_cannot_invite_list_or_revoke(app, orgs) -> None:
    lee = signed_in(app, "lee@example.com")
    lee_id = id_of(app, "lee@example.com")
    before = counts(app)
    page = lee.get(f"/o/{orgs['acme']}").get_data(as_text=True)
    assert 'id="leaders"' not in page
    assert "/leaders/invite" not in page
    for org in ("acme", "globex"):
        assert lee.get(f"/o/{orgs[org]}/leaders/invite").status_code == 404
        assert invite(lee, orgs[org]).status_code == 404
        assert lee.get(f"/o/{orgs[org]}/leaders/{lee_id}/revoke").status_code == 404
        assert lee.post(f"/o/{orgs[org]}/leaders/{lee_id}/revoke").status_code == 404
    assert counts(app) == before
    # the pages exist: Acme's consultant gets them
    casey = signed_in(app, "casey@example.com")
    assert casey.get(f"/o/{orgs['acme']}/leaders/{lee_id}/revoke").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(app, orgs) -> None:
    client = app.test_client()
    lee_id = id_of(app, "lee@example.com")
    before = counts(app)
    for method, url in [
        ("GET", f"/o/{orgs['acme']}/leaders/invite"),
        ("POST", f"/o/{orgs['acme']}/leaders/invite"),
        ("GET", f"/o/{orgs['acme']}/leaders/{lee_id}/revoke"),
        ("POST", f"/o/{orgs['acme']}/leaders/{lee_id}/revoke"),
    ]:
        response = client.open(url, method=method, data={"name": "Nina", "email": "nina@example.com"})
        assert response.status_code == 302, (method, url)
        assert "/sign-in" in response.headers["Location"]
    assert counts(app) == before


def test_the_service_refuses_what_the_pages_refuse(app, orgs) -> None:
    """``leaders`` checks the actor itself, whoever calls it."""
    from survey_app.auth.principal import Principal
    from survey_app.errors import NotFound

    with app.app_context(), db.write_session() as session:
        casey = Principal.of(session.scalar(select(User).where(User.email == "casey@example.com")), "t")
        lee = Principal.of(session.scalar(select(User).where(User.email == "lee@example.com")), "t")
        for actor, org in ((casey, "globex"), (lee, "acme"), (casey, "no-such-org")):
            with pytest.raises(NotFound):
                leaders.invite(session, actor, orgs.get(org, org), "Nina", "nina@example.com")
            with pytest.raises(NotFound):
                leaders.revoke(session, actor, orgs.get(org, org), lee.id)


# --- e-mail and CSRF ------------------------------------------------------------------------


def test_the_invitation_is_emailed_when_mail_is_configured(app, orgs, smtp: Collector) -> None:
    page = invite(signed_in(app, "casey@example.com"), orgs["acme"]).get_data(as_text=True)
    token = SET_PASSWORD_LINK.search(page).group(1)
    assert "e-mailed to nina@example.com" in page
    [(recipients, message)] = smtp.messages
    assert recipients == ["nina@example.com"]
    assert "Acme" in message["Subject"]
    assert "Nina Newleader" in message["To"]
    body = message.get_body(("plain",)).get_content()
    assert f"{ACCOUNTS_URL}/set-password?token={token}" in body
    assert "Hello Nina Newleader," in body
    assert "Casey Consultant has made an account for you" in body
    assert "7 days" in body
    html = message.get_body(("html",)).get_content()
    assert f'href="{ACCOUNTS_URL}/set-password?token={token}"' in html


def test_a_mail_failure_still_shows_the_link(app, orgs) -> None:
    with smtp_server(refuse="nina") as (_, port):
        app.config.update(mail_settings(port))
        page = invite(signed_in(app, "casey@example.com"), orgs["acme"]).get_data(as_text=True)
    assert "could not be e-mailed" in page
    assert SET_PASSWORD_LINK.search(page)


def test_the_forms_carry_and_need_their_csrf_token(database_url: str, tmp_path: Path, orgs) -> None:
    app = factories.make_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True, PUBLIC_URL=ACCOUNTS_URL)
    client = app.test_client()
    sign_in_with_csrf(client, "casey@example.com")
    lee_id = id_of(app, "lee@example.com")
    section = client.get(f"/o/{orgs['acme']}").get_data(as_text=True).split('id="leaders"')[1]
    invite_form = section.split('class="invite-form"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in invite_form
    confirm = client.get(f"/o/{orgs['acme']}/leaders/{lee_id}/revoke").get_data(as_text=True)
    assert 'name="csrf_token"' in confirm.split('<form method="post"')[1].split("</form>")[0]
    before = counts(app)
    assert invite(client, orgs["acme"]).status_code == 400
    assert client.post(f"/o/{orgs['acme']}/leaders/{lee_id}/revoke").status_code == 400
    assert counts(app) == before
    # with the form's token, the invitation goes through
    signed_token = csrf_token(invite_form)
    done = client.post(
        f"/o/{orgs['acme']}/leaders/invite",
        data={"name": "Nina", "email": "nina@example.com", "csrf_token": signed_token},
    )
    assert done.status_code == 200
    assert SET_PASSWORD_LINK.search(done.get_data(as_text=True))


def test_signing_in_as_a_pending_invitation_hashes_like_an_unknown_address(app, orgs, monkeypatch) -> None:
    """A refused sign-in takes a password hash's time whether the address is unknown or only
    invited, so its speed does not tell that an invitation exists."""
    from survey_app.auth import sessions

    invite(signed_in(app, "casey@example.com"), orgs["acme"])
    hashed: list[str] = []
    real = sessions.check_password_hash
    monkeypatch.setattr(sessions, "check_password_hash", lambda h, p: hashed.append(h) or real(h, p))
    for email in ("nina@example.com", "nobody@example.com"):
        assert sign_in(app.test_client(), email, "a guess of some length").status_code == 200
    assert hashed == [sessions._DUMMY_HASH, sessions._DUMMY_HASH]
