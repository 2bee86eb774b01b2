"""The trend of an organization's waves: where each wave stood, and what moved between them.

Pure domain code: no Flask, no database. Each wave enters as the figures its results
already published (``Wave.from_results`` reads the results JSON shape, live or as released),
so a trend never looks at a response. Between two consecutive waves, per team:

* the score's change, with a two-sided Welch test on the response totals (from each wave's
  count, mean and standard deviation, as ``scipy.stats.ttest_ind_from_stats`` computes it);
* the stage it was at and the stage it is at;
* each dimension's and statement's change, and the statements that moved most.

A team withheld in either wave (too few responses) has no change at all: nulls, never a
figure worked out from what is shown. The overall score's change is given only when both
waves' overall scores are made of the same teams: a mean of other teams is not comparable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .scoring import welch_from_stats

#: How many statements "moved most" lists per team.
MOST_MOVED = 3


@dataclass(frozen=True)
class TeamPoint:
    """One team's published figures in one wave (only the counts when withheld)."""

    key: str
    withheld: bool
    responses: int
    score: float | None = None
    ci95: tuple[float, float] | None = None
    sd: float | None = None
    stage: str | None = None
    dimensions: Mapping[str, float | None] = field(default_factory=dict)
    items: Mapping[str, float | None] = field(default_factory=dict)

    @classmethod
    def from_results(cls, key: str, team: Mapping[str, Any]) -> TeamPoint:
        """A team as the results JSON gives it (``results SLUG --json``, or a release's)."""
        if team.get("withheld", True) or team.get("score") is None:
            return cls(key=key, withheld=True, responses=int(team.get("responses", 0)))
        ci95 = team.get("ci95")
        return cls(
            key=key,
            withheld=False,
            responses=int(team["responses"]),
            score=float(team["score"]),
            ci95=None if ci95 is None else (float(ci95[0]), float(ci95[1])),
            sd=None if team.get("sd") is None else float(team["sd"]),
            stage=team.get("stage"),
            dimensions=dict(team.get("dimensions", {})),
            items=dict(team.get("items", {})),
        )


@dataclass(frozen=True)
class Wave:
    """One assessment of the series, with its published figures.

    ``release`` is the number of the release the figures come from, or None for live figures.
    """

    slug: str
    name: str
    teams: Mapping[str, TeamPoint]
    overall_score: float | None
    overall_stage: str | None
    overall_teams: tuple[str, ...]
    release: int | None = None
    interim: bool = False

    @classmethod
    def from_results(
        cls,
        slug: str,
        name: str,
        results: Mapping[str, Any],
        *,
        release: int | None = None,
        interim: bool = False,
    ) -> Wave:
        """A wave from its results JSON (the shape ``results SLUG --json`` prints)."""
        overall = results.get("overall") or {}
        return cls(
            slug=slug,
            name=name,
            teams={key: TeamPoint.from_results(key, team) for key, team in results["teams"].items()},
            overall_score=overall.get("score"),
            overall_stage=overall.get("stage"),
            overall_teams=tuple(overall.get("teams", ())),
            release=release,
            interim=interim,
        )


@dataclass(frozen=True)
class TeamChange:
    """How one team moved from one wave to the next; every field None when it is withheld in
    either wave (or absent from one)."""

    score_change: float | None = None
    p_value: float | None = None
    stage_from: str | None = None
    stage_to: str | None = None
    dimensions: Mapping[str, float | None] = field(default_factory=dict)
    items: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def comparable(self) -> bool:
        """Whether the team is shown in both waves."""
        return self.score_change is not None

    @property
    def stage_moved(self) -> bool:
        """Whether the team is at another stage than before."""
        return self.comparable and self.stage_from != self.stage_to

    def most_moved(self, count: int = MOST_MOVED) -> list[tuple[str, float]]:
        """The statements that moved most, largest change first (either way)."""
        return most_moved(self.items, count)


@dataclass(frozen=True)
class Change:
    """What moved between two consecutive waves."""

    before: str
    after: str
    teams: Mapping[str, TeamChange]
    overall_change: float | None


@dataclass(frozen=True)
class Trend:
    """The waves in order and the change between each consecutive pair."""

    waves: tuple[Wave, ...]
    changes: tuple[Change, ...]

    @property
    def team_keys(self) -> tuple[str, ...]:
        """Every team of any wave, in the order the newest waves give them."""
        keys: list[str] = []
        for wave in reversed(self.waves):
            keys += [key for key in wave.teams if key not in keys]
        return tuple(keys)


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _differences(
    after: Mapping[str, float | None], before: Mapping[str, float | None]
) -> dict[str, float | None]:
    return {key: _difference(value, before.get(key)) for key, value in after.items()}


def most_moved(changes: Mapping[str, float | None], count: int = MOST_MOVED) -> list[tuple[str, float]]:
    """The ``count`` largest changes by size (ties in id order); changes of zero are not moves."""
    moved = [(key, change) for key, change in changes.items() if change]
    return sorted(moved, key=lambda pair: (-abs(pair[1]), pair[0]))[:count]


def team_change(before: TeamPoint | None, after: TeamPoint | None) -> TeamChange:
    """How a team moved; nothing at all when it is withheld in (or absent from) either wave."""
    if before is None or after is None or before.score is None or after.score is None:
        return TeamChange()  # withheld in (or absent from) a wave: a withheld team has no score
    p_value = welch_from_stats(
        (after.responses, after.score, after.sd or 0.0), (before.responses, before.score, before.sd or 0.0)
    )
    return TeamChange(
        score_change=after.score - before.score,
        p_value=p_value,
        stage_from=before.stage,
        stage_to=after.stage,
        dimensions=_differences(after.dimensions, before.dimensions),
        items=_differences(after.items, before.items),
    )


def change_between(before: Wave, after: Wave) -> Change:
    """What moved from ``before`` to ``after``, per team and overall."""
    keys = [*after.teams, *(key for key in before.teams if key not in after.teams)]
    same_teams = set(before.overall_teams) == set(after.overall_teams)
    return Change(
        before=before.slug,
        after=after.slug,
        teams={key: team_change(before.teams.get(key), after.teams.get(key)) for key in keys},
        overall_change=_difference(after.overall_score, before.overall_score) if same_teams else None,
    )


def build_trend(waves: Sequence[Wave]) -> Trend:
    """The trend of ``waves``, given in order (oldest first)."""
    return Trend(
        waves=tuple(waves),
        changes=tuple(change_between(before, after) for before, after in zip(waves, waves[1:], strict=False)),
    )


# --- following up the action plan ----------------------------------------------------------


@dataclass(frozen=True)
class PlannedAction:
    """An action of the plan, with the statements it aims to move."""

    action: str
    status: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class ActionFollowUp:
    """How the statements an action aims to move moved, per statement and team."""

    action: PlannedAction
    moves: Mapping[str, Mapping[str, float | None]]


def follow_up(actions: Sequence[PlannedAction], change: Change) -> list[ActionFollowUp]:
    """For each action that names statements, each statement's change per team in ``change``
    (None where the team is withheld in either wave, or the statement has too few answers)."""
    return [
        ActionFollowUp(
            action=action,
            moves={
                item_id: {key: team.items.get(item_id) for key, team in change.teams.items()}
                for item_id in action.statements
            },
        )
        for action in actions
        if action.statements
    ]
