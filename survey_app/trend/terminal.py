"""The trend as plain text for the terminal (``flask trend ORG``)."""

from __future__ import annotations

from ..domain.trend import Trend
from ..results.formatting import fmt_score, fmt_signed, p_phrase
from ..results.terminal import table
from .services import TrendData, team_names


def _stage_labels(data: TrendData) -> dict[str, str]:
    questionnaire = data.questionnaire
    return {stage.id: stage.label for stage in questionnaire.stages} if questionnaire else {}


def format_trend(data: TrendData) -> str:
    """Each wave's scores and stages, then what moved between consecutive waves."""
    trend: Trend = data.trend
    source = "each wave's latest release" if data.released else "live results"
    lines = [f"{data.organization.name}: {len(trend.waves)} wave(s), {source}", ""]
    if not trend.waves:
        lines.append("No wave to show yet." if not data.released else "No wave has been released yet.")
        return "\n".join(lines) + "\n"
    names, stages = team_names(data), _stage_labels(data)
    keys = trend.team_keys

    def point(score: float | None, stage: str | None) -> str:
        return "withheld" if score is None else f"{fmt_score(score)} {stages.get(stage or '', '')}".rstrip()

    rows = [
        [
            f"{wave.name} ({wave.slug})",
            info.opened.date().isoformat(),
            *(
                point(wave.teams[key].score, wave.teams[key].stage) if key in wave.teams else "–"
                for key in keys
            ),
            point(wave.overall_score, wave.overall_stage),
        ]
        for wave, info in zip(trend.waves, data.info, strict=True)
    ]
    lines += table(["Wave", "Opened", *(names[key] for key in keys), "Overall"], rows)
    for change in trend.changes:
        lines += ["", f"From {change.before} to {change.after}:"]
        for key, team in change.teams.items():
            if not team.comparable:
                lines.append(f"  {names.get(key, key)}: too few responses in one of the waves")
                continue
            move = "stage unchanged"
            if team.stage_moved:
                move = f"{stages.get(team.stage_from or '', '')} → {stages.get(team.stage_to or '', '')}"
            points = f"{fmt_signed(team.score_change, 1)} points ({p_phrase(team.p_value)})"
            lines.append(f"  {names.get(key, key)}: {points}, {move}")
        if change.overall_change is not None:
            lines.append(f"  Overall: {fmt_signed(change.overall_change, 1)} points")
    return "\n".join(lines) + "\n"
