"""What the trend page and the report's trend section show, as ready-to-print values.

Pure presentation: built from a ``Trend`` and plain facts about its waves, no database and
no Flask, so the page and the PDF word every figure the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..domain.questionnaire import Questionnaire
from ..domain.trend import Change, PlannedAction, Trend, Wave, follow_up
from ..results.charts import OVERALL_STYLE, Band, Line, score_over_waves, team_styles
from ..results.formatting import MISSING, fmt_score, fmt_signed, p_phrase

#: Shown where a team is withheld in a wave, or in either wave of a change.
TOO_FEW = "too few responses"


@dataclass(frozen=True)
class WaveFacts:
    """What the view needs to know of a wave besides its figures."""

    name: str
    opened: str
    #: "Live", "Release 2", "Release 2 (interim)" …
    source: str
    url: str | None = None


@dataclass(frozen=True)
class Cell:
    """One team's position in one wave."""

    score: str
    interval: str
    stage: str


@dataclass(frozen=True)
class WaveRow:
    facts: WaveFacts
    teams: tuple[Cell, ...]
    overall: Cell


@dataclass(frozen=True)
class TeamMove:
    """How one team moved between two waves, worded."""

    team: str
    change: str
    p_value: str
    stage: str
    comparable: bool


@dataclass(frozen=True)
class StatementMove:
    item_id: str
    text: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class ChangeView:
    """What moved between two consecutive waves."""

    title: str
    teams: tuple[TeamMove, ...]
    overall: str
    #: Whether both waves' overall scores are made of the same teams (else not compared).
    overall_compared: bool
    #: Per dimension: its label, then its change per team.
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]
    #: The statements that moved most in any team, with their change per team.
    statements: tuple[StatementMove, ...]
    headline: str = ""


@dataclass(frozen=True)
class ActionView:
    action: str
    status: str
    statements: tuple[StatementMove, ...]


@dataclass(frozen=True)
class TrendView:
    team_names: tuple[str, ...]
    waves: tuple[WaveRow, ...]
    changes: tuple[ChangeView, ...]
    #: How the newest plan's actions moved the statements they aim at (the last change).
    follow_up: tuple[ActionView, ...]
    chart: str
    chart_narrow: str
    #: The last change in one sentence (the report's heading for its trend section).
    headline: str = ""


STATUS_LABELS = {"planned": "Planned", "in_progress": "In progress", "done": "Done"}


def _cell(score: float | None, interval: tuple[float, float] | None, stage: str) -> Cell:
    if score is None:
        return Cell(TOO_FEW, "", "")
    text = f"{fmt_score(interval[0])}–{fmt_score(interval[1])}" if interval else ""
    return Cell(fmt_score(score), text, stage)


def _stage_move(labels: Mapping[str, str], before: str | None, after: str | None) -> str:
    if before == after:
        return f"stayed {labels.get(before or '', MISSING)}"
    return f"{labels.get(before or '', MISSING)} → {labels.get(after or '', MISSING)}"


def _statement(
    texts: Mapping[str, str], item_id: str, keys: Sequence[str], changes: Mapping[str, float | None]
) -> StatementMove:
    """A statement's text and its change per team (``texts``: the questionnaire's, by item id)."""
    return StatementMove(
        item_id, texts.get(item_id, item_id), tuple(fmt_signed(changes.get(key)) for key in keys)
    )


def _change_view(
    change: Change,
    q: Questionnaire,
    texts: Mapping[str, str],
    keys: Sequence[str],
    names: Mapping[str, str],
    titles: Mapping[str, str],
) -> ChangeView:
    stages = {stage.id: stage.label for stage in q.stages}
    teams = []
    for key in keys:
        team = change.teams.get(key)
        if team is None or not team.comparable:
            teams.append(TeamMove(names[key], TOO_FEW, "", "", False))
            continue
        teams.append(
            TeamMove(
                names[key],
                fmt_signed(team.score_change, 1),
                p_phrase(team.p_value) if team.p_value is not None else "p not computable",
                _stage_move(stages, team.stage_from, team.stage_to),
                True,
            )
        )
    empty: dict[str, float | None] = {}
    dimensions = tuple(
        (
            dimension.label,
            tuple(
                fmt_signed((change.teams[key].dimensions if key in change.teams else empty).get(dimension.id))
                for key in keys
            ),
        )
        for dimension in q.dimensions
    )
    moved: list[str] = []
    for key in keys:
        if key in change.teams:
            moved += [item_id for item_id, _ in change.teams[key].most_moved() if item_id not in moved]
    statements = tuple(
        _statement(
            texts,
            item_id,
            keys,
            {key: change.teams[key].items.get(item_id) for key in keys if key in change.teams},
        )
        for item_id in moved
    )
    return ChangeView(
        title=f"From {titles[change.before]} to {titles[change.after]}",
        teams=tuple(teams),
        overall=MISSING if change.overall_change is None else fmt_signed(change.overall_change, 1),
        overall_compared=change.overall_change is not None,
        dimensions=dimensions,
        statements=statements,
        headline=_headline(titles[change.before], teams),
    )


def _headline(before: str, teams: Sequence[TeamMove]) -> str:
    """ "Since Spring review: Sales +23.3 points (Defined → Aligned); Marketing −1.0 point (stayed
    Defined)" — the teams that can be compared."""
    moves = [f"{team.team} {team.change} points ({team.stage})" for team in teams if team.comparable]
    if not moves:
        return f"Since {before}: too few responses to compare any team"
    return f"Since {before}: " + "; ".join(moves)


@functools.lru_cache(maxsize=64)
def _chart(labels: tuple[str, ...], bands: tuple[Band, ...], lines: tuple[Line, ...], narrow: bool) -> str:
    """The score-over-waves chart, drawn once per process for the same figures: drawing takes
    some 100 ms, and a trend's figures change only when a wave's published figures do."""
    return score_over_waves(labels, bands, lines, narrow=narrow)


def _lines(trend: Trend, keys: Sequence[str], names: Mapping[str, str]) -> list[Line]:
    styles = team_styles(keys)
    lines = []
    for key in keys:
        points = [wave.teams.get(key) for wave in trend.waves]
        lines.append(
            Line(
                names[key],
                tuple(None if point is None or point.withheld else point.score for point in points),
                styles[key],
                tuple(None if point is None or point.withheld else point.ci95 for point in points),
            )
        )
    overall = tuple(wave.overall_score for wave in trend.waves)
    lines.append(Line("Overall", overall, OVERALL_STYLE, dashed=True))
    return lines


def build_trend_view(
    trend: Trend,
    q: Questionnaire,
    facts: Sequence[WaveFacts],
    names: Mapping[str, str],
    actions: Sequence[PlannedAction],
) -> TrendView:
    """The trend worded for the page and the report."""
    keys = trend.team_keys
    stages = {stage.id: stage.label for stage in q.stages}
    titles = {wave.slug: fact.name for wave, fact in zip(trend.waves, facts, strict=True)}

    def row(wave: Wave, fact: WaveFacts) -> WaveRow:
        cells = []
        for key in keys:
            point = wave.teams.get(key)
            if point is None or point.score is None:
                cells.append(Cell(TOO_FEW, "", ""))
            else:
                cells.append(_cell(point.score, point.ci95, stages.get(point.stage or "", "")))
        overall = _cell(wave.overall_score, None, stages.get(wave.overall_stage or "", ""))
        return WaveRow(fact, tuple(cells), overall)

    texts = {item.id: item.text for item in q.items}
    changes = tuple(_change_view(change, q, texts, keys, names, titles) for change in trend.changes)
    followed: tuple[ActionView, ...] = ()
    if trend.changes:
        followed = tuple(
            ActionView(
                item.action.action,
                STATUS_LABELS.get(item.action.status, item.action.status),
                tuple(_statement(texts, item_id, keys, moves) for item_id, moves in item.moves.items()),
            )
            for item in follow_up(actions, trend.changes[-1])
        )
    bands = stage_bands(q)
    lines = _lines(trend, keys, names)
    labels = [fact.name for fact in facts]
    numbers = tuple(f"Wave {n}" for n in range(1, len(labels) + 1))
    return TrendView(
        team_names=tuple(names[key] for key in keys),
        waves=tuple(row(wave, fact) for wave, fact in zip(trend.waves, facts, strict=True)),
        changes=changes,
        follow_up=followed,
        chart=_chart(tuple(labels), tuple(bands), tuple(lines), False) if trend.waves else "",
        headline=changes[-1].headline if changes else "",
        # A phone has no room for the waves' names: they are numbered, as in the table.
        chart_narrow=_chart(numbers, tuple(bands), tuple(lines), True) if trend.waves else "",
    )


def stage_bands(q: Questionnaire) -> list[Band]:
    """The questionnaire's stages as bands of the total score, lowest first."""
    bounds = [stage.lower_bound for stage in q.stages] + [float(q.total_range[1])]
    return [Band(stage.label, bounds[i], bounds[i + 1]) for i, stage in enumerate(q.stages)]
