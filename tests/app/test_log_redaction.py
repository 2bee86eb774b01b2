"""survey_app.log_redaction: no respondent's token in a log line, and nothing else changed."""

from __future__ import annotations

import logging
import secrets
import string

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from survey_app import log_redaction
from survey_app.log_redaction import RedactingFilter, redact
from survey_app.survey.services import new_resume_token
from survey_app.tokens import derive_token, new_salt

TOKEN = "Zx8_Qw-3vB9nLk2mPq7rSt4uVw6yAb1cDe5fGh0iJkL"  # 43 characters, like a team link's
CODE = "Rk2_8xPq-mW3nB7vLt4yZa9cDe5fGh1i"  # 32 characters, like a resume code
SITE = "https://survey.example.org"
URL_SAFE = string.ascii_letters + string.digits + "-_"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The respondents' paths.
        (f"/s/{TOKEN}", "/s/[token]"),
        (f"/s/{TOKEN}/answers", "/s/[token]/answers"),
        (f"/s/{TOKEN}/anything/else", "/s/[token]/anything/else"),
        (f"/i/{TOKEN}", "/i/[token]"),
        (f"/q/{CODE}", "/q/[token]"),
        (f"/q/{CODE}/saved", "/q/[token]/saved"),
        (f"/s/{TOKEN}/", "/s/[token]/"),
        # As the client sent it: percent-escapes, and the absolute form of a request line.
        (f"/s/%41%2d{TOKEN}/answers", "/s/[token]/answers"),
        (f"GET /s/{TOKEN}/answers HTTP/1.1", "GET /s/[token]/answers HTTP/1.1"),
        (
            f"POST http://survey.example.org/q/{CODE} HTTP/1.1",
            "POST http://survey.example.org/q/[token] HTTP/1.1",
        ),
        # Query strings: alone (gunicorn's %(q)s), after a path, in a request line.
        (f"code={CODE}", "code=[token]"),
        (f"token={TOKEN}&lang=en", "token=[token]&lang=en"),
        (f"/resume?code={CODE}", "/resume?code=[token]"),
        (f"/resume?lang=en&code={CODE}#form", "/resume?lang=en&code=[token]#form"),
        (f"/resume?Code={CODE}", "/resume?Code=[token]"),
        (f"/resume?code={CODE}%20", "/resume?code=[token]"),
        (f"GET /resume?code={CODE} HTTP/1.1", "GET /resume?code=[token] HTTP/1.1"),
        (f"/s/{TOKEN}/answers?token={CODE}", "/s/[token]/answers?token=[token]"),
        # Referers: whole URLs.
        (f"{SITE}/s/{TOKEN}/answers", f"{SITE}/s/[token]/answers"),
        (f"{SITE}/i/{TOKEN}?utm_source=mail", f"{SITE}/i/[token]?utm_source=mail"),
        (f"{SITE}/q/{CODE}/saved#top", f"{SITE}/q/[token]/saved#top"),
        (f"{SITE}/resume?code={CODE}", f"{SITE}/resume?code=[token]"),
        # Two in one text, and a segment longer than any token.
        (f"/s/{TOKEN} from {SITE}/i/{TOKEN}", f"/s/[token] from {SITE}/i/[token]"),
        ("/s/" + "A" * 300, "/s/[token]"),
    ],
)
def test_tokens_are_replaced_by_a_marker(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "/a/acme-2025-spring-survey/results",
        "/a/acme-2025-spring-survey/settings?tab=links",
        "/static/style.css",
        "/static/survey/scale-diagram-large.svg",
        "/o/acme-corporation-europe/assessments/new",
        "/sign-in?next=/a/acme-2025-spring-survey/results",
        "/resume",
        "/thanks",
        "/healthz",
        "/s/too-short-15chr",  # 15 characters: no token of ours is that short
        "/x?barcode=12345678901234567890&tokens=2",
        "GET /a/acme-2025-spring-survey/results HTTP/1.1",
        f"{SITE}/a/acme-2025-spring-survey/report.pdf",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "-",
        "",
    ],
)
def test_other_paths_and_text_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_the_apps_own_tokens_are_hidden() -> None:
    team_link = derive_token("some secret key", "team", new_salt())
    for token in (team_link, new_resume_token(), secrets.token_urlsafe(16)):
        for path in (f"/s/{token}/answers", f"/i/{token}", f"/q/{token}/saved", f"/resume?code={token}"):
            assert token not in redact(path)


@given(token=st.text(alphabet=URL_SAFE, min_size=16, max_size=200), prefix=st.sampled_from("siq"))
def test_any_url_safe_token_of_16_to_200_characters_is_hidden(token: str, prefix: str) -> None:
    line = f'"GET /{prefix}/{token}/answers HTTP/1.1" 200 "{SITE}/{prefix}/{token}"'
    assert redact(line) == f'"GET /{prefix}/[token]/answers HTTP/1.1" 200 "{SITE}/{prefix}/[token]"'


def werkzeug_record(*args: object) -> logging.LogRecord:
    """A record as werkzeug's development server makes for each request."""
    message = '127.0.0.1 - - [01/Mar/2026 09:30:00] "%s" %s %s'
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, args, None)


def test_the_filter_redacts_the_request_line_of_the_development_server() -> None:
    record = werkzeug_record(f"POST /q/{CODE} HTTP/1.1", "302", "-")
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == '127.0.0.1 - - [01/Mar/2026 09:30:00] "POST /q/[token] HTTP/1.1" 302 -'


def test_the_filter_keeps_the_colours_of_the_request_line() -> None:
    coloured = werkzeug_record(f"\x1b[33mGET /resume?code={CODE} HTTP/1.1\x1b[0m", "404", "-")
    RedactingFilter().filter(coloured)
    assert coloured.getMessage().endswith('"\x1b[33mGET /resume?code=[token] HTTP/1.1\x1b[0m" 404 -')


@pytest.mark.parametrize(
    ("message", "args", "expected"),
    [
        # Flask logs an unhandled error as f"Exception on {request.path} [{request.method}]".
        (f"Exception on /s/{TOKEN}/answers [POST]", (), "Exception on /s/[token]/answers [POST]"),
        # A token split between the format and its arguments.
        ("draft saved: /q/%s (%d answers)", (CODE, 12), "draft saved: /q/[token] (12 answers)"),
        ("%(path)s took %(ms)d ms", {"path": f"/i/{TOKEN}", "ms": 12}, "/i/[token] took 12 ms"),
        # A literal percent sign survives once the arguments are gone.
        ("100%% of /s/%s", (TOKEN,), "100% of /s/[token]"),
    ],
)
def test_the_filter_redacts_the_formatted_message(message: str, args: object, expected: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    record.args = args  # as given, a mapping included (LogRecord's constructor unwraps it)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == expected


def test_the_filter_leaves_other_records_and_broken_ones_as_they_are() -> None:
    plain = werkzeug_record("GET /a/acme-2025-spring-survey/results HTTP/1.1", "200", 5120)
    message, args = plain.msg, plain.args
    RedactingFilter().filter(plain)
    assert plain.msg is message
    assert plain.args is args

    broken = logging.LogRecord("x", logging.INFO, __file__, 1, "/s/%s and %s", (TOKEN,), None)
    assert RedactingFilter().filter(broken) is True  # logging itself reports the bad format


def test_init_app_filters_the_werkzeug_and_app_loggers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = Flask(__name__)
    werkzeug = logging.getLogger("werkzeug")
    for logger in (werkzeug, app.logger):
        monkeypatch.setattr(logger, "filters", [])
    log_redaction.init_app(app)
    log_redaction.init_app(app)  # a second app in the same process adds nothing
    assert werkzeug.filters == [log_redaction.redacting_filter]
    assert app.logger.filters == [log_redaction.redacting_filter]

    with caplog.at_level(logging.INFO):
        werkzeug.info('%s - - [%s] "%s" %s %s', "127.0.0.1", "now", f"GET /s/{TOKEN} HTTP/1.1", "200", "-")
        app.logger.error(f"Exception on /q/{CODE}/saved [GET]")
    assert TOKEN not in caplog.text
    assert CODE not in caplog.text
    assert '"GET /s/[token] HTTP/1.1" 200' in caplog.text
    assert "Exception on /q/[token]/saved [GET]" in caplog.text
