"""Reading responses from a CSV file, with every problem named by line and column.

Pure domain code: no Flask, no database. A file is checked whole before anything
is stored, so a file with any bad row imports nothing.

The format: a header row with ``team`` and every statement id, in any order, and
optionally ``unit`` and ``comment`` (and ``source``, which the export writes and the import
ignores: the rows of an imported file are its own batch); one response per row; answers are whole
numbers on the scale or blank. Comma or semicolon separated, UTF-8 with or
without a byte-order mark (as Excel saves it).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .questionnaire import Questionnaire

TEAM, UNIT, COMMENT = "team", "unit", "comment"
#: Where the export says each response came from ("web", "import batch 2", "demo"); ignored here.
SOURCE = "source"
MAX_UNIT_LENGTH = 100
MAX_COMMENT_LENGTH = 5000
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
#: More digits than any scale value has: refused before conversion (Python refuses
#: to convert a number of more than 4,300 digits at all).
MAX_DIGITS = 6
#: Problems listed at most; the rest are only counted (a large bad file would otherwise
#: make a page or an error message many times its own size).
MAX_PROBLEMS_LISTED = 200
#: Characters of a cell quoted in a message, at most.
MAX_QUOTED = 40


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (line, column) and why."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRejected(Exception):
    """The file cannot be imported: ``problems`` lists the first ``MAX_PROBLEMS_LISTED``
    things wrong with it, ``total`` counts them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems[:MAX_PROBLEMS_LISTED]
        self.total = len(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def unlisted(self) -> int:
        """How many problems are counted but not listed."""
        return self.total - len(self.problems)


def cut(text: str) -> str:
    """``text`` as a message shows it: cut to ``MAX_QUOTED`` characters."""
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def quoted(text: str) -> str:
    """``text`` in quotes for a message, cut to ``MAX_QUOTED`` characters."""
    return repr(cut(text))


@dataclass(frozen=True)
class ImportedResponse:
    """One valid row: the team's key and the answers (None for blank)."""

    line: int
    team: str
    answers: dict[str, int | None]
    unit: str | None = None
    comment: str | None = None


@dataclass
class _Header:
    columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            [Problem(line, None, 'the file is not UTF-8 text (save it as "CSV UTF-8")')]
        ) from None


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _read_header(row: list[str], q: Questionnaire, line: int) -> _Header:
    header = _Header(columns=[name.strip().lower() for name in row])
    allowed = {TEAM, UNIT, COMMENT, SOURCE, *q.item_ids}
    seen: set[str] = set()
    for position, name in enumerate(header.columns, start=1):
        if not name:
            header.problems.append(Problem(line, f"#{position}", "the column has no name"))
        elif name not in allowed:
            header.problems.append(Problem(line, cut(name), "unknown column"))
        elif name in seen:
            header.problems.append(Problem(line, name, "duplicate column"))
        seen.add(name)
    for required in (TEAM, *q.item_ids):
        if required not in seen:
            header.problems.append(Problem(line, required, "missing column"))
    return header


def _read_value(q: Questionnaire, text: str) -> tuple[int | None, str | None]:
    """A cell's answer, or the reason it is not one."""
    text = text.strip()
    if not text:
        return None, None
    if not WHOLE_NUMBER.fullmatch(text):
        return None, f"{quoted(text)} is not a whole number"
    if len(text.lstrip("-")) > MAX_DIGITS:
        return None, f"{quoted(text)} is out of range ({q.scale.min}–{q.scale.max})"
    value = int(text)
    if value not in q.scale.values:
        return None, f"{value} is out of range ({q.scale.min}–{q.scale.max})"
    return value, None


def _team_lookup(teams: Mapping[str, str]) -> dict[str, str]:
    lookup = {}
    for key, name in teams.items():
        lookup[name.strip().casefold()] = key
        lookup[key.casefold()] = key
    return lookup


def _optional_text(
    cells: dict[str, str], column: str, limit: int, line: int, problems: list[Problem]
) -> str | None:
    text = cells.get(column, "").strip()
    if len(text) > limit:
        problems.append(Problem(line, column, f"longer than {limit} characters"))
    if "\x00" in text:
        problems.append(Problem(line, column, "contains a NUL character"))
    return text or None


def parse_responses_csv(data: bytes, q: Questionnaire, teams: Mapping[str, str]) -> list[ImportedResponse]:
    """Parse a responses file for questionnaire ``q`` and ``teams`` (key → display name).

    Raises ``ImportRejected`` listing every problem when anything is wrong.
    """
    text = _decode(data)
    if not text.strip():
        raise ImportRejected([Problem(1, None, "the file is empty")])
    first_line = next(line for line in text.splitlines() if line.strip())
    # Strict: a quoted cell whose closing quote is missing is an error, not the rest of
    # the file read as one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    records = _records(reader)
    header_line, header_row = next((line, row) for line, row in records if any(cell.strip() for cell in row))
    header = _read_header(header_row, q, header_line)
    if header.problems:
        raise ImportRejected(header.problems)
    return _read_rows(records, header.columns, q, teams, reader)


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; a CSV error is a problem naming that line."""
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportRejected([_csv_problem(last_line + 1, str(exc))]) from None
        yield last_line + 1, row
        last_line = reader.line_num


def _csv_problem(line: int, error: str) -> Problem:
    if "unexpected end of data" in error:
        reason = (
            "a quoted cell starts on this line but its closing quote is missing"
            ' (add the closing " or remove the opening one)'
        )
    else:
        reason = f"not valid CSV ({error})"
    return Problem(line, None, reason)


def _read_rows(
    records: Iterator[tuple[int, list[str]]],
    columns: list[str],
    q: Questionnaire,
    teams: Mapping[str, str],
    reader: Any,
) -> list[ImportedResponse]:
    lookup = _team_lookup(teams)
    problems: list[Problem] = []
    rows: list[ImportedResponse] = []
    for line, row in records:
        if not any(cell.strip() for cell in row):
            continue  # blank line, or a row of empty cells as spreadsheets leave them
        if len(row) != len(columns):
            problems.append(Problem(line, None, f"has {len(row)} fields but the header has {len(columns)}"))
            continue
        cells = dict(zip(columns, row, strict=True))
        team_text = cells[TEAM].strip()
        team = lookup.get(team_text.casefold())
        if team is None:
            reason = "the team is missing" if not team_text else f"unknown team {quoted(team_text)}"
            problems.append(Problem(line, TEAM, f"{reason} (known: {', '.join(teams)})"))
        answers: dict[str, int | None] = {}
        for item_id in q.item_ids:
            value, reason = _read_value(q, cells[item_id])
            if reason:
                problems.append(Problem(line, item_id, reason))
            answers[item_id] = value
        unit = _optional_text(cells, UNIT, MAX_UNIT_LENGTH, line, problems)
        comment = _optional_text(cells, COMMENT, MAX_COMMENT_LENGTH, line, problems)
        if team is not None:
            rows.append(ImportedResponse(line, team, answers, unit, comment))
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([Problem(reader.line_num, None, "the file has a header but no responses")])
    return rows
