"""Errors of the project's data files (questionnaires, recommendations), named by file and field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

#: libyaml's parser where PyYAML was built with it (about ten times faster), else PyYAML's own.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataFileError(Exception):
    """A data file that cannot be used, with every problem found in it."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(f"{self.source}: {problem}" for problem in self.problems)


def location(loc: Iterable[int | str]) -> str:
    """Render a field location (as pydantic gives it) as ``items[3].dimension``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def duplicates(values: Iterable[str]) -> list[str]:
    """The values that occur more than once, in order of first repetition."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def load_yaml(text: str) -> Any:  # noqa: ANN401 - whatever the document holds
    """Parse a YAML document safely (plain data only); ``yaml.YAMLError`` when it is not valid."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
