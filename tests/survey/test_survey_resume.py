"""After "Save and finish later": a short resume code, old codes still working, and the link by e-mail."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.models import Base, Draft
from survey_app.survey import services
from survey_app.survey.sealing import seal
from survey_app.tokens import token_hash

from helpers import ITEM_IDS
from smtp_support import Collector, mail_settings, smtp_server
from survey_client import PUBLIC, form_path, make_invitation, page_text, save_for_later, send, start

CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){5}")
ADDRESS = "robin.private@example.net"


# --- the resume code ----------------------------------------------------------------------


def test_a_new_resume_code_is_short_grouped_and_has_over_100_random_bits() -> None:
    codes = {services.new_resume_token() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert CODE.fullmatch(code), code
    assert not set("".join(codes)) & set("01OIL")
    assert math.log2(len(services.CODE_ALPHABET)) * services.CODE_LENGTH >= 100
    assert not set(services.CODE_ALPHABET) & set("01OoIl")


def test_a_code_is_read_whatever_its_case_spaces_and_hyphens() -> None:
    code = "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2"
    canonical = "ABCDEFGHJKMNPQRSTUVWXYZ2"
    spaced = " abcd efgh jkmn pqrs tuvw xyz2 "
    for typed in (code, code.lower(), canonical.lower(), spaced, f"{PUBLIC}/q/{code}"):
        assert services.canonical_code(services.resume_code(typed)) == canonical
    assert services.display_code(canonical) == code
    legacy = "Zq3_k-9sd8fQ2LmNpR7tUvWxYz01AbCd"  # a token_urlsafe(24) handed out before
    assert services.canonical_code(legacy) == legacy
    assert services.display_code(legacy) == legacy


def test_saved_answers_come_back_with_the_code_typed_loosely(app, client, make_assessment) -> None:
    slug = make_assessment()
    code = save_for_later(client, form_path(app, slug), {"k01": "2"})
    assert CODE.fullmatch(code)

    saved = page_text(client.get(f"/q/{code}/saved"))
    assert f'<p class="resume-code" id="resume-code">{code}</p>' in saved
    assert f"{PUBLIC}/q/{code}" in saved

    other = app.test_client()
    for typed in (code.lower(), code.replace("-", ""), code.replace("-", " ").lower(), f"  {code}  "):
        resumed = other.post("/resume", data={"code": typed})
        assert resumed.headers["Location"] == f"/q/{code}", typed
    page = page_text(other.get(f"/q/{code.lower()}"))
    assert re.search(r'id="q_k01-2"[^>]*checked', page)
    assert send(other, f"/q/{code.lower()}", dict.fromkeys(ITEM_IDS, "4")).headers["Location"] == "/thanks"
    assert drafts_left(app) == 0


def drafts_left(app: Flask) -> int:
    with app.app_context():
        return len(db.get_session().scalars(select(Draft.id)).all())


def test_codes_handed_out_before_keep_working(app, client, make_assessment) -> None:
    slug = make_assessment()
    old = "Zq3_k-9sd8fQ2LmNpR7tUvWxYz01AbCd"
    with app.app_context(), db.write_session() as session:
        team_id = get_assessment(session, slug).teams[0].id
        session.add(Draft(team_id=team_id, resume_hash=token_hash(old), sealed=seal(old, {"k01": 5}, "Old.")))

    assert client.post("/resume", data={"code": old}).headers["Location"] == f"/q/{old}"
    page = page_text(client.get(f"/q/{old}"))
    assert re.search(r'id="q_k01-5"[^>]*checked', page)
    assert f'<p class="resume-code" id="resume-code">{old}</p>' in page_text(client.get(f"/q/{old}/saved"))
    assert send(client, f"/q/{old}", {"k01": "1"}, action="save").headers["Location"] == f"/q/{old}/saved"


def test_the_saved_page_offers_the_link_to_copy_in_a_read_only_field(app, client, make_assessment) -> None:
    slug = make_assessment()
    code = save_for_later(client, form_path(app, slug), {"k01": "2"})

    page = page_text(client.get(f"/q/{code}/saved"))

    field = re.search(r'<input[^>]*id="resume-link"[^>]*>', page)
    assert field
    assert "readonly" in field.group(0)
    assert f'value="{PUBLIC}/q/{code}"' in field.group(0)
    assert '<label class="field__label" for="resume-link">' in page
    assert 'data-copy="resume-link"' in page
    assert "E-mail me this link" not in page  # no mail server configured


# --- e-mail me this link ------------------------------------------------------------------


@pytest.fixture
def outbox(app: Flask) -> Iterator[Collector]:
    """``app`` sending its e-mail to a real SMTP server on 127.0.0.1; yields what it receives."""
    with smtp_server() as (handler, port):
        app.config.update(mail_settings(port))
        yield handler


def everything_stored(app: Flask) -> str:
    """Every row of every table, as text."""
    with app.app_context():
        session = db.get_session()
        return "\n".join(
            repr(row) for table in Base.metadata.sorted_tables for row in session.execute(select(table)).all()
        )


def test_the_link_is_emailed_once_and_the_address_is_kept_nowhere(
    app, client, make_assessment, outbox: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slug = make_assessment()
    code = save_for_later(client, form_path(app, slug), {"k01": "2"})
    saved = page_text(client.get(f"/q/{code}/saved"))
    assert "E-mail me this link" in saved
    assert f'action="/q/{code}/email"' in saved

    sent = client.post(f"/q/{code}/email", data={"email": f"  {ADDRESS} "})

    assert sent.status_code == 302
    assert sent.headers["Location"] == f"/q/{code}/saved"
    [(recipients, message)] = outbox.messages
    assert recipients == [ADDRESS]
    body = message.get_body(("plain",)).get_content()
    assert f"{PUBLIC}/q/{code}" in body
    assert code in body
    assert "survey@example.com" in message["From"]
    after = page_text(client.get(f"/q/{code}/saved"))
    assert "The link is on its way" in after
    assert ADDRESS not in after
    assert ADDRESS not in everything_stored(app)
    # The app's own log lines (the test SMTP server's are left out).
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert ADDRESS not in ours
    assert code not in ours
    with client.session_transaction() as browser:
        assert ADDRESS not in repr(dict(browser))


def test_a_wrong_address_is_refused_and_nothing_is_sent(app, client, make_assessment, outbox) -> None:
    slug = make_assessment()
    code = save_for_later(client, form_path(app, slug), {"k01": "2"})

    refused = client.post(f"/q/{code}/email", data={"email": "not an address"})

    assert refused.status_code == 200
    assert "Enter an e-mail address" in page_text(refused)
    assert outbox.messages == []


def test_emailing_the_link_is_rate_limited(app, client, make_assessment, outbox) -> None:
    slug = make_assessment()
    code = save_for_later(client, form_path(app, slug), {"k01": "2"})

    statuses = [
        client.post(f"/q/{code}/email", data={"email": f"p{n}@example.com"}).status_code for n in range(5)
    ]

    assert statuses[:3] == [302] * 3
    assert statuses[3:] == [429] * 2
    assert len(outbox.messages) == 3
    assert "try again in" in page_text(client.post(f"/q/{code}/email", data={"email": "q@example.com"}))


def test_emailing_links_is_limited_per_address_across_drafts(app, make_assessment, outbox) -> None:
    app.config["RESUME_EMAILS_PER_ADDRESS"] = "2 per hour"
    slug = make_assessment()
    codes = [save_for_later(app.test_client(), form_path(app, slug), {}) for _ in range(2)]

    statuses = [
        app.test_client().post(f"/q/{code}/email", data={"email": "x@example.com"}).status_code
        for code in (codes[0], codes[1], codes[1])
    ]

    assert statuses == [302, 302, 429]
    assert len(outbox.messages) == 2


def test_a_personal_draft_offers_no_email_and_no_code(app, client, make_assessment, outbox) -> None:
    slug = make_assessment()
    _, path = make_invitation(app, slug)
    token = start(client, path)
    page = page_text(client.get(f"/q/{token}/saved"))
    assert "E-mail me this link" not in page
    assert client.post(f"/q/{token}/email", data={"email": ADDRESS}).status_code == 404
    assert outbox.messages == []


def test_unknown_codes_get_no_email(app, client, make_assessment, outbox) -> None:
    make_assessment()
    assert client.post("/q/ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2/email", data={"email": ADDRESS}).status_code == 404
    assert outbox.messages == []
