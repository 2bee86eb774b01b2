"""The results as a plain-text report for the terminal."""

from __future__ import annotations

from ..domain.questionnaire import Questionnaire
from ..domain.scoring import AssessmentResult, TeamResult
from ..models import Assessment
from .formatting import SIGNIFICANCE, fmt_number, fmt_p, p_phrase


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows under a header, in aligned columns (the first left-aligned, the others right)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _item_mean(team: TeamResult, item_id: str) -> str:
    return "too few" if item_id in team.withheld_items else fmt_number(team.items.get(item_id), 2)


def format_results(assessment: Assessment, q: Questionnaire, result: AssessmentResult) -> str:
    """A readable summary: teams, overall stage, gap, dimensions and statements."""
    stage_label = {stage.id: stage.label for stage in q.stages}
    team_names = {team.key: team.name for team in assessment.teams}
    lines = [
        f"{assessment.organization.name} — {assessment.name} ({assessment.slug})",
        f"Questionnaire: {q.title} ({q.id} v{assessment.questionnaire_version});"
        f" minimum group size {assessment.min_group_size}",
        "",
    ]
    rows = []
    for key, team in result.teams.items():
        if team.withheld:
            counts = [str(team.responses), str(team.pending), str(team.incomplete)]
            rows.append([team_names[key], *counts, "withheld", "", "", ""])
            continue
        ci = f"{fmt_number(team.ci95[0])}–{fmt_number(team.ci95[1])}" if team.ci95 else "–"
        rows.append(
            [
                team_names[key],
                str(team.responses),
                str(team.pending),
                str(team.incomplete),
                fmt_number(team.score),
                ci,
                fmt_number(team.sd),
                stage_label[team.stage or ""],
            ]
        )
    lines += table(["Team", "In results", "Waiting", "Incomplete", "Score", "95% CI", "SD", "Stage"], rows)
    lines.append(
        f"Responses join the results in steps of at least {assessment.min_group_size} per team and source;"
        " waiting ones are counted, not scored."
    )
    lines.append("")
    overall = result.overall
    if overall.score is None:
        lines.append("Overall: no team has enough responses to be shown.")
    else:
        shown = ", ".join(team_names[key] for key in overall.teams)
        lines.append(
            f"Overall: {fmt_number(overall.score)} — {stage_label[overall.stage or '']} (teams: {shown})"
        )
    withheld = [team_names[k] for k, t in result.teams.items() if t.withheld]
    if withheld:
        lines.append(f"Withheld (no responses in the results yet): {', '.join(withheld)}")
    gap = result.gap
    if gap is not None:
        first, second = (team_names[key] for key in gap.teams)
        lines.append(f"Perception gap ({first} − {second}): {gap.score:+.1f} points, {p_phrase(gap.p_value)}")
    shown_teams = [key for key, team in result.teams.items() if not team.withheld]
    if not shown_teams:
        return "\n".join(lines) + "\n"
    lines += ["", "Dimensions (mean, 1–5)"]
    dim_rows = [
        [dim.label, *(fmt_number(result.teams[key].dimensions.get(dim.id), 2) for key in shown_teams)]
        for dim in q.dimensions
    ]
    lines += table(["Dimension", *(team_names[k] for k in shown_teams)], dim_rows)
    lines += ["", "Statements (mean, 1–5)"]
    item_rows = []
    for item in q.items:
        row = [item.id, *(_item_mean(result.teams[key], item.id) for key in shown_teams)]
        if gap is not None:
            item_gap = gap.items[item.id]
            flag = " *" if item_gap.p_adj is not None and item_gap.p_adj < SIGNIFICANCE else ""
            row += [fmt_number(item_gap.gap, 2), fmt_p(item_gap.p_adj) + flag]
        item_rows.append(row)
    header = ["Item", *(team_names[k] for k in shown_teams)]
    if gap is not None:
        header += ["Gap", "p (Holm)"]
    lines += table(header, item_rows)
    if gap is not None:
        lines.append("* significant at p < 0.05 after Holm adjustment")
    if any(result.teams[key].withheld_items for key in shown_teams):
        lines.append(
            f"too few: answered by fewer than {assessment.min_group_size} people of the team;"
            " the dimensions are computed without it"
        )
    return "\n".join(lines) + "\n"
