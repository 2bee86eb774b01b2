"""Recommendations for the gap report: the library in ``reports/recommendations.yaml`` and the rules.

Pure domain code: no Flask, no database.

Each entry applies to one thing: a move from one stage to the next
(``{transition: "defined->aligned"}``), holding a stage (``{hold: "integrated"}``), a weak
dimension (``{dimension: culture}``), a perception gap on one statement
(``{gap_item: k07}``, a question for a joint workshop) or a caution
(``{caution: integration-not-always-needed}``). ``load_library`` checks the file against a
questionnaire and names the entry and field of every problem.

``choose`` applies the rules for one assessment:

(a) the moves from the overall stage to the next one, or at the top stage how to hold it;
(b) actions for the two weakest dimensions (lowest mean of the shown teams' dimension
    means, each team weighing the same; ties go to the earlier dimension);
(c) workshop questions for the three largest perception gaps (largest |Sales − Marketing|
    statement gap; only when both teams are shown; ties go to the earlier statement);
(d) the caution that integration is not for everyone, when the overall stage is Aligned
    or Integrated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .datafile import DataFileError, load_yaml
from .path import PathToNext, path_to_next
from .questionnaire import IDENTIFIER, Questionnaire
from .scoring import AssessmentResult

KINDS = ("transition", "hold", "dimension", "gap_item", "caution")
SOURCES = ("Kotler, Rackham & Krishnaswamy (2006)", "Practitioner literature (themes)")
FIELDS = ("id", "applies_to", "title", "body", "source")
#: Each caution and the overall stages at which the report shows it.
CAUTION_STAGES: Mapping[str, tuple[str, ...]] = {
    "integration-not-always-needed": ("aligned", "integrated"),
}
#: How many of the weakest dimensions and of the largest gaps get recommendations.
WEAK_DIMENSIONS = 2
LARGEST_GAPS = 3
#: Means and gaps are compared to this many decimals, so float noise cannot reorder ties.
ROUNDING = 9


# --- the library ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """One entry of the library; ``kind`` and ``target`` come from its ``applies_to``."""

    id: str
    kind: str
    target: str
    title: str
    body: str
    source: str


@dataclass(frozen=True)
class Library:
    """Every recommendation, in file order."""

    entries: tuple[Recommendation, ...]

    def matching(self, kind: str, target: str) -> tuple[Recommendation, ...]:
        """The entries that apply to ``kind`` / ``target``, in file order."""
        return tuple(entry for entry in self.entries if entry.kind == kind and entry.target == target)


class LibraryError(DataFileError):
    """A recommendations file that cannot be used, with every problem found in it."""


def transition_id(lower: str, upper: str) -> str:
    """How ``applies_to.transition`` names the move from ``lower`` to ``upper``."""
    return f"{lower}->{upper}"


def _transitions(q: Questionnaire) -> list[str]:
    return [transition_id(a.id, b.id) for a, b in zip(q.stages, q.stages[1:], strict=False)]


def _known_targets(q: Questionnaire) -> dict[str, list[str]]:
    return {
        "transition": _transitions(q),
        "hold": [q.stages[-1].id],
        "dimension": [d.id for d in q.dimensions],
        "gap_item": list(q.item_ids),
        "caution": list(CAUTION_STAGES),
    }


def _entry_problems(entry: Any, where: str, q: Questionnaire) -> tuple[list[str], Recommendation | None]:
    """Problems with one entry, and the entry itself when it has none."""
    if not isinstance(entry, Mapping):
        return [f"{where}: must be a mapping of fields ({', '.join(FIELDS)})"], None
    entry_id = entry.get("id")
    if isinstance(entry_id, str) and entry_id:
        where = f"{where} ({entry_id})"
    problems = [f"{where}: unknown field {key!r}" for key in entry if key not in FIELDS]
    if not isinstance(entry_id, str) or not re.match(IDENTIFIER, entry_id):
        problems.append(f"{where}: id: must be lower-case letters, digits, '-' or '_', got {entry_id!r}")
    for name in ("title", "body"):
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {name}: must be non-empty text")
    source = entry.get("source")
    if source not in SOURCES:
        problems.append(f"{where}: source: must be one of {', '.join(map(repr, SOURCES))}, got {source!r}")
    kind, target = None, None
    applies_to = entry.get("applies_to")
    if not isinstance(applies_to, Mapping) or len(applies_to) != 1:
        problems.append(f"{where}: applies_to: must have exactly one of {', '.join(KINDS)}")
    else:
        ((kind, target),) = applies_to.items()
        known = _known_targets(q)
        if kind not in known:
            problems.append(f"{where}: applies_to: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        elif target not in known[kind]:
            label = {"gap_item": "statement", "transition": "transition"}.get(kind, kind)
            problems.append(
                f"{where}: applies_to.{kind}: unknown {label} {target!r} (known: {', '.join(known[kind])})"
            )
    if problems:
        return problems, None
    return [], Recommendation(
        id=entry_id,
        kind=str(kind),
        target=str(target),
        title=entry["title"].strip(),
        body=" ".join(entry["body"].split()),
        source=source,
    )


def parse_library(data: Any, source: str, q: Questionnaire) -> Library:
    """Validate already-parsed data as a recommendations library, or raise ``LibraryError``."""
    if not isinstance(data, Mapping) or set(data) != {"recommendations"}:
        raise LibraryError(source, ["(top level): must be a mapping with one field, recommendations"])
    raw = data["recommendations"]
    if not isinstance(raw, list) or not raw:
        raise LibraryError(source, ["recommendations: must be a non-empty list of entries"])
    problems: list[str] = []
    entries: list[Recommendation] = []
    first_use: dict[str, int] = {}
    for index, entry in enumerate(raw):
        where = f"recommendations[{index}]"
        entry_problems, recommendation = _entry_problems(entry, where, q)
        problems.extend(entry_problems)
        entry_id = entry.get("id") if isinstance(entry, Mapping) else None
        if isinstance(entry_id, str) and entry_id:
            if entry_id in first_use:
                problems.append(
                    f"{where} ({entry_id}): id: {entry_id!r} is already used by"
                    f" recommendations[{first_use[entry_id]}]"
                )
            else:
                first_use[entry_id] = index
        if recommendation is not None:
            entries.append(recommendation)
    if problems:
        raise LibraryError(source, problems)
    return Library(tuple(entries))


def load_library(path: Path, q: Questionnaire) -> Library:
    """Read and validate a recommendations file (YAML or JSON) against ``q``."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(source, [f"cannot be read: {exc}"]) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else load_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise LibraryError(source, [f"is not valid {path.suffix[1:].upper()}: {exc}"]) from None
    return parse_library(data, source, q)


def coverage_problems(library: Library, q: Questionnaire) -> list[str]:
    """What a complete library lacks for ``q``: every transition, the hold, each caution,
    at least two entries per dimension and one per statement."""
    problems = []
    minimum = {"dimension": WEAK_DIMENSIONS}
    for kind, targets in _known_targets(q).items():
        for target in targets:
            found = len(library.matching(kind, target))
            if found < minimum.get(kind, 1):
                problems.append(f"{kind} {target!r}: {found} entries, needs {minimum.get(kind, 1)}")
    return problems


# --- the rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class WeakDimension:
    """One of the weakest dimensions, its mean (1–5) over the shown teams, and what to do."""

    dimension_id: str
    label: str
    mean: float
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class GapWorkshop:
    """A statement the teams see differently, and the workshop question for it.

    ``gap`` is the first gap team's mean minus the second's (Sales − Marketing); ``size``
    is its absolute value; ``higher``/``lower`` are the team keys; ``direction`` says it
    in words ("Sales rates this 1.2 points higher than Marketing").
    """

    item_id: str
    statement: str
    gap: float
    size: float
    p_adj: float | None
    higher: str
    lower: str
    direction: str
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class Selection:
    """The recommendations chosen for one assessment, by report section.

    ``moves`` are the entries for the move to ``next_stage`` or, at the top stage
    (``holding``), for holding it. ``stage`` is None (and every section empty but the
    gaps) when no team is shown.
    """

    stage: str | None
    next_stage: str | None
    path: PathToNext | None
    moves: tuple[Recommendation, ...]
    weak_dimensions: tuple[WeakDimension, ...]
    gaps: tuple[GapWorkshop, ...]
    cautions: tuple[Recommendation, ...]

    @property
    def holding(self) -> bool:
        """Whether the overall stage is the top one (the moves say how to hold it)."""
        return self.stage is not None and self.next_stage is None


def overall_dimension_means(q: Questionnaire, result: AssessmentResult) -> dict[str, float | None]:
    """Each dimension's mean over the shown teams (equal weight per team; None if none answered)."""
    means: dict[str, float | None] = {}
    for dimension in q.dimensions:
        values = [
            value
            for key in result.overall.teams
            if (value := result.teams[key].dimensions.get(dimension.id)) is not None
        ]
        means[dimension.id] = sum(values) / len(values) if values else None
    return means


def weakest_dimensions(
    library: Library, q: Questionnaire, result: AssessmentResult, count: int = WEAK_DIMENSIONS
) -> tuple[WeakDimension, ...]:
    """The ``count`` dimensions with the lowest mean, with their recommendations."""
    order = {d.id: index for index, d in enumerate(q.dimensions)}
    labels = {d.id: d.label for d in q.dimensions}
    ranked = sorted(
        ((mean, dim_id) for dim_id, mean in overall_dimension_means(q, result).items() if mean is not None),
        key=lambda pair: (round(pair[0], ROUNDING), order[pair[1]]),
    )
    return tuple(
        WeakDimension(dim_id, labels[dim_id], mean, library.matching("dimension", dim_id))
        for mean, dim_id in ranked[:count]
    )


def _team_name(key: str, team_names: Mapping[str, str] | None) -> str:
    return (team_names or {}).get(key) or key.replace("_", " ").capitalize()


def gap_direction(size: float, higher: str, lower: str) -> str:
    """The gap in words: "Sales rates this 1.2 points higher than Marketing"."""
    amount = f"{size:.1f} points" if round(size, 1) >= 0.1 else "slightly"
    return f"{higher} rates this {amount} higher than {lower}"


def largest_gaps(
    library: Library,
    q: Questionnaire,
    result: AssessmentResult,
    team_names: Mapping[str, str] | None = None,
    count: int = LARGEST_GAPS,
) -> tuple[GapWorkshop, ...]:
    """The ``count`` statements with the largest perception gap, with their workshop questions."""
    if result.gap is None:
        return ()
    first, second = result.gap.teams
    texts = {item.id: item.text for item in q.items}
    order = {item_id: index for index, item_id in enumerate(q.item_ids)}
    ranked = sorted(
        (
            (item_id, item.gap, item.p_adj)
            for item_id, item in result.gap.items.items()
            if item.gap is not None and round(abs(item.gap), ROUNDING) > 0
        ),
        key=lambda row: (-round(abs(row[1]), ROUNDING), order[row[0]]),
    )
    workshops = []
    for item_id, gap, p_adj in ranked[:count]:
        higher, lower = (first, second) if gap > 0 else (second, first)
        workshops.append(
            GapWorkshop(
                item_id=item_id,
                statement=texts[item_id],
                gap=gap,
                size=abs(gap),
                p_adj=p_adj,
                higher=higher,
                lower=lower,
                direction=gap_direction(
                    abs(gap), _team_name(higher, team_names), _team_name(lower, team_names)
                ),
                recommendations=library.matching("gap_item", item_id),
            )
        )
    return tuple(workshops)


def choose(
    library: Library,
    q: Questionnaire,
    result: AssessmentResult,
    path: PathToNext | None = None,
    team_names: Mapping[str, str] | None = None,
) -> Selection:
    """Pick the recommendations for one assessment (rules (a)–(d) in the module docstring).

    ``path`` is ``path_to_next(q, result)``, computed here when not given; it must
    belong to ``result``. ``team_names`` maps team keys to the names the report uses
    ("sales" → "Sales" by default).
    """
    stage = result.overall.stage
    if path is None:
        path = path_to_next(q, result)
    elif path.current != stage:
        raise ValueError(f"the path starts at {path.current!r} but the overall stage is {stage!r}")
    if path is None:
        moves: tuple[Recommendation, ...] = ()
        next_stage = None
    elif path.next is None:
        moves = library.matching("hold", path.current)
        next_stage = None
    else:
        moves = library.matching("transition", transition_id(path.current, path.next))
        next_stage = path.next
    cautions = tuple(
        entry
        for caution_id, stages in CAUTION_STAGES.items()
        if stage in stages
        for entry in library.matching("caution", caution_id)
    )
    return Selection(
        stage=stage,
        next_stage=next_stage,
        path=path,
        moves=moves,
        weak_dimensions=weakest_dimensions(library, q, result) if stage is not None else (),
        gaps=largest_gaps(library, q, result, team_names),
        cautions=cautions,
    )
