"""The lines of the benchmarks' summary table: a figure, what was measured, its goal, the verdict.

Every benchmark script takes ``--json PATH`` and writes its lines there;
bench/run.py collects them and prints one table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Line:
    """One figure of the summary table. ``passed`` is None for a figure without a goal."""

    bench: str
    figure: str
    measured: str
    goal: str = ""
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "MISS", None: ""}[self.passed]


def write(path: str | None, lines: list[Line]) -> None:
    """Write ``lines`` to ``path`` as JSON (nothing when no path was asked for)."""
    if path:
        Path(path).write_text(json.dumps([asdict(line) for line in lines], ensure_ascii=False, indent=1))


def read(path: Path) -> list[Line]:
    return [Line(**raw) for raw in json.loads(path.read_text())]


def table(lines: list[Line]) -> str:
    """The lines as an aligned plain-text table (also valid Markdown)."""
    head = ("benchmark", "figure", "measured", "goal", "verdict")
    rows = [head] + [(line.bench, line.figure, line.measured, line.goal, line.verdict) for line in lines]
    widths = [max(len(row[column]) for row in rows) for column in range(len(head))]

    def render(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([render(rows[0]), rule, *(render(row) for row in rows[1:])])
