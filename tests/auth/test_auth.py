"""Signing in and out, sessions, rate limits and security headers."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey_app import create_app, db
from survey_app.models import UserSession

import redis_support
from helpers import PASSWORD, TEST_SECRET, sign_in


def session_rows(app: Flask) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count(UserSession.id)))


@pytest.mark.sqlite_only
def test_sign_in_page_is_accessible_form(client) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<label class="field__label" for="email">E-mail address</label>' in page
    assert 'autocomplete="current-password"' in page


def test_wrong_password_is_refused_with_a_message(client, make_user) -> None:
    make_user("c@example.com")
    response = sign_in(client, "c@example.com", "not the password at all")
    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.get_data(as_text=True)
    assert client.get("/workspace").status_code == 302


def test_unknown_email_gets_the_same_message(client) -> None:
    response = sign_in(client, "nobody@example.com", PASSWORD)
    assert "The e-mail address or the password is not right." in response.get_data(as_text=True)


def test_signed_in_user_reaches_the_workspace(client, make_user) -> None:
    make_user("c@example.com")
    response = sign_in(client, "c@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/workspace"
    assert client.get("/workspace").status_code == 200


def test_anonymous_user_is_sent_to_sign_in_and_back(client, make_user) -> None:
    make_user("c@example.com")
    response = client.get("/workspace")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    response = client.post("/sign-in?next=/workspace", data={"email": "c@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/workspace"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, make_user, target: str) -> None:
    make_user("c@example.com")
    response = client.post(f"/sign-in?next={target}", data={"email": "c@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/workspace"


def test_sign_out_ends_the_session_for_a_copied_cookie(app, client, make_user) -> None:
    make_user("c@example.com")
    sign_in(client, "c@example.com")
    copied = client.get_cookie("session").value
    assert session_rows(app) == 1
    client.post("/sign-out")
    assert session_rows(app) == 0
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/workspace").status_code == 302


def test_each_sign_in_starts_a_new_session(app, client, make_user) -> None:
    make_user("c@example.com")
    sign_in(client, "c@example.com")
    first = client.get_cookie("session").value
    sign_in(app.test_client(), "c@example.com")
    client.post("/sign-out")
    sign_in(client, "c@example.com")
    assert client.get_cookie("session").value != first
    assert session_rows(app) == 2  # the other client's session is untouched


def test_deactivated_user_is_signed_out(app, client, make_user) -> None:
    from survey_app.models import User

    make_user("c@example.com")
    sign_in(client, "c@example.com")
    with app.app_context(), db.write_session() as session:
        session.scalar(select(User)).is_active = False
    assert client.get("/workspace").status_code == 302


def test_sign_in_is_rate_limited(client, make_user) -> None:
    make_user("c@example.com")
    # Each attempt names another account, so the per-account wait never starts.
    statuses = [sign_in(client, f"c{n}@example.com", "wrong password guess").status_code for n in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_a_refused_attempt_says_when_to_try_again(client, make_user) -> None:
    make_user("c@example.com")
    for n in range(10):
        sign_in(client, f"c{n}@example.com", "wrong password guess")
    refused = sign_in(client, "c@example.com", PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    words = f"{wait} second{'' if wait == 1 else 's'}" if wait < 60 else "1 minute"
    page = refused.get_data(as_text=True)
    assert f"Try again in {words}." in page
    assert "<h1>Too many attempts</h1>" in page
    assert client.get("/workspace").status_code == 302  # not signed in


def test_only_sign_in_attempts_are_counted(client, make_user) -> None:
    make_user("c@example.com")
    assert all(client.get("/sign-in").status_code == 200 for _ in range(12))
    statuses = [sign_in(client, f"c{n}@example.com", "wrong password guess").status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]
    assert client.get("/sign-in").status_code == 200  # the page itself is never refused


@pytest.mark.sqlite_only
def test_the_longest_full_window_sets_the_wait(app) -> None:
    from limits import parse_many
    from werkzeug.exceptions import TooManyRequests

    from survey_app.rate_limits import check

    limits = parse_many("5 per minute; 1 per hour")
    with app.test_request_context():
        check(limits, "a test", "192.0.2.1")
        with pytest.raises(TooManyRequests) as refused:
            check(limits, "a test", "192.0.2.1")
        check(limits, "a test", "192.0.2.2")  # another client has its own count
        check(limits, "another test", "192.0.2.1")  # and so has another view
    headers = dict(refused.value.get_headers())
    assert 3540 <= int(headers["Retry-After"]) <= 3600
    assert "Try again in 60 minutes." in refused.value.description


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sign-in"),
        ("GET", "/static/style.css"),
        ("GET", "/no/such/page"),
        ("GET", "/s/not-a-real-survey-link-at-all/answers"),
        ("POST", "/sign-out"),
    ],
)
def test_every_response_has_the_security_headers(client, method: str, path: str) -> None:
    with client.open(path, method=method) as response:
        headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self';")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == "browsing-topics=()"
    assert "Strict-Transport-Security" not in headers  # plain HTTP


@pytest.mark.sqlite_only
def test_security_headers(client) -> None:
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _production_app(database_url: str, tmp_path: Path) -> Flask:
    return create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "PUBLIC_URL": "https://survey.example.com"},
        instance_path=str(tmp_path),
    )


@pytest.mark.sqlite_only
def test_outside_debug_cookies_are_secure_and_hsts_is_sent(database_url: str, tmp_path: Path) -> None:
    app = _production_app(database_url, tmp_path)
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://survey.example.com")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    behind_proxy = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in behind_proxy.headers
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers  # plain HTTP
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_csrf_protects_the_sign_in_form(database_url: str, tmp_path: Path, make_user) -> None:
    make_user("c@example.com")
    app = _production_app(database_url, tmp_path)
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"email": "c@example.com", "password": PASSWORD},
        base_url="https://survey.example.com",
    )
    assert response.status_code == 400


def test_sign_in_over_https_with_the_forms_token_works(database_url: str, tmp_path: Path, make_user) -> None:
    """Over HTTPS Flask-WTF also checks the Referer: the referrer policy must keep same-origin ones."""
    import re

    make_user("c@example.com")
    app = _production_app(database_url, tmp_path)
    client = app.test_client()
    base = "https://survey.example.com"
    page = client.get("/sign-in", base_url=base)
    assert page.headers["Referrer-Policy"] == "same-origin"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))[1]
    response = client.post(
        "/sign-in",
        data={"email": "c@example.com", "password": PASSWORD, "csrf_token": token},
        base_url=base,
        headers={"Referer": f"{base}/sign-in"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/workspace"


def _redis_url() -> str | None:
    return redis_support.redis_url()


def test_rate_limits_are_shared_through_redis_by_every_server_process(
    database_url: str, tmp_path: Path, make_user
) -> None:
    """With REDIS_URL set, two server processes (two apps here) count one client's attempts together."""
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    store = redis.Redis.from_url(url)
    redis_support.empty(url)
    make_user("c@example.com")
    servers = [
        create_app(
            {
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": database_url,
                "SECRET_KEY": TEST_SECRET,
                "REDIS_URL": url,
            },
            instance_path=str(tmp_path / name),
        ).test_client()
        for name in ("one", "two")
    ]
    try:
        statuses = [
            sign_in(servers[n % 2], f"c{n}@example.com", "a wrong guess here").status_code for n in range(11)
        ]
        stored = store.keys("LIMITS:*")
    finally:
        redis_support.empty(url)
    assert statuses == [200] * 10 + [429]
    assert stored, "the counts are not in Redis"


# --- Redis unreachable: the limits fail open to this process's counts --------------------------

#: Nothing listens on port 1: every Redis command fails at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def _app_with_dead_redis(database_url: str, tmp_path: Path, **config: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "REDIS_URL": DEAD_REDIS,
            **config,
        },
        instance_path=str(tmp_path / "dead-redis"),
    )


def _redis_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and "Redis" in r.getMessage()]


def test_sign_in_works_while_redis_is_unreachable(
    database_url: str, tmp_path: Path, make_user, caplog: pytest.LogCaptureFixture
) -> None:
    make_user("c@example.com")
    client = _app_with_dead_redis(database_url, tmp_path).test_client()
    with caplog.at_level(logging.WARNING):
        assert sign_in(client, "c@example.com").status_code == 302
        assert client.get("/workspace").status_code == 200
        client.post("/sign-out")
        # The per-address limit still applies, counted in this process.
        statuses = [
            sign_in(client, f"guess{n}@example.com", "a wrong guess here").status_code for n in range(10)
        ]
    assert statuses == [200] * 9 + [429]
    assert len(_redis_warnings(caplog)) == 1, "one warning, not one per request"


def test_the_redis_warning_comes_again_after_a_minute(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import time

    now = [time.monotonic()]
    monkeypatch.setattr("survey_app.rate_limits.time.monotonic", lambda: now[0])
    client = _app_with_dead_redis(database_url, tmp_path).test_client()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            sign_in(client, "nobody@example.com", "a wrong guess here")
        now[0] += 61
        for _ in range(3):
            sign_in(client, "nobody@example.com", "a wrong guess here")
    assert len(_redis_warnings(caplog)) == 2


def test_team_link_limits_work_while_redis_is_unreachable(
    database_url: str, tmp_path: Path, make_assessment, caplog: pytest.LogCaptureFixture
) -> None:
    from helpers import ITEM_IDS
    from survey_client import answer, form_path

    slug = make_assessment()
    app = _app_with_dead_redis(database_url, tmp_path, TEAM_LINK_SENDS_PER_ADDRESS="2 per hour")
    path = form_path(app, slug)
    with caplog.at_level(logging.WARNING):
        statuses = [
            answer(app.test_client(), path, dict.fromkeys(ITEM_IDS, "3")).status_code for _ in range(3)
        ]
    assert statuses == [302, 302, 429]
    assert len(_redis_warnings(caplog)) == 1


# --- per-account throttling ----------------------------------------------------------------------


def _from(client, address: str):  # noqa: ANN001, ANN202 - test client
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail_from_many_addresses(app: Flask, email: str, times: int) -> list[int]:
    return [
        sign_in(_from(app.test_client(), f"192.0.2.{n + 1}"), email, "a wrong guess here").status_code
        for n in range(times)
    ]


def test_failures_for_one_account_from_many_addresses_slow_it_down(app, make_user) -> None:
    make_user("c@example.com")
    assert _fail_from_many_addresses(app, "c@example.com", 5) == [200] * 5
    refused = sign_in(_from(app.test_client(), "198.51.100.7"), "c@example.com")  # even the right password
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many failed attempts to sign in with this e-mail address" in page
    assert 'value="c@example.com"' in page  # what was typed is kept
    assert 1 <= int(refused.headers["Retry-After"]) <= 15
    other = make_user("d@example.com")
    assert (
        sign_in(_from(app.test_client(), "198.51.100.7"), other).status_code == 302
    )  # others are not held up


def test_an_unknown_account_is_slowed_down_alike(app) -> None:
    """The answer never tells whether an account exists."""
    assert _fail_from_many_addresses(app, "nobody@example.com", 5) == [200] * 5
    refused = sign_in(_from(app.test_client(), "198.51.100.7"), "nobody@example.com", "another guess")
    assert refused.status_code == 429
    assert "Too many failed attempts to sign in with this e-mail address" in refused.get_data(as_text=True)


def test_after_the_wait_the_right_password_works(app, make_user, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    now = [time.time()]
    monkeypatch.setattr("survey_app.rate_limits.time.time", lambda: now[0])
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: now[0])
    make_user("c@example.com")
    _fail_from_many_addresses(app, "c@example.com", 5)
    now[0] += 16
    assert (
        sign_in(_from(app.test_client(), "198.51.100.7"), "c@example.com", "one more guess").status_code
        == 200
    )
    # the sixth failure doubles the wait
    refused = sign_in(_from(app.test_client(), "198.51.100.8"), "c@example.com")
    assert refused.status_code == 429
    assert 16 <= int(refused.headers["Retry-After"]) <= 30
    now[0] += 31
    assert sign_in(_from(app.test_client(), "198.51.100.8"), "c@example.com").status_code == 302


def test_the_wait_grows_and_is_capped_at_a_few_minutes() -> None:
    from survey_app.auth.throttle import FREE_FAILURES, MAX_WAIT, wait_after

    assert [wait_after(n) for n in range(FREE_FAILURES)] == [0] * FREE_FAILURES
    waits = [wait_after(n) for n in range(FREE_FAILURES, FREE_FAILURES + 12)]
    assert waits[0] > 0
    assert waits == sorted(waits)
    assert waits[-1] == MAX_WAIT <= 300  # never a lock-out


def test_account_counts_in_redis_do_not_name_the_account(
    database_url: str, tmp_path: Path, make_user
) -> None:
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    redis_support.empty(url)
    make_user("c@example.com")
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "REDIS_URL": url,
        },
        instance_path=str(tmp_path / "redis"),
    )
    try:
        _fail_from_many_addresses(app, "c@example.com", 5)
        keys = [key.decode() for key in redis.Redis.from_url(url).keys("*")]
        refused = sign_in(_from(app.test_client(), "198.51.100.7"), "c@example.com")
    finally:
        redis_support.empty(url)
    assert refused.status_code == 429
    assert any("account" in key for key in keys)
    assert not any("c@example.com" in key or "c%40example.com" in key for key in keys)
