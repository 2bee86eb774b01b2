"""The app side by side with a peer, django-survey-and-report, on SQLite under the same gunicorn settings.

Run from the repository root:
    python bench/peer/versus.py  [--seconds 15]  [--concurrency 32]  [--count 10000]

1. Load: the same locust load as bench/throughput.py (``--concurrency`` browsers playing
   respondents back to back for ``--seconds``) against each server in turn, both with
   deploy/gunicorn.conf.py on a fresh SQLite database. The app's respondent goes through
   its welcome page and five pages (7 requests); the peer's fetches its one-page form and
   posts it (2 requests). Afterwards the stored responses are counted.
2. At ``--count`` responses (bulk-loaded into each): the app's results as JSON, its CSV
   export and its PDF report (in process, best of 3 after a warm-up; the PDF one run after
   a warm-up) against the peer's own CSV export and PDF report (its ``exportresult``
   command, one run: a run takes about a minute), the PDF only where xelatex is installed.

Goal: the app ahead on every shared measure (respondents/s, p95 latency, export times).
The peer is installed by bench/peer/peer.py into a throwaway virtual environment.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench import summary  # noqa: E402 - after the path is set
from bench.load import Tally, percentile, run_load  # noqa: E402
from bench.peer import peer  # noqa: E402
from bench.scale import best_time, load_sqlite  # noqa: E402
from bench.throughput import count_rows, gunicorn, prepare, server_env  # noqa: E402
from survey_app import create_app, db  # noqa: E402
from survey_app.assessments import get_assessment  # noqa: E402
from survey_app.catalog import get_questionnaire  # noqa: E402
from survey_app.models import Assessment  # noqa: E402
from survey_app.report.render import build_report  # noqa: E402
from survey_app.results.aggregates import compute_results, results_json  # noqa: E402
from survey_app.workspace.services import export_responses  # noqa: E402

SECRET = "bench-secret-key-not-for-production-0123456789"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- 1. load -------------------------------------------------------------------------------


def load_app(folder: Path, seconds: float, users: int) -> tuple[Tally, int]:
    """The app under load on a fresh SQLite database; the tally and the responses stored."""
    url = f"sqlite:///{folder / 'app.db'}"
    paths, _, item_ids = prepare(url, str(folder))
    info = {"item_ids": list(item_ids), "team_paths": paths}
    with gunicorn("survey_app:create_app()", server_env(url), folder / "app.log", []) as (base, _):
        run_load(base, "AppRespondent", info, seconds=1, users=users)  # warm-up
        before = count_rows(url)[0]
        tally = run_load(base, "AppRespondent", info, seconds=seconds, users=users)
    return tally, count_rows(url)[0] - before


def load_peer(home: peer.Peer, folder: Path, seconds: float, users: int) -> tuple[Tally, int]:
    """The peer under the same load; the tally and the responses stored."""
    database, survey = peer.fresh_database(home, folder)
    info = {"survey_id": survey.survey_id, "path": survey.path, "fields": list(survey.fields)}
    with peer.serve(home, database) as base:
        run_load(base, "PeerRespondent", info, seconds=1, users=users)  # warm-up
        before = peer.count_responses(home, database)[0]
        tally = run_load(base, "PeerRespondent", info, seconds=seconds, users=users)
    return tally, peer.count_responses(home, database)[0] - before


# --- 2. exports at 10k ---------------------------------------------------------------------


def app_exports(folder: Path, count: int) -> dict[str, float]:
    """Seconds of the app's results JSON, CSV export and PDF report at ``count`` bulk-loaded responses."""
    url = f"sqlite:///{folder / 'app10k.db'}"
    prepare(url, str(folder))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET}, instance_path=str(folder))
    engine = app.extensions["survey_db"].engine
    try:
        with app.app_context():
            q = get_questionnaire("kotler-2006")
            session = db.get_session()
            assessment = get_assessment(session, session.scalar(select(Assessment.slug)))  # the only one
            team_ids = tuple(team.id for team in assessment.teams)[:2]
            session.rollback()  # end the read transaction, so the loaded rows are seen
            load_sqlite(engine, count, seed=2006, q=q, team_ids=team_ids, first_id=1)
            loaded = compute_results(session, assessment, q)
            stored = sum(team.responses + team.incomplete for team in loaded.teams.values())
            if stored != count:
                raise SystemExit(f"the app's results count {stored} responses, not the {count} loaded")

            def as_json() -> None:
                json.dumps(results_json(assessment, compute_results(session, assessment, q)))

            def as_csv() -> None:
                export_responses(session, assessment, q)

            def as_pdf() -> None:
                build_report(session, assessment, q)

            return {
                "json": best_time(as_json, 3),
                "csv": best_time(as_csv, 3),
                "pdf": best_time(as_pdf, 1),
            }
    finally:
        engine.dispose()


def peer_exports(home: peer.Peer, folder: Path, count: int) -> dict[str, float | str]:
    """Seconds of the peer's CSV export and PDF report at ``count`` bulk-loaded responses (or why not)."""
    database, _ = peer.fresh_database(home, folder)
    say(f"peer: bulk-loading {count:,} responses …")
    peer.bulk_load(home, database, count)
    say("peer: CSV export (its exportresult command; about a minute) …")
    csv = peer.time_csv_export(home, database, rounds=1, warmup=False)
    say("peer: PDF report …")
    pdf = peer.time_pdf(home, database, rounds=1, warmup=False)
    return {"csv": csv, "pdf": pdf}


# --- output --------------------------------------------------------------------------------


def ahead(ours: float, theirs: float) -> str:
    """'3.2 × faster' or '1.5 × slower', for a time where less is better."""
    if ours <= 0 or theirs <= 0:
        return "n/a"
    return f"{theirs / ours:.1f} × faster" if ours <= theirs else f"{ours / theirs:.1f} × slower"


def lines_for(
    app: tuple[Tally, int],
    other: tuple[Tally, int],
    ours: dict[str, float],
    theirs: dict[str, float | str],
    count: int,
) -> list[summary.Line]:
    """The comparison's lines of the combined table (goal: the app ahead on each)."""
    (app_tally, app_stored), (peer_tally, peer_stored) = app, other
    app_rate, peer_rate = app_tally.respondents_per_s, peer_tally.respondents_per_s
    app_p95, peer_p95 = percentile(app_tally.latencies, 0.95), percentile(peer_tally.latencies, 0.95)
    lines = [
        summary.Line(
            "peer",
            "SQLite: respondents/s, app / peer",
            f"{app_rate / peer_rate:.2f} ({app_rate:.1f} / {peer_rate:.1f})",
            "> 1",
            app_rate > peer_rate,
        ),
        summary.Line(
            "peer",
            "SQLite: p95 latency per request, app / peer",
            f"{app_p95:.0f} / {peer_p95:.0f} ms",
            "app lower",
            app_p95 < peer_p95,
        ),
        summary.Line(
            "peer",
            "SQLite: errors and lost, app / peer",
            f"{app_tally.errors} + {app_tally.accepted - app_stored} / {peer_tally.errors}"
            f" + {peer_tally.accepted - peer_stored}",
            "0 for the app",
            app_tally.errors == 0 and app_tally.accepted == app_stored,
        ),
        summary.Line(
            "peer",
            f"at {count:,}: app results JSON / peer CSV export",
            f"{ours['json']:.2f} s / {theirs['csv']:.1f} s ({ahead(ours['json'], theirs['csv'])})",
            "app faster",
            ours["json"] < theirs["csv"],
        ),
        summary.Line(
            "peer",
            f"at {count:,}: CSV export, app / peer",
            f"{ours['csv']:.2f} s / {theirs['csv']:.1f} s ({ahead(ours['csv'], theirs['csv'])})",
            "app faster",
            ours["csv"] < theirs["csv"],
        ),
    ]
    pdf = theirs["pdf"]
    if isinstance(pdf, str):
        measured = f"{ours['pdf']:.1f} s / not run: {pdf}"
        lines.append(summary.Line("peer", f"at {count:,}: PDF report, app / peer", measured))
    else:
        lines.append(
            summary.Line(
                "peer",
                f"at {count:,}: PDF report, app / peer",
                f"{ours['pdf']:.1f} s / {pdf:.1f} s ({ahead(ours['pdf'], pdf)})",
                "app faster",
                ours["pdf"] < pdf,
            )
        )
    return lines


def print_load(name: str, tally: Tally, stored: int) -> None:
    print(
        f"  {name:<5} {tally.respondents_per_s:>7.1f} resp/s"
        f"  {tally.requests_per_s:>7.1f} req/s"
        f"  p50 {percentile(tally.latencies, 0.5):>5.0f}  p95 {percentile(tally.latencies, 0.95):>5.0f}"
        f"  p99 {percentile(tally.latencies, 0.99):>5.0f} ms  errors {tally.errors}"
        f"  accepted {tally.accepted}  stored {stored}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="load per server (default 15)")
    parser.add_argument("--concurrency", type=int, default=32, help="respondents at once (default 32)")
    parser.add_argument("--count", type=int, default=10_000, help="responses for the exports (default 10000)")
    parser.add_argument("--json", metavar="PATH", help="also write the summary lines there (bench/run.py)")
    options = parser.parse_args()

    home = peer.ensure_peer()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        for name in ("app", "peer", "app10k", "peer10k"):
            (folder / name).mkdir()
        say("load: the app …")
        app = load_app(folder / "app", options.seconds, options.concurrency)
        say("load: the peer …")
        other = load_peer(home, folder / "peer", options.seconds, options.concurrency)
        print(f"Load, SQLite, {options.concurrency} respondents at once for {options.seconds:g} s each:")
        print_load("app", *app)
        print_load("peer", *other)

        say(f"app: results JSON, CSV export and PDF at {options.count:,} responses …")
        ours = app_exports(folder / "app10k", options.count)
        theirs = peer_exports(home, folder / "peer10k", options.count)
    print(f"At {options.count:,} responses:")
    print(
        f"  app   results JSON {ours['json']:.2f} s, CSV export {ours['csv']:.2f} s, PDF {ours['pdf']:.1f} s"
    )
    pdf = theirs["pdf"]
    print(f"  peer  CSV export {theirs['csv']:.1f} s, PDF {pdf if isinstance(pdf, str) else f'{pdf:.1f} s'}")
    lines = lines_for(app, other, ours, theirs, options.count)
    print(summary.table(lines))
    summary.write(options.json, lines)


if __name__ == "__main__":
    main()
