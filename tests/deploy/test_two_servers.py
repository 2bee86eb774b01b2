"""Two gunicorn servers sharing one PostgreSQL, one SECRET_KEY and one Redis serve the same users.

Respondents hop between the servers within one survey (open the form on one, send it
to the other; save a draft on one, resume it on the other), so the browser session
and its CSRF token must be valid on both; every response must be stored once. A
consultant's sign-in works on both servers, and signing out on one ends it on the other.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from deploy_support import Deployment, Server
from sqlalchemy import text

from survey_app import db

from helpers import PASSWORD

pytestmark = pytest.mark.slow

RESPONDENTS = 20
#: Seconds any one HTTP request may take.
TIMEOUT = 15


class FormParser(HTMLParser):
    """The first POST form of a page: its action, hidden inputs, radio groups and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.hidden: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}
        self.buttons: list[tuple[str, str]] = []
        self._inside = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done and found.get("method", "").lower() == "post":
            self._inside = True
            self.action = found.get("action", "")
        elif self._inside and tag == "input":
            if found.get("type") == "hidden":
                self.hidden[found["name"]] = found.get("value", "")
            elif found.get("type") == "radio":
                self.radios.setdefault(found["name"], []).append(found["value"])
        elif self._inside and tag == "button" and "name" in found:
            self.buttons.append((found["name"], found.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._inside:
            self._inside, self._done = False, True


def parse_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    assert parser.action is not None, "the page has no POST form"
    assert parser.hidden.get("csrf_token"), "the form has no CSRF token"
    return parser


def local(location: str) -> str:
    """Path and query of a redirect's Location (which may be absolute)."""
    parts = urlsplit(urljoin("http://x/", location))
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Hopper:
    """A respondent's browser that sends each request to the other server than the last one."""

    def __init__(self, bases: tuple[str, str], first: int) -> None:
        self.bases = bases
        self.turn = first
        self.http = requests.Session()
        self.servers_used: list[str] = []

    def _base(self) -> str:
        base = self.bases[self.turn % 2]
        self.turn += 1
        self.servers_used.append(base)
        return base

    def get(self, path: str) -> requests.Response:
        return self.http.get(self._base() + path, timeout=TIMEOUT, allow_redirects=False)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self.http.post(self._base() + path, data=data, timeout=TIMEOUT, allow_redirects=False)


START = re.compile(r'<a class="button" href="([^"]+)">Start the survey</a>')


def fill(form: FormParser, number: int, *, part: int | None = None) -> dict[str, str]:
    """The form's hidden fields and an answer to every statement (or to the first ``part``)."""
    data = dict(form.hidden)
    for index, (name, values) in enumerate(sorted(form.radios.items())[:part]):
        scale = [value for value in values if value.isdigit()]
        data[name] = scale[(number + index) % len(scale)]
    return data


def answer_survey(bases: tuple[str, str], team_path: str, number: int) -> set[str]:
    """One respondent, each request on the other server: welcome page, questionnaire, send.

    Every other respondent first saves half the answers to finish later, then comes
    back to the draft and sends it. Returns the servers used.
    """
    browser = Hopper(bases, first=number)
    try:
        welcome = browser.get(team_path)
        assert welcome.status_code == 200, welcome.text[:500]
        found = START.search(welcome.text)
        assert found, "the welcome page has no start link"
        path = found.group(1)
        page = browser.get(path)
        assert page.status_code == 200, page.text[:500]
        form = parse_form(page.text)
        if number % 2 == 0:
            data = fill(form, number, part=10) | {"action": "save"}
            saved = browser.post(form.action or path, data)
            assert saved.status_code == 302, saved.text[:500]
            path = local(saved.headers["Location"]).removesuffix("/saved")
            assert path.startswith("/q/")
            page = browser.get(path)
            assert page.status_code == 200, page.text[:500]
            form = parse_form(page.text)
            assert len(re.findall(r'type="radio"[^>]* checked', page.text)) == 10
        data = fill(form, number) | {"action": "submit", "comment": f"Respondent {number}"}
        sent = browser.post(form.action or path, data)
        assert sent.status_code == 302, sent.text[:500]
        assert local(sent.headers["Location"]) == "/thanks"
        assert browser.get("/thanks").status_code == 200
        return set(browser.servers_used)
    finally:
        browser.http.close()


def team_paths(deployment: Deployment, slug: str) -> dict[str, str]:
    """Each team's survey link, as a path that works on any of the servers."""
    paths = {}
    for line in deployment.flask("assessment", "links", slug).splitlines():
        team, url = line.split()
        paths[team] = urlsplit(url).path
    assert set(paths) == {"sales", "marketing"}
    return paths


def test_respondents_split_across_two_servers_are_all_recorded(
    deployment: Deployment, servers: tuple[Server, Server]
) -> None:
    bases = (servers[0].url, servers[1].url)
    slug = deployment.flask("assessment", "create", "--org", "Acme", "--name", "Two servers").split()[-1]
    paths = team_paths(deployment, slug)
    teams = ["sales" if number % 2 == 0 else "marketing" for number in range(RESPONDENTS)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(answer_survey, bases, paths[team], number) for number, team in enumerate(teams)
        ]
        used = [future.result(timeout=120) for future in futures]

    assert all(servers_used == set(bases) for servers_used in used)  # every respondent used both
    results = json.loads(deployment.flask("results", slug, "--json"))
    for team in ("sales", "marketing"):
        assert results["teams"][team]["responses"] == teams.count(team)
        assert results["teams"][team]["incomplete"] == 0
    engine = db.make_engine(deployment.database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM response")) == RESPONDENTS
            assert connection.scalar(text("SELECT count(*) FROM response_answer")) == RESPONDENTS * 20
            assert connection.scalar(text("SELECT count(*) FROM draft")) == 0
    finally:
        engine.dispose()


def test_sign_in_on_one_server_is_valid_on_the_other_until_signed_out(
    deployment: Deployment, servers: tuple[Server, Server]
) -> None:
    a, b = (server.url for server in servers)
    deployment.flask("create-user", "consultant@example.com", "--role", "consultant", "--password", PASSWORD)
    with requests.Session() as browser:
        page = browser.get(f"{a}/sign-in", timeout=TIMEOUT)
        token = parse_form(page.text).hidden["csrf_token"]
        signed_in = browser.post(
            f"{a}/sign-in",
            data={"csrf_token": token, "email": "consultant@example.com", "password": PASSWORD},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        assert local(signed_in.headers["Location"]) == "/workspace"
        cookie = browser.cookies.get("session")
        assert cookie

        workspace = browser.get(f"{b}/workspace", timeout=TIMEOUT, allow_redirects=False)
        assert workspace.status_code == 200
        assert "<h1>Client organizations</h1>" in workspace.text
        sign_out_form = r'action="/sign-out"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
        sign_out_token = re.search(sign_out_form, workspace.text)
        assert sign_out_token, "no sign-out form on the workspace page"
        signed_out = browser.post(
            f"{b}/sign-out",
            data={"csrf_token": sign_out_token.group(1)},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        assert signed_out.status_code == 302
        assert local(signed_out.headers["Location"]) == "/sign-in"

        refused = browser.get(f"{a}/workspace", timeout=TIMEOUT, allow_redirects=False)
        assert refused.status_code == 302
        assert local(refused.headers["Location"]).startswith("/sign-in")

    with requests.Session() as copied:  # the cookie from before signing out, replayed on the other server
        copied.cookies.set("session", cookie, domain="127.0.0.1", path="/")
        replayed = copied.get(f"{a}/workspace", timeout=TIMEOUT, allow_redirects=False)
        assert replayed.status_code == 302
        assert local(replayed.headers["Location"]).startswith("/sign-in")


def test_each_server_checked_its_database_connections_at_start(servers: tuple[Server, Server]) -> None:
    # 2 servers x 2 workers x (5 + 5) = 40 connections, within PostgreSQL's usual 100.
    for server in servers:
        log = server.output()
        assert re.search(r"database connections: at most 40 of \d+", log), log
        assert "Booting worker" in log
