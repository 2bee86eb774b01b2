"""How long a PDF report takes, and how much of it is WeasyPrint's own layout.

Run from the repository root:  python bench/report.py  [--respondents 500,50000] [--runs N]

For each size N, builds an assessment with two teams of N people each in a fresh
temporary SQLite database, bulk-loaded with bench/scale.py's loader (answers drawn
around the demo's team profiles, ~3 % incomplete responses, ~4 % "don't know"), then
gives about one respondent in five a comment of 3–25 words. It times the report in
its three parts (data: queries and report logic; charts: matplotlib; layout:
templates and WeasyPrint) against WeasyPrint alone on the very same HTML, and times
releasing the results (``releases.services.release`` end to end in a write session:
results, report, PDF, the page's charts, stored) against that live report. The goals:
the whole report takes at most 1.5 times the bare render, and releasing at most 1.5
times the live report, at every size. Each figure is the median of ``--runs`` timed runs
after one warm-up run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    from sqlalchemy import Engine  # noqa: E402 - after the path is set

    from bench import summary  # noqa: E402
    from bench.scale import load_sqlite  # noqa: E402
    from survey_app import create_app, db, migrate  # noqa: E402
    from survey_app.assessments import create_assessment, get_assessment  # noqa: E402
    from survey_app.catalog import get_questionnaire  # noqa: E402
    from survey_app.domain.comments import comment_rank  # noqa: E402
    from survey_app.domain.questionnaire import Questionnaire  # noqa: E402
    from survey_app.releases.services import release  # noqa: E402
    from survey_app.report.loader import COMMENTS_PER_TEAM, build_report_context  # noqa: E402
    from survey_app.report.render import html_to_pdf, render_report  # noqa: E402
except ModuleNotFoundError as exc:
    raise SystemExit(f"bench/report.py needs the Python package {exc.name!r} (use the app's venv)") from None

GOAL = 1.5
#: Releasing (results, report, PDF, page charts, stored) over the live report (issue 15).
RELEASE_GOAL = 1.5
SECRET = "bench-secret-key-not-for-production-0123456789"
SIZES = (500, 50_000)
#: Timed runs per size by default: both default sizes together take about 1.5 minutes on 2 cores.
RUNS = 3
#: About this share of respondents leave a comment.
COMMENT_SHARE = 0.2
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


@dataclass
class Figures:
    """One size's figures: medians in seconds, the PDF's size, the comments stored and printed."""

    respondents: int
    runs: int
    load: float
    data: float
    charts: float
    layout: float
    total: float
    bare: float
    releasing: float
    pages: int
    pdf_bytes: int
    comments: int
    printed: int

    @property
    def ratio(self) -> float:
        """The whole report's time over the bare WeasyPrint render's."""
        return self.total / self.bare

    @property
    def passed(self) -> bool:
        """Whether the report meets the goal."""
        return self.ratio <= GOAL

    @property
    def release_ratio(self) -> float:
        """Releasing's time over the live report's."""
        return self.releasing / self.total

    @property
    def release_passed(self) -> bool:
        """Whether releasing meets its goal."""
        return self.release_ratio <= RELEASE_GOAL


def say(message: str) -> None:
    """A progress line on stderr (the figures go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def comments(first_id: int, respondents: int, rng: random.Random) -> list[tuple[str, int | None, int]]:
    """(comment, its rank, response id) for about one respondent in five of ``2 × respondents``."""
    made = []
    for response_id in range(first_id, first_id + 2 * respondents):
        if rng.random() < COMMENT_SHARE:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25))).capitalize() + "."
            made.append((text, comment_rank(text), response_id))
    return made


def build(engine: Engine, q: Questionnaire, respondents: int) -> tuple[str, int]:
    """Create the assessment and bulk-load its responses; return its slug and the comment count.

    scale.py's loader writes a few fixed comments on most responses; they are
    replaced by varied ones from about one respondent in five, as people write them.
    """
    with db.write_session() as session:
        assessment = create_assessment(
            session, organization="Bench Industries", name="Benchmark", questionnaire=q, secret_key=SECRET
        )
        slug = assessment.slug
        team_ids = tuple(team.id for team in assessment.teams)
    load_sqlite(engine, 2 * respondents, seed=2006, q=q, team_ids=team_ids, first_id=1)
    written = comments(1, respondents, random.Random(2006))
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE response SET comment = NULL, comment_rank = NULL")
        connection.exec_driver_sql("UPDATE response SET comment = ?, comment_rank = ? WHERE id = ?", written)
    return slug, len(written)


def release_once(slug: str, q: Questionnaire) -> float:
    """Seconds to release the assessment's results, as the release page does it (in a write session)."""
    started = time.perf_counter()
    with db.write_session() as writing:
        release(writing, get_assessment(writing, slug), q, released_by_id=None, note="Bench.")
    return time.perf_counter() - started


def measure(respondents: int, runs: int) -> Figures:
    """Build one size in a temporary SQLite database and time its report."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET}, instance_path=folder)
        engine = app.extensions["survey_db"].engine
        migrate.upgrade(engine)
        try:
            with app.app_context():
                q = get_questionnaire("kotler-2006")
                say(f"2 × {respondents:,}: loading…")
                started = time.perf_counter()
                slug, stored = build(engine, q, respondents)
                load = time.perf_counter() - started

                session = db.get_session()
                assessment = get_assessment(session, slug)
                say(f"2 × {respondents:,}: warm-up report and release…")  # fonts, matplotlib, WeasyPrint
                render_report(build_report_context(session, assessment, q))
                release_once(slug, q)

                # Report, bare render and release alternate, so a busy machine slows them alike.
                data_times, chart_times, layout_times, totals, bare_times, releases = [], [], [], [], [], []
                for number in range(1, runs + 1):
                    say(f"2 × {respondents:,}: run {number} of {runs} (report, bare WeasyPrint, release)…")
                    started = time.perf_counter()
                    context = build_report_context(session, assessment, q)
                    data_times.append(time.perf_counter() - started)
                    rendered = render_report(context)
                    chart_times.append(rendered.timings.charts)
                    layout_times.append(rendered.timings.layout)
                    totals.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    html_to_pdf(rendered.html)
                    bare_times.append(time.perf_counter() - started)
                    releases.append(release_once(slug, q))
                session.rollback()
        finally:
            engine.dispose()
    return Figures(
        respondents=respondents,
        runs=runs,
        load=load,
        data=statistics.median(data_times),
        charts=statistics.median(chart_times),
        layout=statistics.median(layout_times),
        total=statistics.median(totals),
        bare=statistics.median(bare_times),
        releasing=statistics.median(releases),
        pages=rendered.pages,
        pdf_bytes=len(rendered.pdf),
        comments=stored,
        printed=sum(len(group.comments) for group in context.comments),
    )


def run(sizes: list[int], runs: int = RUNS) -> list[Figures]:
    """Measure every size (respondents per team), for a combined table; nothing is printed."""
    return [measure(size, runs) for size in sizes]


def print_figures(figures: Figures) -> None:
    """One size's block: the three parts, the bare render, the ratio and the PDF."""
    verdict = "PASS" if figures.passed else "MISS"
    print(
        f"2 × {figures.respondents:,} respondents (loaded in {figures.load:.1f} s;"
        f" {figures.comments:,} comments, {figures.printed} printed; median of {figures.runs} runs)"
    )
    print(f"  data     {figures.data:6.2f} s   queries, bootstrap, path, recommendations")
    print(f"  charts   {figures.charts:6.2f} s   matplotlib SVG")
    print(f"  layout   {figures.layout:6.2f} s   templates + WeasyPrint")
    print(f"  total    {figures.total:6.2f} s")
    print(f"  bare     {figures.bare:6.2f} s   WeasyPrint alone on the same HTML")
    print(f"  report / bare render = {figures.ratio:.2f} {verdict} (goal ≤ {GOAL})")
    print(f"  release  {figures.releasing:6.2f} s   results, report, PDF, page charts, stored")
    print(
        f"  release / live report = {figures.release_ratio:.2f}"
        f" {'PASS' if figures.release_passed else 'MISS'} (goal ≤ {RELEASE_GOAL})"
    )
    print(f"  PDF: {figures.pages} pages, {figures.pdf_bytes:,} bytes", flush=True)


def summary_lines(figures: Figures) -> list[summary.Line]:
    """One size's lines of the combined table: the report, and releasing."""
    return [
        summary.Line(
            "report",
            f"PDF for 2 × {figures.respondents:,}: report / bare WeasyPrint",
            f"{figures.ratio:.2f} ({figures.total:.1f} s / {figures.bare:.1f} s; data {figures.data:.1f},"
            f" charts {figures.charts:.1f}, layout {figures.layout:.1f})",
            f"≤ {GOAL}",
            figures.passed,
        ),
        summary.Line(
            "report",
            f"Releasing at 2 × {figures.respondents:,} (× live report)",
            f"{figures.release_ratio:.2f} ({figures.releasing:.1f} s / {figures.total:.1f} s)",
            f"≤ {RELEASE_GOAL}",
            figures.release_passed,
        ),
    ]


def parse_sizes(text: str) -> list[int]:
    """``500,50000`` (underscores allowed) as a list of positive sizes; a clear error otherwise."""
    try:
        sizes = [int(part.strip().replace("_", "")) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"every size must be at least 1: {text!r}")
    return sizes


def main() -> None:
    """Measure each size and print its figures; exit 1 when a size misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--respondents",
        type=parse_sizes,
        default=list(SIZES),
        help="people per team, comma-separated (default 500,50000)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=RUNS,
        help=f"timed runs per figure (default {RUNS})",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the summary lines there (bench/run.py)")
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")

    started = time.perf_counter()
    results = []
    for size in options.respondents:
        figures = measure(size, options.runs)
        print_figures(figures)
        results.append(figures)
    print(f"Comments: at most {COMMENTS_PER_TEAM} per team are printed, whatever the number written.")
    print(f"Whole benchmark: {time.perf_counter() - started:.0f} s.")
    summary.write(options.json, [line for figures in results for line in summary_lines(figures)])
    if not all(figures.passed and figures.release_passed for figures in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
