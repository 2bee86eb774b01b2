"""The trend of many waves: the page and its JSON, live (consultant) and released (leader).

Run from the repository root:
    python bench/trend.py  [--waves 10] [--size 10000]  [--database sqlite|postgresql|both]

One organization gets ``--waves`` assessments of ``--size`` bulk-loaded responses each (the
loader of bench/scale.py: half Sales, half Marketing), each released once. Then, signed in
through Flask's test client (the whole app, no server or network), each request in an
application context of its own as on a server:

* consultant  GET /o/ORG/trend.json and /o/ORG/trend: live figures of every wave. The first
              request computes each wave's figures and stores them (``results.snapshots``);
              the later ones read the stored aggregates.
* leader      the same two, from each wave's latest release.

Each is requested ``REQUESTS`` times after a warm-up; the goal is a p95 under 300 ms for
each (issue 16: the trend of 10 waves of 10,000 responses). The first, cold, live request is
printed too: it counts every answer of every wave once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import summary  # noqa: E402 - after the path is set
from bench.scale import (  # noqa: E402
    load_postgresql,
    load_sqlite,
    own_context,
    postgresql_url,
    request_times,
    signed_in_client,
    sqlite_url,
)
from survey_app import create_app, db, migrate  # noqa: E402
from survey_app.assessments import create_assessment, get_assessment  # noqa: E402
from survey_app.catalog import get_questionnaire  # noqa: E402
from survey_app.models import Role  # noqa: E402
from survey_app.releases.services import release  # noqa: E402

SECRET = "bench-trend-secret"
ORGANIZATION = "Scale Industries"  # the organization bench.scale's signed-in users belong to
ORG_SLUG = "scale-industries"
REQUESTS = 20
GOAL_MS = 300


def p95(client, path: str) -> tuple[float, float]:  # noqa: ANN001 - a Flask test client
    """The first request's seconds and the p95 of ``REQUESTS`` more, each in its own context."""
    times = request_times(client, path, 1 + REQUESTS)
    return times[0], float(np.percentile(times[1:], 95))


def bench_backend(
    backend: str, url: str, waves: int, size: int, folder: str
) -> dict[str, tuple[float, float]]:
    """Load the waves, release each, and time the four requests."""
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": SECRET, "WTF_CSRF_ENABLED": False}, instance_path=folder
    )
    engine = app.extensions["survey_db"].engine
    migrate.upgrade(engine)
    load = load_sqlite if backend == "sqlite" else load_postgresql
    try:
        with app.app_context():
            q = get_questionnaire("kotler-2006")
            first_id, started = 1, time.perf_counter()
            for number in range(1, waves + 1):
                with db.write_session() as session:
                    assessment = create_assessment(
                        session,
                        organization=ORGANIZATION,
                        name=f"Wave {number}",
                        questionnaire=q,
                        secret_key=SECRET,
                    )
                    slug, team_ids = assessment.slug, tuple(team.id for team in assessment.teams)
                load(engine, size, seed=number, q=q, team_ids=team_ids, first_id=first_id)
                first_id += size
                with db.write_session() as session:
                    release(session, get_assessment(session, slug), q, released_by_id=None)
            took = time.perf_counter() - started
            print(f"{backend}: {waves} waves of {size:,} responses loaded and released in {took:.0f} s")
        consultant = signed_in_client(app, "consultant@trend.example", Role.CONSULTANT)
        leader = signed_in_client(app, "leader@trend.example", Role.LEADER)
        found = {}
        for who, client in (("consultant, live", consultant), ("leader, released", leader)):
            for kind, path in (("JSON", f"/o/{ORG_SLUG}/trend.json"), ("page", f"/o/{ORG_SLUG}/trend")):
                found[f"{who} {kind}"] = p95(client, path)
        data = own_context(lambda: consultant.get(f"/o/{ORG_SLUG}/trend.json").get_json())
        assert len(data["waves"]) == waves, f"{len(data['waves'])} waves in the trend, {waves} loaded"
    finally:
        engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=10)
    parser.add_argument("--size", type=int, default=10_000, help="responses per wave")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"))
    parser.add_argument("--json", metavar="PATH", help="also write the summary lines there (bench/run.py)")
    options = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    backends = {"sqlite": ["sqlite"], "postgresql": ["postgresql"], "both": ["sqlite", "postgresql"]}.get(
        options.database, ["sqlite"] + (["postgresql"] if pg_url else [])
    )
    if "postgresql" in backends and not pg_url:
        raise SystemExit("PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL")
    lines = []
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            urls = sqlite_url() if backend == "sqlite" else postgresql_url(pg_url)
            with urls as url:
                found = bench_backend(backend, url, options.waves, options.size, folder)
        name = "SQLite" if backend == "sqlite" else "PostgreSQL"
        for label, (first, high) in found.items():
            print(f"{name:<10} {label:<24} first {first * 1000:7.0f} ms   p95 {high * 1000:5.0f} ms")
        figures = " / ".join(f"{found[key][1] * 1000:.0f}" for key in found)
        passed = all(high * 1000 < GOAL_MS for _, high in found.values())
        lines.append(
            summary.Line(
                "trend",
                f"{name}: trend of {options.waves} × {options.size:,}: p95 JSON / page, live / released",
                f"{figures} ms (first live JSON {found['consultant, live JSON'][0] * 1000:.0f} ms)",
                f"< {GOAL_MS} ms",
                passed,
            )
        )
    summary.write(options.json, lines)


if __name__ == "__main__":
    main()
