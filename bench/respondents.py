"""The locustfile of the throughput benchmarks: respondents of the app, the bare app and the peer.

Run by bench/load.py as ``locust -f bench/respondents.py --headless … <UserClass>``,
never imported by the benchmarks themselves (locust patches the process with gevent).
Each user is one browser playing respondents back to back, with no pause: it clears its
cookies, plays one whole respondent (a *flow*), and starts the next. Every request's time
is recorded, every accepted respondent's whole time too, and anything a flow did not
expect counts as one error of that respondent. When locust quits, the tally is written
as JSON to ``$BENCH_LOAD_OUT``; ``$BENCH_LOAD_INFO`` (JSON) says what the flows need
(team link paths, statement ids).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import FastHttpUser, constant, events, task

HERE = Path(__file__).resolve().parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
#: Path segments that are tokens (links, resume codes), grouped under one name in locust's stats.
TOKEN = re.compile(r"/[A-Za-z0-9_-]{16,}")

INFO: dict[str, Any] = json.loads(os.environ.get("BENCH_LOAD_INFO", "{}"))
NUMBERS = itertools.count()
TALLY: dict[str, Any] = {"latencies": [], "flows": [], "errors": {}, "started": None, "ended": None}


class Refused(AssertionError):
    """A response other than the flow expects."""


# --- helpers the flows share ---------------------------------------------------------------


def local(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise Refused("no CSRF token")
    return found.group(1) or found.group(2)


def expect(response: Any, status: int, kind: str) -> Any:
    if response.status_code != status:
        raise Refused(f"{kind}: {response.status_code}")
    return response


class Client:
    """The flows' view of locust's HTTP client: relative paths, redirects never followed."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def get(self, path: str, allow_redirects: bool = False) -> Any:
        return self.http.get(path, name=TOKEN.sub("/…", path), allow_redirects=allow_redirects)

    def post(self, path: str, data: dict[str, str] | None = None, allow_redirects: bool = False) -> Any:
        return self.http.post(path, data=data, name=TOKEN.sub("/…", path), allow_redirects=allow_redirects)


# --- the flows -----------------------------------------------------------------------------


def answering(info: dict[str, Any]) -> None:
    """The respondent's pause between opening the form and sending it (none when flat out).

    Drawn between half and one and a half times ``info["pause"]``, so that the users,
    started together, do not keep sending in step (people arrive at random).
    """
    if info.get("pause"):
        time.sleep(random.uniform(0.5, 1.5) * info["pause"])  # gevent's sleep: locust patched the process


def answers(item_ids: list[str], number: int) -> dict[str, str]:
    return {f"q_{item}": str(1 + (number + index) % 5) for index, item in enumerate(item_ids)}


SUBMISSION = re.compile(r'name="submission" type="hidden" value="([^"]+)"')


def app_flow(who: Client, number: int, info: dict[str, Any]) -> None:
    """The app: GET the team link's questionnaire, POST it with the 20 answers and the comment."""
    path = info["team_paths"][number % len(info["team_paths"])] + "/answers"
    page = expect(who.get(path), 200, "form").text
    answering(info)
    submission = SUBMISSION.search(page)
    if not submission:
        raise Refused("form: no submission token")
    data = {
        "csrf_token": csrf_of(page),
        "submission": submission.group(1),
        "action": "submit",
        "comment": f"Respondent {number}",
        **answers(info["item_ids"], number),
    }
    sent = expect(who.post(path, data), 302, "submit")
    if local(sent.headers["Location"]) != "/thanks":
        raise Refused("submit: not redirected to /thanks")


def bare_flow(who: Client, number: int, info: dict[str, Any]) -> None:
    """The bare app: GET the form, POST its token with the 20 answers and the comment."""
    token = csrf_of(expect(who.get("/form"), 200, "form").text)
    answering(info)
    data = {"csrf_token": token, "comment": f"Respondent {number}", **answers(info["item_ids"], number)}
    sent = expect(who.post("/form", data), 302, "submit")
    if local(sent.headers["Location"]) != "/thanks":
        raise Refused("submit: not redirected to /thanks")


def peer_flow(who: Client, number: int, info: dict[str, Any]) -> None:
    """django-survey-and-report: its own respondent, from bench/peer/peer.py."""
    sys.path.insert(0, str(HERE.parent))
    from bench.peer import peer  # noqa: PLC0415 - only the peer's users need it

    survey = peer.SurveyInfo(info["survey_id"], info["path"], (), tuple(info["fields"]))
    peer.respondent(who, number, survey)


# --- locust users ----------------------------------------------------------------------------


class Respondent(FastHttpUser):
    """A browser playing one respondent after another, without pause."""

    abstract = True
    wait_time = constant(0)
    flow: Callable[[Client, int, dict[str, Any]], None]

    @task
    def respond(self) -> None:
        number = next(NUMBERS)
        self.client.cookiejar.clear()  # a new browser for every respondent
        started = time.perf_counter()
        try:
            type(self).flow(Client(self.client), number, INFO)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
            kind = str(exc) if isinstance(exc, AssertionError) else type(exc).__name__
            TALLY["errors"][kind] = TALLY["errors"].get(kind, 0) + 1
        else:
            ended = time.perf_counter()
            TALLY["flows"].append(ended - started)
            TALLY["ended"] = ended


class AppRespondent(Respondent):
    flow = app_flow


class BareRespondent(Respondent):
    flow = bare_flow


class PeerRespondent(Respondent):
    flow = peer_flow


@events.test_start.add_listener
def _started(**_: Any) -> None:
    TALLY["started"] = time.perf_counter()


@events.request.add_listener
def _timed(response_time: float, **_: Any) -> None:
    TALLY["latencies"].append(response_time / 1000)


@events.quitting.add_listener
def _write(**_: Any) -> None:
    out = os.environ.get("BENCH_LOAD_OUT")
    if out:
        Path(out).write_text(json.dumps(TALLY))
