"""Respondent throughput: the survey app under gunicorn against a bare Flask + SQLAlchemy app.

Run from the repository root:
    python bench/throughput.py  [--seconds 15]  [--concurrency 32]  [--pause 1]
                                [--database sqlite|postgresql|both]

For each database, two servers are started side by side with the same
deploy/gunicorn.conf.py and environment (WEB_CONCURRENCY as set, else its default),
on 127.0.0.1, each on a fresh database with the app's migrated schema, and loaded in
turn (the idle one waits):

* app   ``survey_app:create_app()``; a respondent opens a team link's questionnaire
        (GET /s/<token>/answers) and sends it (POST with the page's CSRF and submission
        tokens, the 20 answers and a comment, redirected to /thanks): 2 requests;
* bare  ``bench/bare_app.py``; a respondent GETs a small form with a signed token and
        POSTs the same 20 answers, stored in the same tables the same way: 2 requests.

locust, headless in its own process (bench/load.py, bench/respondents.py), runs
``--concurrency`` users against each server twice:

1. flat out, for the throughput: each user a browser playing respondents back to back
   with no pause (a fresh cookie jar per respondent), for ``--seconds`` in all, in three
   rounds alternating between the app and the bare app (so a drift in the machine's
   speed meets both alike; the figures sum the rounds). The cores are
   saturated, so a request's latency there is mostly its wait in the queue: by Little's
   law, 32 requests in flight at R requests/s wait 32/R s on average, bare app included.
2. at a respondent's pace, for the latency goal: the same users, each pausing about
   ``--pause`` seconds (0.5 to 1.5 times, at random) between opening the form and sending
   it (a person needs minutes), for ``--seconds``. The p95 of this run is the goal's figure.

A respondent under way at the end of a run is finished, none is started after it.
Afterwards the stored rows are counted with SQL: every accepted response (a send
redirected to /thanks) must be there with its 20 answers, nothing extra, and no draft
left. Goals: app ≥ 70 % of bare's respondents/s, p95 < 100 ms at 32 respondents at once,
no errors, nothing lost. The load generator runs on the same cores as the servers (and
PostgreSQL).

SQLite runs in temporary files; PostgreSQL (``--database postgresql|both``, or by default
when BENCH_DATABASE_URL or TEST_DATABASE_URL is set) in fresh schemas, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402 - after the path is set

from bench import summary  # noqa: E402
from bench.load import Tally, percentile, run_load  # noqa: E402
from bench.processes import stop  # noqa: E402
from survey_app import create_app, db, migrate  # noqa: E402
from survey_app.assessments import create_assessment, team_links  # noqa: E402
from survey_app.catalog import get_questionnaire  # noqa: E402

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SECRET = "bench-secret-key-not-for-production-0123456789"
RATIO_GOAL = 0.70
P95_GOAL_MS = 100.0
START_TIMEOUT = 60
#: Flat-out runs per server, alternating between the two (see ``measure``).
ROUNDS = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One server's result, with the rows counted afterwards.

    ``rounds`` are the flat-out runs, ``paced`` the run at a respondent's pace; ``stored``,
    ``answers`` and ``drafts`` count the rows all of them added.
    """

    name: str
    rounds: list[Tally]
    paced: Tally
    stored: int
    answers: int
    drafts: int

    @cached_property
    def tally(self) -> Tally:
        """The flat-out rounds as one run."""
        return Tally.merged(self.rounds)

    @property
    def respondents_per_s(self) -> float:
        """Respondents a second flat out (the throughput figure)."""
        return self.tally.respondents_per_s

    @property
    def accepted(self) -> int:
        return self.tally.accepted + self.paced.accepted

    @property
    def errors(self) -> int:
        return self.tally.errors + self.paced.errors

    @property
    def error_kinds(self) -> Counter[str]:
        """What went wrong, and how often, in both runs."""
        return Counter(self.tally.error_kinds) + Counter(self.paced.error_kinds)

    @property
    def lost(self) -> int:
        """Accepted but not stored (negative: stored but never accepted)."""
        return self.accepted - self.stored

    @property
    def complete(self) -> bool:
        return self.stored == self.accepted and self.answers == 20 * self.stored and self.drafts == 0


# --- CPU accounting (Linux /proc) ----------------------------------------------------------


def machine_cpu_seconds() -> float:
    """CPU seconds spent by the whole machine (every core, not idle or waiting)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a gunicorn master, its live workers and its reaped (restarted) workers."""

    def stat_of(number: int) -> list[str]:
        with open(f"/proc/{number}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()

    try:
        own = stat_of(pid)
    except OSError:
        return 0.0
    ticks = sum(int(value) for value in own[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = stat_of(int(entry))
            except OSError:
                continue
            if int(fields[1]) == pid:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / CLK_TCK


# --- servers and databases -----------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict[str, str], log: Path, extra: list[str]) -> Iterator[tuple[str, int]]:
    """A gunicorn master with deploy/gunicorn.conf.py on a free port; TERM (then KILL) afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, *extra, target],
            env={**env, "PUBLIC_URL": base},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {target} exited:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn {target} did not answer /healthz in {START_TIMEOUT} s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        stop(process)


@contextmanager
def sqlite_url(folder: str, name: str) -> Iterator[str]:
    yield f"sqlite:///{Path(folder) / f'{name}.db'}"


def postgresql_url(base_url: str):  # noqa: ANN201 - a context manager of a URL
    """A fresh schema in ``base_url``'s database, dropped afterwards."""
    return db.temporary_schema(base_url, "bench")


def prepare(url: str, folder: str) -> tuple[list[str], list[int], tuple[str, ...]]:
    """Migrate, create one assessment; its team link paths, team ids and statement ids."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET}, instance_path=folder)
    engine = app.extensions["survey_db"].engine
    try:
        migrate.upgrade(engine)
        with app.app_context():
            q = get_questionnaire("kotler-2006")
            with db.write_session() as session:
                assessment = create_assessment(
                    session,
                    organization="Load Test Ltd",
                    name="Throughput",
                    questionnaire=q,
                    secret_key=SECRET,
                )
                paths = [urlsplit(link.url).path for link in team_links(assessment, SECRET, "http://x")]
                team_ids = [team.id for team in assessment.teams]
            return paths, team_ids, q.item_ids
    finally:
        engine.dispose()


def count_rows(url: str) -> tuple[int, int, int]:
    """Stored responses, their answer rows, and drafts left."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return (
                connection.scalar(text("SELECT count(*) FROM response")),
                connection.scalar(text("SELECT count(*) FROM response_answer")),
                connection.scalar(text("SELECT count(*) FROM draft")),
            )
    finally:
        engine.dispose()


def server_env(url: str) -> dict[str, str]:
    """The environment both servers share: this one, minus Flask/gunicorn bind settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FLASK_") and name not in ("GUNICORN_BIND", "DATABASE_URL", "REDIS_URL")
    }
    env.update(DATABASE_URL=url, SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")
    # Every simulated respondent comes from this one address: the app counts each send against
    # its per-address limit as usual (that work is measured), but never refuses one here.
    env.update(TEAM_LINK_SENDS_PER_ADDRESS="100000000 per hour")
    return env


@dataclass(frozen=True)
class Server:
    """One server under test: its name (app or bare), database, address and master's pid."""

    name: str
    url: str
    base: str
    pid: int
    user: str
    info: dict[str, Any]


@contextmanager
def started(name: str, url: str, folder: str) -> Iterator[Server]:
    """The app or the bare app under gunicorn on a fresh database."""
    paths, team_ids, item_ids = prepare(url, folder)
    env = server_env(url)
    info = {"item_ids": list(item_ids), "team_paths": paths}
    if name == "app":
        target, extra, user = "survey_app:create_app()", [], "AppRespondent"
    else:
        env["BARE_TEAM_ID"] = str(team_ids[0])
        target, extra, user = "bare_app:create_app()", ["--pythonpath", str(ROOT / "bench")], "BareRespondent"
    with gunicorn(target, env, Path(folder) / f"{name}.log", extra) as (base, pid):
        yield Server(name, url, base, pid, user, info)


def flat_out(server: Server, seconds: float, concurrency: int) -> Tally:
    """One flat-out run, with the CPU the server and the whole machine used meanwhile."""
    server0, machine0 = process_tree_cpu(server.pid), machine_cpu_seconds()
    tally = run_load(server.base, server.user, server.info, seconds=seconds, users=concurrency)
    tally.server_cpu = process_tree_cpu(server.pid) - server0
    tally.machine_cpu = machine_cpu_seconds() - machine0
    return tally


def measure(
    urls: dict[str, str], folder: str, seconds: float, concurrency: int, pause: float
) -> dict[str, Run]:
    """Both servers at once, loaded in turn: flat out in ``ROUNDS`` alternating rounds, then
    paced; then what each stored is counted.

    Alternating short rounds exposes both servers to the same machine: on a shared virtual
    machine the cores' speed drifts over a minute, and one long run each compared the app
    and the bare app at different speeds (the ratio moved by ±0.1 between runs).
    """
    with ExitStack() as stack:
        servers = [stack.enter_context(started(name, url, folder)) for name, url in urls.items()]
        warm = {}
        for server in servers:  # warm-up: workers, pools, caches
            run_load(server.base, server.user, server.info, seconds=1, users=concurrency)
            warm[server.name] = count_rows(server.url)
        rounds: dict[str, list[Tally]] = {server.name: [] for server in servers}
        for _ in range(ROUNDS):
            for server in servers:
                rounds[server.name].append(flat_out(server, seconds / ROUNDS, concurrency))
        paced = {
            server.name: run_load(
                server.base, server.user, {**server.info, "pause": pause}, seconds=seconds, users=concurrency
            )
            for server in servers
        }
    runs = {}
    for name, url in urls.items():
        stored, answers, drafts = count_rows(url)
        before = warm[name]
        runs[name] = Run(
            name, rounds[name], paced[name], stored - before[0], answers - before[1], drafts - before[2]
        )
    return runs


# --- report --------------------------------------------------------------------------------


def ratio_of(app: Tally, bare: Tally) -> float:
    """The app's respondents a second flat out, as a share of the bare app's."""
    return app.respondents_per_s / bare.respondents_per_s if bare.respondents_per_s else 0.0


def summary_lines(backend: str, app: Run, bare: Run, pause: float) -> list[summary.Line]:
    """The backend's lines of the combined table."""
    ratio = ratio_of(app.tally, bare.tally)
    paced = app.paced.latencies
    p95 = percentile(paced, 0.95)
    errors = app.errors + bare.errors
    lost = abs(app.lost) + abs(bare.lost) + (0 if app.complete and bare.complete else 1)
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    flat = app.tally.latencies
    return [
        summary.Line(
            "throughput",
            f"{name}: respondents/s flat out, app / bare",
            f"{ratio:.2f} ({app.respondents_per_s:.1f} / {bare.respondents_per_s:.1f})",
            f"≥ {RATIO_GOAL:.2f}",
            ratio >= RATIO_GOAL,
        ),
        summary.Line(
            "throughput",
            f"{name}: app latency per request p50 / p95 / p99, {pause:g} s pause",
            f"{percentile(paced, 0.5):.0f} / {p95:.0f} / {percentile(paced, 0.99):.0f} ms",
            f"p95 < {P95_GOAL_MS:.0f} ms",
            p95 < P95_GOAL_MS,
        ),
        summary.Line(
            "throughput",
            f"{name}: p95 per request flat out (queueing), app / bare",
            f"{percentile(flat, 0.95):.0f} / {percentile(bare.tally.latencies, 0.95):.0f} ms",
        ),
        summary.Line(
            "throughput",
            f"{name}: errors, accepted but not stored",
            f"{errors}, {app.lost + bare.lost} (of {app.accepted + bare.accepted})",
            "0, 0",
            errors == 0 and lost == 0,
        ),
    ]


def _row(label: str, t: Tally) -> str:
    return (
        f"  {label:<11} {t.respondents_per_s:>8.1f} {t.requests_per_s:>8.1f}"
        f" {percentile(t.latencies, 0.50):>7.1f} {percentile(t.latencies, 0.95):>7.1f}"
        f" {percentile(t.latencies, 0.99):>7.1f} {percentile(t.flows, 0.95):>9.1f}"
        f" {t.errors:>6} {t.accepted:>8}"
    )


def print_table(backend: str, app: Run, bare: Run, pause: float) -> bool:
    print(f"\n{backend}")
    print(
        f"  {'':<11} {'resp/s':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'flow p95':>9} {'errors':>6} {'accepted':>8}"
    )
    for run in (app, bare):
        print(_row(f"{run.name}", run.tally))
        print(_row(f"{run.name} paced", run.paced))
        kinds = run.error_kinds
        if kinds:
            print(
                "        errors: " + ", ".join(f"{kind} × {number}" for kind, number in sorted(kinds.items()))
            )
        print(
            f"  {run.name}: {run.accepted} accepted, {run.stored} stored with {run.answers} answers,"
            f" {run.drafts} drafts left"
        )
    print(
        "  flat-out rounds, app / bare respondents/s: "
        + ", ".join(
            f"{a.respondents_per_s:.0f} / {b.respondents_per_s:.0f} ({ratio_of(a, b):.2f})"
            for a, b in zip(app.rounds, bare.rounds, strict=True)
        )
    )
    ratio = ratio_of(app.tally, bare.tally)
    p95 = percentile(app.paced.latencies, 0.95)
    clean = all(run.errors == 0 and run.complete for run in (app, bare))
    print(
        f"  ratio app/bare {ratio:.2f} (goal ≥ {RATIO_GOAL:.2f}):"
        f" {'PASS' if ratio >= RATIO_GOAL else 'MISS'};"
        f" app p95 with a {pause:g} s pause {p95:.1f} ms (goal < {P95_GOAL_MS:.0f} ms):"
        f" {'PASS' if p95 < P95_GOAL_MS else 'MISS'};"
        f" errors and lost: {'PASS' if clean else 'MISS'}"
        f" (lost app {app.lost}, bare {bare.lost})"
    )
    for run in (app, bare):
        t = run.tally
        per = 1000 / t.accepted if t.accepted else float("nan")
        other = max(0.0, t.machine_cpu - t.server_cpu - t.client_cpu)
        print(
            f"  CPU {run.name:<4}: server {t.server_cpu / t.elapsed:.2f} cores ({t.server_cpu * per:.1f} ms"
            f" a respondent, {t.server_cpu * 1000 / max(1, len(t.latencies)):.1f} ms a request),"
            f" load generator {t.client_cpu / t.elapsed:.2f}, other (database, system)"
            f" {other / t.elapsed:.2f}, of {os.cpu_count()} cores, flat out"
        )
    a, b = app.tally, bare.tally
    busy = a.machine_cpu / a.elapsed / (os.cpu_count() or 1)
    print(
        f"  what limits it: the cores ({busy:.0%} busy during the app's flat-out run). The app's server"
        f" needs {a.server_cpu * 1000 / max(1, a.accepted):.1f} ms CPU a respondent against bare's"
        f" {b.server_cpu * 1000 / max(1, b.accepted):.1f} ms (the session cookie and the CSRF form,"
        " the larger page, the survey read again on sending); the load generator's CPU is taken"
        " from the servers."
    )
    return ratio >= RATIO_GOAL and p95 < P95_GOAL_MS and clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="load per server (default 15)")
    parser.add_argument("--concurrency", type=int, default=32, help="respondents at once (default 32)")
    parser.add_argument(
        "--pause",
        type=float,
        default=1.0,
        help="seconds between opening the form and sending it, in the paced run (default 1)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the summary lines there (bench/run.py)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        help="default: sqlite, plus postgresql when TEST_DATABASE_URL or BENCH_DATABASE_URL is set",
    )
    options = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    backends = {"sqlite": ["sqlite"], "postgresql": ["postgresql"], "both": ["sqlite", "postgresql"]}.get(
        options.database, ["sqlite"] + (["postgresql"] if pg_url else [])
    )
    if "postgresql" in backends and not pg_url:
        raise SystemExit("PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL")
    if "postgresql" not in backends:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it.")
    sys.path.insert(0, str(GUNICORN_CONF.parent))
    workers = os.environ.get("WEB_CONCURRENCY") or "default"
    import importlib.util

    spec = importlib.util.spec_from_file_location("gunicorn_conf", GUNICORN_CONF)
    assert spec
    assert spec.loader
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    print(
        f"gunicorn -c deploy/gunicorn.conf.py on 127.0.0.1: {conf.workers} sync workers"
        f" (WEB_CONCURRENCY {workers}), {conf.threads} thread(s) each, access log on;"
        f" {options.concurrency} respondents at once for {options.seconds:g} s per server"
        " after a short warm-up."
        f"\nThe load generator (locust, FastHttpUser) shares the {os.cpu_count()} cores"
        " with the servers and the database: figures are for this machine, not a ceiling."
        "\napp and bare: 2 requests a respondent (the form, then sending it), flat out, then"
        f" paced ({options.pause:g} s between the two)."
        " Latency is per request; 'flow p95' is a whole respondent."
    )
    verdicts, lines = [], []
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder, ExitStack() as databases:
            urls = {
                name: databases.enter_context(
                    sqlite_url(folder, name) if backend == "sqlite" else postgresql_url(pg_url)
                )
                for name in ("app", "bare")
            }
            runs = measure(urls, folder, options.seconds, options.concurrency, options.pause)
        verdicts.append(print_table(backend, runs["app"], runs["bare"], options.pause))
        lines += summary_lines(backend, runs["app"], runs["bare"], options.pause)
    summary.write(options.json, lines)
    if not all(verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
