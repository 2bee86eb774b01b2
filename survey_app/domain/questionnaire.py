"""Questionnaire definitions: the data files under ``questionnaires/``, validated.

Pure domain code: no Flask, no database. Pydantic checks each file's shape and
types; ``_consistency_problems`` checks what ties the parts together (known
dimensions, unique ids, stage bands covering the score range).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .datafile import DataFileError, duplicates, load_yaml, location

SUFFIXES = (".yaml", ".yml", ".json")
IDENTIFIER = r"^[a-z][a-z0-9_-]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scale(_Frozen):
    """The answer scale: whole numbers from ``min`` to ``max``, each with a label."""

    min: int = Field(ge=0)
    max: int
    labels: dict[int, str]
    #: Label of the "don't know" choice; a "don't know" counts as no answer.
    dont_know: str = Field(min_length=1)

    @property
    def values(self) -> range:
        """Every valid answer value, lowest first."""
        return range(self.min, self.max + 1)


class Dimension(_Frozen):
    """A group of statements reported together (e.g. Culture & trust)."""

    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)


class Item(_Frozen):
    """One statement of the questionnaire."""

    id: str = Field(pattern=IDENTIFIER)
    #: A readable short name (``forecast_accuracy``), stable like the id.
    key: str = Field(pattern=IDENTIFIER)
    dimension: str
    text: str = Field(min_length=1)


class Stage(_Frozen):
    """A band of the total score: from ``lower_bound`` up to the next stage's bound."""

    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)
    lower_bound: float
    description: str = Field(min_length=1)


class Questionnaire(_Frozen):
    """A validated questionnaire definition."""

    id: str = Field(pattern=IDENTIFIER)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    introduction: str = Field(min_length=1)
    source: str = ""
    scale: Scale
    #: Fewest answered statements for a response to be scored; default 80 % of them.
    min_answered: int | None = Field(default=None, ge=1)
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)
    stages: tuple[Stage, ...] = Field(min_length=1)

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        """The statements' ids in questionnaire order (asked for in every scoring loop: kept)."""
        return tuple(item.id for item in self.items)

    @property
    def answers_needed(self) -> int:
        """How many statements a response must answer to be scored."""
        if self.min_answered is not None:
            return self.min_answered
        return math.ceil(0.8 * len(self.items))

    @property
    def total_range(self) -> tuple[int, int]:
        """Lowest and highest possible total (20–100 for 20 items on 1–5)."""
        return len(self.items) * self.scale.min, len(self.items) * self.scale.max

    @cached_property
    def items_by_dimension(self) -> dict[str, tuple[str, ...]]:
        """Each dimension id with the ids of its statements, in order."""
        return {
            dim.id: tuple(item.id for item in self.items if item.dimension == dim.id)
            for dim in self.dimensions
        }

    def stage_for(self, score: float) -> Stage:
        """The stage whose band contains ``score``."""
        current = self.stages[0]
        for stage in self.stages:
            if score >= stage.lower_bound:
                current = stage
        return current

    def next_stage(self, stage_id: str) -> Stage | None:
        """The stage above ``stage_id``, or None at the top."""
        ids = [stage.id for stage in self.stages]
        position = ids.index(stage_id)
        return self.stages[position + 1] if position + 1 < len(ids) else None


class QuestionnaireError(DataFileError):
    """A questionnaire file that cannot be used, with every problem found in it."""


def _consistency_problems(q: Questionnaire) -> list[str]:
    """Problems that involve more than one field of an otherwise well-formed definition."""
    problems: list[str] = []
    scale = q.scale
    if scale.max <= scale.min:
        problems.append(f"scale.max: must be greater than scale.min ({scale.min})")
    elif set(scale.labels) != set(scale.values):
        problems.append(
            f"scale.labels: needs exactly one label for each value {scale.min}–{scale.max},"
            f" got {sorted(scale.labels)}"
        )
    for what, ids in (
        ("dimensions", [d.id for d in q.dimensions]),
        ("items", [i.id for i in q.items]),
        ("items (key)", [i.key for i in q.items]),
        ("stages", [s.id for s in q.stages]),
    ):
        for dup in duplicates(ids):
            problems.append(f"{what}: id {dup!r} is used more than once")
    known = {d.id for d in q.dimensions}
    for index, item in enumerate(q.items):
        if item.dimension not in known:
            problems.append(
                f"items[{index}].dimension: unknown dimension {item.dimension!r}"
                f" (known: {', '.join(sorted(known))})"
            )
    for dim_id, item_ids in q.items_by_dimension.items():
        if not item_ids:
            problems.append(f"dimensions: {dim_id!r} has no statements")
    if q.min_answered is not None and q.min_answered > len(q.items):
        problems.append(f"min_answered: {q.min_answered} is more than the {len(q.items)} statements")
    low, high = q.total_range
    bounds = [s.lower_bound for s in q.stages]
    if bounds[0] != low:
        problems.append(f"stages[0].lower_bound: must be the lowest possible total, {low}")
    for index in range(1, len(bounds)):
        if not bounds[index - 1] < bounds[index] <= high:
            problems.append(
                f"stages[{index}].lower_bound: must be above the previous bound"
                f" ({bounds[index - 1]:g}) and at most the highest total ({high})"
            )
    return problems


def parse_questionnaire(data: Any, source: str) -> Questionnaire:
    """Validate already-parsed data as a questionnaire, or raise ``QuestionnaireError``."""
    if not isinstance(data, Mapping):
        raise QuestionnaireError(source, ["(top level): must be a mapping of fields"])
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        raise QuestionnaireError(
            source, [f"{location(err['loc'])}: {err['msg']}" for err in exc.errors()]
        ) from None
    problems = _consistency_problems(questionnaire)
    if problems:
        raise QuestionnaireError(source, problems)
    return questionnaire


def load_questionnaire(path: Path) -> Questionnaire:
    """Read and validate one questionnaire file (YAML or JSON)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireError(source, [f"cannot be read: {exc}"]) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else load_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise QuestionnaireError(source, [f"is not valid {path.suffix[1:].upper()}: {exc}"]) from None
    return parse_questionnaire(data, source)


@dataclass(frozen=True)
class Catalog:
    """Every questionnaire found, by id, and the files that could not be loaded."""

    questionnaires: dict[str, Questionnaire] = field(default_factory=dict)
    errors: list[QuestionnaireError] = field(default_factory=list)

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        """The questionnaire with this id, or None."""
        return self.questionnaires.get(questionnaire_id)


def load_catalog(folders: Iterable[Path]) -> Catalog:
    """Load every questionnaire file in ``folders``; a broken file is reported, not fatal."""
    catalog = Catalog()
    origin: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            try:
                questionnaire = load_questionnaire(path)
            except QuestionnaireError as exc:
                catalog.errors.append(exc)
                continue
            if questionnaire.id in origin:
                catalog.errors.append(
                    QuestionnaireError(
                        str(path),
                        [f"id: {questionnaire.id!r} is already defined in {origin[questionnaire.id]}"],
                    )
                )
                continue
            origin[questionnaire.id] = path
            catalog.questionnaires[questionnaire.id] = questionnaire
    return catalog
