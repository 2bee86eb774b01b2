"""A peer side by side: django-survey-and-report under the same gunicorn settings, on SQLite.

Self-check, from the repository root:
    .venv/bin/python bench/peer/peer.py  [--count 10000]  [--rounds 3]

What is measured, and how (the main bench imports this module and drives the same steps):

* The peer is django-survey-and-report from PyPI (``PEER_REQUIREMENTS``) with the same
  gunicorn version as our virtual environment, installed once into a throwaway virtual
  environment under ``${XDG_CACHE_HOME:-~/.cache}/survey-bench-peer/`` (its code is never
  in this repository). A minimal Django site (``peer_site/``) and the database tasks
  (``peer_tasks.py``) are copied there; everything Django runs in that environment through
  subprocesses, so this module never imports Django.
* The database is a fresh SQLite file (WAL, synchronous=NORMAL, 15 s busy timeout,
  BEGIN IMMEDIATE: the tuning our app uses) holding one survey with our 20 statements
  (questionnaires/kotler-2006.yaml, k01..k20) as required radio questions with the
  choices 1..5, all on one page, open to anonymous respondents.
* It is served by gunicorn with our deploy/gunicorn.conf.py (workers, timeouts, recycling,
  logging alike). Its when_ready hook cannot import our ``config`` module in the peer's
  environment and so logs "database connection check failed …; starting anyway".
* A respondent GETs the form and POSTs the 20 answers with the page's CSRF token (Django's
  csrftoken cookie kept by the client); the peer answers 302 to its confirmation page.
  Per respondent the peer writes a response and 20 answers, each in its own autocommit, as
  the app saves them (its session is left empty, so Django's database sessions write nothing).
* At 10k responses (bulk-created through its models), its CSV export is timed through its
  own ``exportresult --csv --force`` management command (the code path of its admin
  action and CSV view too), end to end including the file write, best of 3 after a
  warm-up, in one process; likewise ``exportresult --pdf`` (TeX written, xelatex run
  twice) when xelatex is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # when run as a script

from bench.processes import stop  # noqa: E402

QUESTIONNAIRE = ROOT / "questionnaires" / "kotler-2006.yaml"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
#: The peer, pinned: the newest release, which installs and runs on Python 3.11 with Django 5.2.
PEER_REQUIREMENTS = ("django-survey-and-report==1.5.0", "Django==5.2.19")
#: What the peer's radio questions offer, as our survey offers the scale 1–5.
CHOICES = "1,2,3,4,5"
START_TIMEOUT = 60
TASK_TIMEOUT = 3600
CSRF = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
XELATEX_MISSING = (
    "xelatex not installed (django-survey-and-report compiles its PDF report with xelatex): "
    "apt-get install --no-install-recommends texlive-xetex (it pulls texlive-latex-base, "
    "texlive-latex-recommended, texlive-latex-extra and texlive-pictures for pgf-pie and "
    "pgfplots: about 100 MB to download, 340 MB installed)"
)


@dataclass(frozen=True)
class Peer:
    """Where the peer lives: its virtual environment's python and the Django site folder."""

    home: Path
    python: Path
    project: Path


@dataclass(frozen=True)
class SurveyInfo:
    """What a load generator needs: the form's path and the field of each statement, k01..k20 in order."""

    survey_id: int
    path: str
    item_ids: tuple[str, ...]
    fields: tuple[str, ...]


class Reply(Protocol):
    """The parts of an HTTP response that a respondent reads."""

    status_code: int
    text: str
    headers: Any


class Client(Protocol):
    """A cookie-keeping HTTP client on the peer's base URL, taking relative paths."""

    def get(self, path: str, allow_redirects: bool = False) -> Reply: ...

    def post(self, path: str, data: dict[str, str], allow_redirects: bool = False) -> Reply: ...


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the peer's virtual environment ---------------------------------------------------------


def cache_home() -> Path:
    """The folder for everything this bench creates, outside the repository."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "survey-bench-peer"


def requirements() -> list[str]:
    """The peer and the gunicorn release our own environment runs, so the servers differ only in the app."""
    try:
        gunicorn = version("gunicorn")
    except PackageNotFoundError:
        raise SystemExit("gunicorn is not installed in this environment: run make install first") from None
    return [*PEER_REQUIREMENTS, f"gunicorn=={gunicorn}"]


def _install(venv: Path, wanted: list[str]) -> None:
    """A new virtual environment at ``venv`` with ``wanted`` installed; SystemExit when pip fails."""
    shutil.rmtree(venv, ignore_errors=True)
    progress(f"installing {', '.join(wanted)} into {venv} …")
    command = [sys.executable, "-m", "venv", str(venv)]
    made = subprocess.run(command, capture_output=True, text=True, check=False)
    if made.returncode != 0:
        reason = (made.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"python -m venv could not create {venv}: {reason}")
    log = venv / "pip.log"
    with log.open("w") as out:
        done = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", *wanted],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        last = lines[-1] if lines else "no output"
        raise SystemExit(f"pip could not install the peer ({' '.join(wanted)}): {last} (see {log})")


def ensure_peer() -> Peer:
    """The peer's environment, installed on first use and reused while its requirements are unchanged.

    The Django site and the task script are copied from this folder every time, so edits
    to them take effect without reinstalling.
    """
    home = cache_home()
    venv, project = home / "venv", home / "project"
    wanted = requirements()
    stamp = venv / ".peer-installed"
    python = venv / "bin" / "python"
    if not (python.exists() and stamp.exists() and stamp.read_text().split() == wanted):
        home.mkdir(parents=True, exist_ok=True)
        _install(venv, wanted)
        stamp.write_text("\n".join(wanted) + "\n")
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(HERE / "peer_site", project / "peer_site", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(HERE / "peer_tasks.py", project / "peer_tasks.py")
    return Peer(home=home, python=python, project=project)


# --- databases --------------------------------------------------------------------------------


def _environment(database: str | Path) -> dict[str, str]:
    """The peer site's environment: its settings, the SQLite file, and an export folder beside it."""
    exports = Path(database).parent / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peer_site.settings",
        "PEER_DATABASE": str(database),
        "PEER_EXPORTS": str(exports),
        # Our gunicorn.conf.py skips its PostgreSQL check for any other URL (when it can read it).
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run_task(peer: Peer, database: str | Path, task: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run one task of peer_tasks.py in the peer's environment and return its JSON result."""
    done = subprocess.run(
        [str(peer.python), "peer_tasks.py", task],
        input=json.dumps(arguments),
        capture_output=True,
        text=True,
        cwd=peer.project,
        env=_environment(database),
        timeout=TASK_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"peer task {task} failed: {tail}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def our_statements() -> dict[str, Any]:
    """Title, introduction and the 20 statements of our questionnaire, as the peer's survey gets them."""
    questionnaire = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    return {
        "title": questionnaire["title"],
        "description": questionnaire["introduction"],
        "statements": [{"id": item["id"], "text": item["text"]} for item in questionnaire["items"]],
        "choices": CHOICES,
    }


def fresh_database(peer: Peer, folder: str | Path) -> tuple[str, SurveyInfo]:
    """A new migrated SQLite file in ``folder`` with our survey; returns its path and the survey's fields."""
    database = Path(folder) / "peer.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    statements = our_statements()
    made = run_task(peer, database, "setup", statements)
    item_ids = tuple(statement["id"] for statement in statements["statements"])
    info = SurveyInfo(
        survey_id=made["survey_id"],
        path=f"/survey/{made['survey_id']}/",
        item_ids=item_ids,
        fields=tuple(made["fields"][item] for item in item_ids),
    )
    return str(database), info


def count_responses(peer: Peer, database: str | Path) -> tuple[int, int]:
    """Responses and answers the peer stored, read with sqlite3 from the tables Django named for it."""
    with sqlite3.connect(database, timeout=15) as connection:
        responses = connection.execute("SELECT count(*) FROM survey_response").fetchone()[0]
        answers = connection.execute("SELECT count(*) FROM survey_answer").fetchone()[0]
    connection.close()
    return responses, answers


# --- serving ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(base: str) -> bool:
    """Whether the peer's survey list answers 200 yet."""
    try:
        with urllib.request.urlopen(f"{base}/survey/", timeout=2) as reply:
            return reply.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def serve(peer: Peer, database: str | Path) -> Iterator[str]:
    """The peer under gunicorn with our deploy/gunicorn.conf.py on a free port; TERM (then KILL) afterwards.

    Yields the base URL. The server's output goes to gunicorn-peer.log beside the database.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(database).parent / "gunicorn-peer.log"
    command = [str(peer.python), "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "peer_site.wsgi:application"],
            cwd=peer.project,
            env=_environment(database),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(base):
            if process.poll() is not None:
                raise SystemExit(f"the peer's gunicorn exited:\n{log.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the peer's gunicorn did not answer in {START_TIMEOUT} s (see {log})")
            time.sleep(0.2)
        yield base
    finally:
        stop(process)


# --- a respondent -----------------------------------------------------------------------------


def answer_values(number: int, count: int) -> list[str]:
    """Respondent ``number``'s deterministic answers, 1..5 (the bulk load uses the same rule)."""
    return [str(1 + (number + index) % 5) for index in range(count)]


def respondent(client: Client, number: int, info: SurveyInfo) -> None:
    """One respondent: GET the form, POST the 20 answers with its CSRF token, expect the confirmation.

    Raises AssertionError with a short reason when the peer answers anything else.
    """
    form = client.get(info.path, allow_redirects=False)
    if form.status_code != 200:
        raise AssertionError(f"form: {form.status_code}")
    token = CSRF.search(form.text)
    if token is None:
        raise AssertionError("form: no CSRF token")
    if f'name="{info.fields[-1]}"' not in form.text:
        raise AssertionError("form: statements missing")
    data = dict(zip(info.fields, answer_values(number, len(info.fields)), strict=True))
    data["csrfmiddlewaretoken"] = token.group(1)
    sent = client.post(info.path, data=data, allow_redirects=False)
    if sent.status_code != 302:
        reason = "form shown again, not accepted" if sent.status_code == 200 else "refused"
        raise AssertionError(f"post: {sent.status_code} ({reason})")
    if "/survey/confirm/" not in sent.headers.get("Location", ""):
        raise AssertionError(f"post: redirected to {sent.headers.get('Location')!r}, not the confirmation")


# --- 10k responses and the exports ------------------------------------------------------------


def bulk_load(peer: Peer, database: str | Path, count: int = 10_000) -> float:
    """Add ``count`` complete responses through the peer's models (bulk_create); returns the seconds taken."""
    return run_task(peer, database, "bulk", {"count": count})["seconds"]


def time_csv_export(peer: Peer, database: str | Path, rounds: int = 3, *, warmup: bool = True) -> float:
    """Best seconds of the peer's own CSV export (after a warm-up); its file must hold every response."""
    result = run_task(peer, database, "csv", {"rounds": rounds, "warmup": warmup})
    responses, _ = count_responses(peer, database)
    if result["rows"] != responses:
        raise SystemExit(f"the peer's CSV has {result['rows']} rows for {responses} responses")
    return min(result["seconds"])


def time_pdf(peer: Peer, database: str | Path, rounds: int = 3, *, warmup: bool = True) -> float | str:
    """Best seconds of the peer's PDF report (after a warm-up), or why it cannot be made here."""
    if shutil.which("xelatex") is None:
        return XELATEX_MISSING
    return min(run_task(peer, database, "pdf", {"rounds": rounds, "warmup": warmup})["seconds"])


# --- self-check -------------------------------------------------------------------------------


class SessionClient:
    """The client interface on a requests Session (cookies kept), for the self-check."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.http = requests.Session()

    def get(self, path: str, allow_redirects: bool = False) -> Reply:
        return self.http.get(self.base + path, allow_redirects=allow_redirects, timeout=30)

    def post(self, path: str, data: dict[str, str], allow_redirects: bool = False) -> Reply:
        return self.http.post(self.base + path, data=data, allow_redirects=allow_redirects, timeout=30)


def hook_line(log: Path) -> str:
    """What our gunicorn.conf.py's database connection check logged when it served the peer."""
    for line in log.read_text(errors="replace").splitlines():
        if "connection check" in line:
            return line.split("] ", 2)[-1]
    return "no connection check logged"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="responses bulk-loaded (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed export runs, best kept (default 3)")
    options = parser.parse_args()

    peer = ensure_peer()
    work = peer.home / "self-check"
    shutil.rmtree(work, ignore_errors=True)
    served, loaded = work / "served", work / "loaded"
    served.mkdir(parents=True)
    loaded.mkdir()

    database, info = fresh_database(peer, served)
    progress(f"serving {database} with {GUNICORN_CONF.relative_to(ROOT)} …")
    with serve(peer, database) as base:
        started = time.perf_counter()
        for number in range(20):
            respondent(SessionClient(base), number, info)
        elapsed = time.perf_counter() - started
    responses, answers = count_responses(peer, database)
    print(f"20 sequential respondents in {elapsed:.2f} s; stored {responses} responses, {answers} answers")
    print(f"gunicorn's when_ready hook: {hook_line(served / 'gunicorn-peer.log')}")
    if (responses, answers) != (20, 20 * len(info.fields)):
        raise SystemExit("the peer did not store every respondent's 20 answers")

    database, _ = fresh_database(peer, loaded)
    progress(f"bulk-loading {options.count} responses …")
    seconds = bulk_load(peer, database, options.count)
    responses, answers = count_responses(peer, database)
    print(f"bulk load: {responses} responses, {answers} answers in {seconds:.1f} s")
    progress(f"timing the CSV export ({options.rounds} runs after a warm-up) …")
    csv = time_csv_export(peer, database, options.rounds)
    print(f"CSV export at {responses} responses: {csv:.2f} s (best)")
    pdf = time_pdf(peer, database, options.rounds)
    print(f"PDF report at {responses} responses: {pdf if isinstance(pdf, str) else f'{pdf:.2f} s (best)'}")


if __name__ == "__main__":
    main()
