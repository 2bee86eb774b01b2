"""Request logs (gunicorn with deploy/gunicorn.conf.py, flask run) show ``[token]``, never a link's token."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from deploy_support import GUNICORN_CONF, ROOT, Server, free_port, stop, wait_until_healthy
from gunicorn import glogging
from gunicorn.config import Config
from werkzeug.serving import make_server

from survey_app import create_app, db, migrate

from helpers import TEST_SECRET

TEAM_TOKEN = "Zx8_Qw-3vB9nLk2mPq7rSt4uVw6yAb1cDe5fGh0iJkL"
INVITATION_TOKEN = "Hj4-Lm9_Np2qRs7tUv1wXy6zAb3cDe8fGh5iJk0lMnO"
RESUME_CODE = "Rk2_8xPq-mW3nB7vLt4yZa9cDe5fGh1i"
SECRETS = (TEAM_TOKEN, INVITATION_TOKEN, RESUME_CODE)
SITE = "https://survey.example.org"


def load_conf() -> types.ModuleType:
    """Execute the config file as gunicorn does."""
    spec = importlib.util.spec_from_file_location("gunicorn_conf_for_access_log", GUNICORN_CONF)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def gunicorn_loggers() -> Iterator[None]:
    """Gunicorn's two process-wide loggers as they were before the test, its handlers closed."""
    saved = {}
    for name in ("gunicorn.error", "gunicorn.access"):
        log = logging.getLogger(name)
        saved[name] = (list(log.handlers), list(log.filters), log.level, log.propagate)
    yield
    for name, (handlers, filters, level, propagate) in saved.items():
        log = logging.getLogger(name)
        for handler in log.handlers:
            if handler not in handlers:
                handler.close()
        log.handlers[:] = handlers
        log.filters[:] = filters
        log.setLevel(level)
        log.propagate = propagate


def make_logger(tmp_path: Path) -> glogging.Logger:
    """The logger gunicorn makes from deploy/gunicorn.conf.py, writing to files in ``tmp_path``."""
    cfg = Config()
    cfg.set("logger_class", load_conf().logger_class)
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    return cfg.logger_class(cfg)


class FakeResponse:
    """What gunicorn's logger reads of a response."""

    def __init__(self, status: str = "200 OK", headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        self.sent = 1234
        self.headers = headers or [("Content-Type", "text/html; charset=utf-8")]


class FakeRequest:
    """What gunicorn's logger reads of a request: its headers, as gunicorn spells them."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.headers = headers


def exchange(
    method: str, raw_uri: str, referer: str = "-", response: FakeResponse | None = None
) -> tuple[FakeResponse, FakeRequest, dict[str, Any], timedelta]:
    """The (resp, req, environ, request_time) gunicorn passes to ``Logger.access``."""
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64)",
        "HTTP_HOST": "survey.example.org",
    }
    headers = [("HOST", "survey.example.org"), ("USER-AGENT", environ["HTTP_USER_AGENT"])]
    if referer != "-":
        environ["HTTP_REFERER"] = referer
        headers.append(("REFERER", referer))
    return response or FakeResponse(), FakeRequest(headers), environ, timedelta(microseconds=4200)


def test_gunicorn_uses_the_redacting_logger() -> None:
    conf = load_conf()
    cfg = Config()
    cfg.set("logger_class", conf.logger_class)
    assert cfg.logger_class is conf.RedactingLogger
    assert issubclass(cfg.logger_class, glogging.Logger)


@pytest.mark.parametrize(
    ("method", "raw_uri", "request_line", "path", "query"),
    [
        ("GET", f"/s/{TEAM_TOKEN}", "GET /s/[token] HTTP/1.1", "/s/[token]", ""),
        ("POST", f"/s/{TEAM_TOKEN}/answers", "POST /s/[token]/answers HTTP/1.1", "/s/[token]/answers", ""),
        ("GET", f"/i/{INVITATION_TOKEN}", "GET /i/[token] HTTP/1.1", "/i/[token]", ""),
        ("POST", f"/q/{RESUME_CODE}", "POST /q/[token] HTTP/1.1", "/q/[token]", ""),
        ("GET", f"/q/{RESUME_CODE}/saved", "GET /q/[token]/saved HTTP/1.1", "/q/[token]/saved", ""),
        (
            "GET",
            f"/resume?code={RESUME_CODE}",
            "GET /resume?code=[token] HTTP/1.1",
            "/resume",
            "code=[token]",
        ),
        (
            "GET",
            f"/s/{TEAM_TOKEN}/answers?lang=en&token={RESUME_CODE}",
            "GET /s/[token]/answers?lang=en&token=[token] HTTP/1.1",
            "/s/[token]/answers",
            "lang=en&token=[token]",
        ),
    ],
)
def test_access_log_atoms_show_the_marker_instead_of_the_token(
    gunicorn_loggers: None,
    tmp_path: Path,
    method: str,
    raw_uri: str,
    request_line: str,
    path: str,
    query: str,
) -> None:
    logger = make_logger(tmp_path)
    atoms = logger.atoms(*exchange(method, raw_uri, referer=f"{SITE}/i/{INVITATION_TOKEN}"))
    assert atoms["r"] == request_line
    assert atoms["U"] == path
    assert atoms["q"] == query
    assert atoms["f"] == f"{SITE}/i/[token]"
    assert atoms["{referer}i"] == f"{SITE}/i/[token]"
    assert atoms["{raw_uri}e"] == request_line.split()[1]
    assert not [name for name, value in atoms.items() if any(secret in str(value) for secret in SECRETS)]


def test_redirect_locations_and_other_atoms_are_redacted_too(gunicorn_loggers: None, tmp_path: Path) -> None:
    # Saving a draft redirects to its resume page: a custom format logging %({location}o)s must not leak it.
    saved = FakeResponse("302 FOUND", [("Location", f"/q/{RESUME_CODE}/saved")])
    atoms = make_logger(tmp_path).atoms(*exchange("POST", f"/s/{TEAM_TOKEN}/answers", response=saved))
    assert atoms["{location}o"] == "/q/[token]/saved"
    assert atoms["s"] == "302"
    assert atoms["B"] == 1234
    assert atoms["D"] == 4200


def test_other_requests_are_logged_as_gunicorn_would(gunicorn_loggers: None, tmp_path: Path) -> None:
    args = exchange(
        "GET", "/a/acme-2025-spring-survey/results?team=sales", referer=f"{SITE}/static/style.css"
    )
    logger = make_logger(tmp_path)
    atoms = logger.atoms(*args)
    plain = glogging.Logger.atoms(logger, *args)  # gunicorn's own, unredacted
    for name in ("r", "U", "q", "f", "a", "h", "s", "b", "{referer}i", "{raw_uri}e"):
        assert atoms[name] == plain[name]
    assert atoms["r"] == "GET /a/acme-2025-spring-survey/results?team=sales HTTP/1.1"


def test_the_access_and_error_log_files_hold_no_token(gunicorn_loggers: None, tmp_path: Path) -> None:
    logger = make_logger(tmp_path)
    logger.access(*exchange("POST", f"/s/{TEAM_TOKEN}/answers", referer=f"{SITE}/s/{TEAM_TOKEN}"))
    logger.access(*exchange("GET", f"/resume?code={RESUME_CODE}", referer=f"{SITE}/q/{RESUME_CODE}/saved"))
    logger.error("Error handling request %s", f"/i/{INVITATION_TOKEN}")  # as gunicorn's workers do
    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert '"POST /s/[token]/answers HTTP/1.1" 200 1234 "https://survey.example.org/s/[token]"' in access
    assert (
        '"GET /resume?code=[token] HTTP/1.1" 200 1234 "https://survey.example.org/q/[token]/saved"' in access
    )
    assert "Error handling request /i/[token]" in errors
    assert not [secret for secret in SECRETS if secret in access + errors]


# --- Real servers ---------------------------------------------------------------------------------


def get_with_tokens(base: str) -> None:
    """A respondent's requests whose URLs and referers carry every kind of token."""
    with requests.Session() as browser:
        answers = browser.get(
            f"{base}/s/{TEAM_TOKEN}/answers", headers={"Referer": f"{SITE}/i/{INVITATION_TOKEN}"}, timeout=10
        )
        assert answers.status_code == 404  # no such link; the request is logged all the same
        assert browser.get(f"{base}/q/{RESUME_CODE}/saved", timeout=10).status_code == 404
        assert browser.get(f"{base}/resume?code={RESUME_CODE}", timeout=10).status_code == 200


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite database of its own (the respondents' 404s need the tables)."""
    url = f"sqlite:///{tmp_path / 'survey.db'}"
    engine = db.make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return url


@pytest.mark.slow
def test_a_real_gunicorn_writes_no_token_to_its_access_log(sqlite_url: str, tmp_path: Path) -> None:
    access_log = tmp_path / "access.log"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "GUNICORN_")) and name not in ("WEB_CONCURRENCY", "APP_SERVERS")
    }
    env.update(DATABASE_URL=sqlite_url, SECRET_KEY=TEST_SECRET, WEB_CONCURRENCY="1", PYTHONUNBUFFERED="1")
    port = free_port()
    output = tmp_path / "gunicorn.log"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(GUNICORN_CONF),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(access_log),
                "survey_app:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, output)
    try:
        wait_until_healthy(server, time.monotonic() + 30)
        get_with_tokens(server.url)
    finally:
        stop(server)
    logged = access_log.read_text()
    assert '"GET /s/[token]/answers HTTP/1.1" 404' in logged
    assert '"https://survey.example.org/i/[token]"' in logged
    assert '"GET /q/[token]/saved HTTP/1.1" 404' in logged
    assert '"GET /resume?code=[token] HTTP/1.1" 200' in logged
    assert not [secret for secret in SECRETS if secret in logged + server.output()]


def test_flask_run_logs_no_token(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Both loggers are process-wide: start them without the filter, so that only create_app can add it.
    for name in ("werkzeug", "survey_app"):
        monkeypatch.setattr(logging.getLogger(name), "filters", [])
    app = create_app(
        {"DATABASE_URL": sqlite_url, "SECRET_KEY": TEST_SECRET}, instance_path=str(tmp_path / "instance")
    )
    server = make_server("127.0.0.1", 0, app)  # the server of flask run
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        serving.start()
        try:
            get_with_tokens(f"http://127.0.0.1:{server.server_address[1]}")
        finally:
            server.shutdown()
            serving.join(timeout=10)
            server.server_close()
    messages = (record.getMessage() for record in caplog.records if record.name == "werkzeug")
    logged = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(messages))  # werkzeug colours a 404's line
    assert '"GET /s/[token]/answers HTTP/1.1" 404' in logged
    assert '"GET /q/[token]/saved HTTP/1.1" 404' in logged
    assert '"GET /resume?code=[token] HTTP/1.1" 200' in logged
    assert not [secret for secret in SECRETS if secret in caplog.text]
