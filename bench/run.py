"""Every benchmark of the app, one after the other, and one table of their figures with the goals.

    make bench                          # from a fresh clone: installs what it needs, then this
    python bench/run.py [--only throughput,scale,report,trend,peer] [--markdown PATH]

Runs, each in its own process, with its own output shown as it goes:

1. throughput  bench/throughput.py   respondents/s and latency under locust, app vs bare app
2. scale       bench/scale.py        results at 1k … 1M responses vs the bare aggregate query;
                                     the leader's page of a stored release beside the live page
3. report      bench/report.py       the PDF at 2 × 500 and 2 × 50,000 vs WeasyPrint alone;
                                     releasing (results + PDF, stored) vs that live report
4. trend       bench/trend.py        the trend of 10 waves × 10,000: page and JSON, live and released
5. peer        bench/peer/versus.py  django-survey-and-report side by side (its own venv)

PostgreSQL is included where BENCH_DATABASE_URL (or TEST_DATABASE_URL) names a database;
otherwise everything runs on SQLite. The table goes to stdout at the end (and to
``--markdown PATH``); the exit status is 1 when a benchmark could not run to its end.
Goals missed are shown as MISS in the table, not as a failure of the run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import summary  # noqa: E402 - after the path is set

#: Options each script gets from here (fewer timed runs where one run takes seconds).
ARGUMENTS = {"scale": ["--runs", "2"]}
#: name -> (script, what it measures)
BENCHMARKS = {
    "throughput": ("bench/throughput.py", "respondent throughput, app vs bare Flask + SQLAlchemy"),
    "scale": (
        "bench/scale.py",
        "results at 1k to 1M responses vs the bare aggregate query; the leader's release page",
    ),
    "report": ("bench/report.py", "the PDF report vs WeasyPrint alone; releasing vs the live report"),
    "trend": ("bench/trend.py", "the trend of 10 waves of 10,000 responses: page and JSON"),
    "peer": ("bench/peer/versus.py", "side by side with django-survey-and-report"),
}


def machine() -> str:
    """The machine the figures come from, in one line."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores{f' ({model})' if model else ''}, {memory:.0f} GiB,"
        f" {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def run_one(name: str, folder: Path) -> tuple[list[summary.Line], float]:
    """Run one benchmark script, its output passed through; its summary lines and seconds."""
    script, what = BENCHMARKS[name]
    out = folder / f"{name}.json"
    print(f"\n=== {name}: {what} ({script}) ===", flush=True)
    started = time.perf_counter()
    command = [sys.executable, str(ROOT / script), *ARGUMENTS.get(name, []), "--json", str(out)]
    finished = subprocess.run(command, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    print(f"=== {name}: {seconds:.0f} s ===", flush=True)
    if not out.exists():
        return [summary.Line(name, "did not run to its end", f"exit status {finished.returncode}")], seconds
    return summary.read(out), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table there")
    options = parser.parse_args()
    names = [name.strip() for name in options.only.split(",")] if options.only else list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    database = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    print(f"Machine: {machine()}")
    print(f"PostgreSQL: {'included' if database else 'not included (set BENCH_DATABASE_URL to include it)'}")
    lines: list[summary.Line] = []
    durations = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            found, durations[name] = run_one(name, Path(folder))
            lines += found
    total = time.perf_counter() - started

    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in durations.items())
    text = summary.table(lines)
    print(f"\nSummary ({machine()}; {total / 60:.1f} min: {spent})\n")
    print(text)
    if options.markdown:
        Path(options.markdown).write_text(text + "\n")
    if any(line.figure == "did not run to its end" for line in lines):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
