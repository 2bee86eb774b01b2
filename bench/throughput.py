"""Respondent throughput: the survey app under gunicorn against a bare Flask + SQLAlchemy app.

Run from the repository root:
    python bench/throughput.py  [--seconds 15]  [--concurrency 32]  [--database sqlite|postgresql|both]

For each database, two servers are started one after the other with the same
deploy/gunicorn.conf.py and environment (WEB_CONCURRENCY as set, else its default),
on 127.0.0.1, each on a fresh database with the app's migrated schema:

* app   ``survey_app:create_app()``; a respondent opens the team link (GET /s/<token>),
        starts (POST with the page's CSRF token, redirected to /q/<resume>), and posts the
        5 pages (4 of 5 statements with action=next, the comment page with action=submit,
        redirected to /thanks): 7 requests, the redirects not followed;
* bare  ``bench/bare_app.py``; a respondent GETs a small form with a signed token and
        POSTs the same 20 answers, stored in the same tables the same way: 2 requests.

A fixed pool of ``--concurrency`` threads (``requests`` Sessions, a fresh cookie jar per
respondent) plays respondents back to back for ``--seconds``; a respondent under way at
the end is finished, none is started after it. Latency is measured per request and per
respondent. Afterwards the stored rows are counted with SQL: every accepted response
(a submit redirected to /thanks) must be there with its 20 answers, nothing extra, and
no draft left behind. Goals: app ≥ 70 % of bare's respondents/s, p95 < 100 ms, no errors,
nothing lost. The load generator runs on the same cores as the servers (and PostgreSQL).

SQLite runs in temporary files; PostgreSQL (``--database postgresql|both``, or by default
when BENCH_DATABASE_URL or TEST_DATABASE_URL is set) in fresh schemas, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402 - after the path is set

from survey_app import create_app, db, migrate  # noqa: E402
from survey_app.assessments import create_assessment, team_links  # noqa: E402
from survey_app.catalog import get_questionnaire  # noqa: E402

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SECRET = "bench-secret-key-not-for-production-0123456789"
RATIO_GOAL = 0.70
P95_GOAL_MS = 100.0
#: Seconds any one request may take before it counts as an error.
TIMEOUT = 30
START_TIMEOUT = 60
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Refused(Exception):
    """A request answered with something else than the flow expects."""


@dataclass
class Tally:
    """What one load run measured."""

    latencies: list[float] = field(default_factory=list)  # seconds, every request
    flows: list[float] = field(default_factory=list)  # seconds, every accepted respondent
    accepted: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of gunicorn's master and workers
    client_cpu: float = 0.0  # CPU seconds of this process (the load generator)
    machine_cpu: float = 0.0  # CPU seconds of the whole machine (all processes)

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.flows += other.flows
        self.accepted += other.accepted
        self.errors += other.errors
        for kind, count in other.error_kinds.items():
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + count


@dataclass
class Run:
    """One server's result, with the rows counted afterwards."""

    name: str
    tally: Tally
    stored: int
    answers: int
    drafts: int

    @property
    def respondents_per_s(self) -> float:
        return self.tally.accepted / self.tally.elapsed

    @property
    def requests_per_s(self) -> float:
        return len(self.tally.latencies) / self.tally.elapsed

    @property
    def lost(self) -> int:
        """Accepted but not stored (negative: stored but never accepted)."""
        return self.tally.accepted - self.stored

    @property
    def complete(self) -> bool:
        return self.stored == self.tally.accepted and self.answers == 20 * self.stored and self.drafts == 0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000


# --- respondents --------------------------------------------------------------------------


def local(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise Refused("no CSRF token")
    return found.group(1) or found.group(2)


def expect(response: requests.Response, status: int, kind: str) -> requests.Response:
    if response.status_code != status:
        raise Refused(f"{kind}: {response.status_code}")
    return response


class Respondent:
    """One load thread: a requests Session that times every request."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base = base
        self.tally = tally
        self.http = requests.Session()

    def _timed(self, method: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        started = time.perf_counter()
        response = self.http.request(
            method, self.base + path, data=data, timeout=TIMEOUT, allow_redirects=False
        )
        self.tally.latencies.append(time.perf_counter() - started)
        return response

    def get(self, path: str) -> requests.Response:
        return self._timed("GET", path)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self._timed("POST", path, data)


def app_flow(item_ids: tuple[str, ...], team_paths: list[str]) -> Callable[[Respondent, int], None]:
    """Welcome page, start, 4 pages of statements (next), the comment page (submit)."""
    pages = [item_ids[start : start + 5] for start in range(0, len(item_ids), 5)]

    def flow(who: Respondent, number: int) -> None:
        path = team_paths[number % len(team_paths)]
        token = csrf_of(expect(who.get(path), 200, "welcome").text)
        start = expect(who.post(path, {"csrf_token": token}), 302, "start")
        resume = local(start.headers["Location"])
        if not resume.startswith("/q/"):
            raise Refused("start: not redirected to the questionnaire")
        for page, items in enumerate(pages, 1):
            data = {"csrf_token": token, "page": str(page), "action": "next"}
            data.update({f"q_{item}": str(1 + (number + index) % 5) for index, item in enumerate(items)})
            sent = expect(who.post(resume.split("?")[0], data), 302, f"page {page}")
            if local(sent.headers["Location"]) != f"{resume.split('?')[0]}?page={page + 1}":
                raise Refused(f"page {page}: redirected elsewhere")
        data = {"csrf_token": token, "page": str(len(pages) + 1), "action": "submit"}
        data["comment"] = f"Respondent {number}"
        sent = expect(who.post(resume.split("?")[0], data), 302, "submit")
        if local(sent.headers["Location"]) != "/thanks":
            raise Refused("submit: not redirected to /thanks")

    return flow


def bare_flow(item_ids: tuple[str, ...]) -> Callable[[Respondent, int], None]:
    """GET the form, POST its token with the 20 answers and the comment."""

    def flow(who: Respondent, number: int) -> None:
        token = csrf_of(expect(who.get("/form"), 200, "form").text)
        data = {"csrf_token": token, "comment": f"Respondent {number}"}
        data.update({f"q_{item}": str(1 + (number + index) % 5) for index, item in enumerate(item_ids)})
        sent = expect(who.post("/form", data), 302, "submit")
        if local(sent.headers["Location"]) != "/thanks":
            raise Refused("submit: not redirected to /thanks")

    return flow


def load(base: str, flow: Callable[[Respondent, int], None], seconds: float, concurrency: int) -> Tally:
    """``concurrency`` threads play respondents back to back until ``seconds`` have passed."""
    counter = iter(range(10**9))
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> Tally:
        tally = Tally()
        who = Respondent(base, tally)
        try:
            while time.perf_counter() < deadline:
                with lock:
                    number = next(counter)
                who.http.cookies.clear()  # a new browser
                started = time.perf_counter()
                try:
                    flow(who, number)
                except (Refused, requests.RequestException) as exc:
                    kind = str(exc) if isinstance(exc, Refused) else type(exc).__name__
                    tally.errors += 1
                    tally.error_kinds[kind] = tally.error_kinds.get(kind, 0) + 1
                else:
                    tally.accepted += 1
                    tally.flows.append(time.perf_counter() - started)
        finally:
            who.http.close()
        return tally

    total = Tally()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for part in [pool.submit(worker) for _ in range(concurrency)]:
            total.merge(part.result())
    total.elapsed = time.perf_counter() - started
    return total


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
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


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
    return env


def measure(name: str, url: str, folder: str, seconds: float, concurrency: int) -> Run:
    """Start one server on a fresh database, load it, stop it, count what was stored."""
    paths, team_ids, item_ids = prepare(url, folder)
    env = server_env(url)
    if name == "app":
        target, extra, flow = "survey_app:create_app()", [], app_flow(item_ids, paths)
    else:
        env["BARE_TEAM_ID"] = str(team_ids[0])
        target, extra, flow = (
            "bare_app:create_app()",
            ["--pythonpath", str(ROOT / "bench")],
            bare_flow(item_ids),
        )
    with gunicorn(target, env, Path(folder) / f"{name}.log", extra) as (base, pid):
        load(base, flow, min(1.0, seconds / 10), concurrency)  # warm-up: workers, pools, caches
        warm = count_rows(url)
        server0, client0, machine0 = process_tree_cpu(pid), time.process_time(), machine_cpu_seconds()
        tally = load(base, flow, seconds, concurrency)
        tally.server_cpu = process_tree_cpu(pid) - server0
        tally.client_cpu = time.process_time() - client0
        tally.machine_cpu = machine_cpu_seconds() - machine0
    stored, answers, drafts = count_rows(url)
    return Run(name, tally, stored - warm[0], answers - warm[1], drafts - warm[2])


# --- report --------------------------------------------------------------------------------


def print_table(backend: str, app: Run, bare: Run) -> bool:
    print(f"\n{backend}")
    print(
        f"  {'':<5} {'resp/s':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'flow p95':>9} {'errors':>6} {'accepted':>8} {'stored':>7} {'answers':>7} {'drafts':>6}"
    )
    for run in (app, bare):
        t = run.tally
        print(
            f"  {run.name:<5} {run.respondents_per_s:>8.1f} {run.requests_per_s:>8.1f}"
            f" {percentile(t.latencies, 0.50):>7.1f} {percentile(t.latencies, 0.95):>7.1f}"
            f" {percentile(t.latencies, 0.99):>7.1f} {percentile(t.flows, 0.95):>9.1f}"
            f" {t.errors:>6} {t.accepted:>8} {run.stored:>7} {run.answers:>7} {run.drafts:>6}"
        )
        if t.error_kinds:
            kinds = ", ".join(f"{kind} × {count}" for kind, count in sorted(t.error_kinds.items()))
            print(f"        errors: {kinds}")
    ratio = app.respondents_per_s / bare.respondents_per_s if bare.respondents_per_s else 0.0
    p95 = percentile(app.tally.latencies, 0.95)
    clean = all(run.tally.errors == 0 and run.complete for run in (app, bare))
    print(
        f"  ratio app/bare {ratio:.2f} (goal ≥ {RATIO_GOAL:.2f}):"
        f" {'PASS' if ratio >= RATIO_GOAL else 'MISS'};"
        f" app p95 {p95:.1f} ms (goal < {P95_GOAL_MS:.0f} ms): {'PASS' if p95 < P95_GOAL_MS else 'MISS'};"
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
            f" {other / t.elapsed:.2f}, of {os.cpu_count()} cores"
        )
    a, b = app.tally, bare.tally
    busy = a.machine_cpu / a.elapsed / (os.cpu_count() or 1)
    print(
        f"  what limits it: the cores ({busy:.0%} busy during the app run). The app's server needs"
        f" {a.server_cpu * 1000 / max(1, a.accepted):.1f} ms CPU a respondent against bare's"
        f" {b.server_cpu * 1000 / max(1, b.accepted):.1f} ms: {len(a.latencies) / max(1, a.accepted):.0f}"
        f" requests (rendered pages, CSRF, a draft written per page) against"
        f" {len(b.latencies) / max(1, b.accepted):.0f}; the load generator's CPU is taken from the servers."
    )
    return ratio >= RATIO_GOAL and p95 < P95_GOAL_MS and clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="load per server (default 15)")
    parser.add_argument("--concurrency", type=int, default=32, help="respondents at once (default 32)")
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
        f"\nThe load generator (Python threads in this process) shares the {os.cpu_count()} cores"
        " with the servers and the database: figures are for this machine, not a ceiling."
        "\napp: 7 requests a respondent (welcome, start, 5 pages); bare: 2 (form, submit)."
        " Latency is per request; 'flow p95' is a whole respondent."
    )
    verdicts = []
    for backend in backends:
        runs = {}
        with tempfile.TemporaryDirectory() as folder:
            for name in ("app", "bare"):
                urls = sqlite_url(folder, name) if backend == "sqlite" else postgresql_url(pg_url)
                with urls as url:
                    runs[name] = measure(name, url, folder, options.seconds, options.concurrency)
        verdicts.append(print_table(backend, runs["app"], runs["bare"]))
    if not all(verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
