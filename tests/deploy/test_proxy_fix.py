"""PROXY_FIX_HOPS: behind a reverse proxy, the client's address, scheme and host are the proxy's view.

Off by default, so that nobody can pick their own address for the rate limits by
sending an X-Forwarded-For header straight to the app.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from survey_app import create_app, db
from survey_app.assessments import get_assessment, team_links

from helpers import TEST_SECRET, sign_in


@pytest.fixture
def proxied(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The app behind one reverse proxy, on the same database as ``app`` (which empties it afterwards)."""
    proxied = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": TEST_SECRET,
            "PROXY_FIX_HOPS": 1,
        },
        instance_path=str(tmp_path / "proxied"),
    )
    yield proxied
    proxied.extensions["survey_db"].engine.dispose()


_attempts = itertools.count()


def sign_in_from(client, address: str):  # noqa: ANN001, ANN201 - test helper
    """A failed sign-in from ``address``, each time for another e-mail address, so that only the
    limit per client address applies (one account's failures are slowed down on their own)."""
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return sign_in(client, f"guess{next(_attempts)}@example.com", "a wrong guess here")


def test_rate_limits_count_each_client_behind_the_proxy(proxied: Flask, make_user) -> None:
    make_user("c@example.com")
    client = proxied.test_client()
    statuses = [sign_in_from(client, "203.0.113.7").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert sign_in_from(client, "198.51.100.2").status_code == 200  # another person behind the proxy


def test_without_a_proxy_the_forwarded_header_is_ignored(client, make_user) -> None:
    make_user("c@example.com")
    statuses = [sign_in_from(client, "203.0.113.7").status_code for _ in range(10)]
    assert statuses == [200] * 10
    # A made-up X-Forwarded-For header does not get around the limit.
    assert sign_in_from(client, "198.51.100.2").status_code == 429


def _saved_page(app: Flask, slug: str) -> str:
    with app.app_context():
        link = team_links(get_assessment(db.get_session(), slug), TEST_SECRET, "http://127.0.0.1")[0]
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "survey.example.org"}
    form = urlsplit(link.url).path + "/answers"
    page = client.get(form, headers=headers).get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([^"]+)"', page)
    assert submission
    saved = client.post(form, data={"action": "save", "submission": submission.group(1)}, headers=headers)
    assert saved.status_code == 302
    page = client.get(urlsplit(saved.headers["Location"]).path, headers=headers)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_links_behind_the_proxy_are_built_on_the_public_url(proxied: Flask, make_assessment) -> None:
    """The forwarded scheme and host are trusted for the request, but links handed out are
    always on PUBLIC_URL: a made-up host never ends up in a resume link."""
    proxied.config["PUBLIC_URL"] = "https://survey.example.com"
    slug = make_assessment()
    html = _saved_page(proxied, slug)
    assert "https://survey.example.com/q/" in html
    assert "survey.example.org" not in html


def test_without_proxy_fix_the_forwarded_scheme_and_host_are_not_trusted(app: Flask, make_assessment) -> None:
    slug = make_assessment()
    html = _saved_page(app, slug)
    assert "survey.example.org" not in html
    assert f"{app.config['PUBLIC_URL']}/q/" in html
