"""How long a PDF report takes, and how much of it is WeasyPrint's own layout.

Run from the repository root:  python bench/report.py  [--respondents 500] [--runs 3]

Builds an assessment with two teams of ``--respondents`` people each (synthetic
answers, a comment from about one in five) in a temporary SQLite database, then
times the report in its three parts (data: queries and report logic; charts:
matplotlib; layout: templates and WeasyPrint) against WeasyPrint alone on the
very same HTML. The goal: the whole report takes at most 1.5 times the bare render.
Each figure is the median of ``--runs`` runs after one warm-up run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey_app import create_app, db, migrate  # noqa: E402 - after the path is set
from survey_app.assessments import create_assessment, get_assessment  # noqa: E402
from survey_app.catalog import get_questionnaire  # noqa: E402
from survey_app.demo import PROFILES  # noqa: E402
from survey_app.models import ResponseSource  # noqa: E402
from survey_app.report.context import build_report_context  # noqa: E402
from survey_app.report.render import html_to_pdf, render_report  # noqa: E402
from survey_app.responses import NewResponse, add_responses  # noqa: E402

GOAL = 1.5
SECRET = "bench-secret-key-not-for-production-0123456789"
#: Each team's typical answer per statement (k01…k20): the demo's profiles.
TYPICAL = {team: typical for team, (_, typical) in PROFILES.items()}
WORDS = (
    "lead",
    "pipeline",
    "campaign",
    "forecast",
    "meeting",
    "customer",
    "account",
    "plan",
    "budget",
    "review",
)


def responses(q, team: str, count: int, rng: random.Random) -> list[NewResponse]:  # noqa: ANN001
    """``count`` synthetic responses for ``team``."""
    made = []
    for _ in range(count):
        tendency = rng.gauss(0, 0.45)
        answers: dict[str, int | None] = {
            item_id: (
                None if rng.random() < 0.03 else min(5, max(1, round(mean + tendency + rng.gauss(0, 0.75))))
            )
            for item_id, mean in zip(q.item_ids, TYPICAL[team], strict=True)
        }
        comment = None
        if rng.random() < 0.2:
            comment = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25))).capitalize() + "."
        made.append(NewResponse(team, answers, comment=comment))
    return made


def median_time(work, runs: int) -> float:  # noqa: ANN001
    """The median wall time of ``runs`` calls of ``work``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Build the data, time the report and the bare render, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=500, help="people per team (default 500)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (default 3)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET}, instance_path=folder)
        migrate.upgrade(app.extensions["survey_db"].engine)
        with app.app_context():
            q = get_questionnaire("kotler-2006")
            started = time.perf_counter()
            rng = random.Random(2006)
            with db.write_session() as session:
                assessment = create_assessment(
                    session,
                    organization="Bench Industries",
                    name="Benchmark",
                    questionnaire=q,
                    secret_key=SECRET,
                )
                for team in ("sales", "marketing"):
                    add_responses(
                        session,
                        assessment,
                        q,
                        responses(q, team, options.respondents, rng),
                        ResponseSource.IMPORT,
                    )
                slug = assessment.slug
            built = time.perf_counter() - started
            print(f"Built {slug}: 2 × {options.respondents} respondents in {built:.1f} s (temporary SQLite).")

            session = db.get_session()
            assessment = get_assessment(session, slug)
            # Warm-up: fonts, matplotlib and WeasyPrint caches, imports.
            context = build_report_context(session, assessment, q)
            rendered = render_report(context)
            html_to_pdf(rendered.html)

            data_times, chart_times, layout_times, totals = [], [], [], []
            for _ in range(options.runs):
                started = time.perf_counter()
                context = build_report_context(session, assessment, q)
                data_times.append(time.perf_counter() - started)
                rendered = render_report(context)
                chart_times.append(rendered.timings.charts)
                layout_times.append(rendered.timings.layout)
                totals.append(time.perf_counter() - started)
            bare = median_time(lambda: html_to_pdf(rendered.html), options.runs)

    report = statistics.median(totals)
    ratio = report / bare
    print(
        f"Report: {rendered.pages} pages, {len(rendered.pdf) / 1024:.0f} KB (median of {options.runs} runs)"
    )
    print(f"  data     {statistics.median(data_times):6.2f} s   queries, bootstrap, path, recommendations")
    print(f"  charts   {statistics.median(chart_times):6.2f} s   matplotlib SVG")
    print(f"  layout   {statistics.median(layout_times):6.2f} s   templates + WeasyPrint")
    print(f"  total    {report:6.2f} s")
    print(f"WeasyPrint alone on the same HTML: {bare:.2f} s")
    print(f"report / bare render = {ratio:.2f} (goal ≤ {GOAL})")
    if ratio > GOAL:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
