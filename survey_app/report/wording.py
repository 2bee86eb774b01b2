"""The report's sentences: numbers in words, headings that state each finding, advice in plain words.

Pure functions of plain data (the results view and the report's dataclasses): no
database, no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..domain.bootstrap import StageOdds
from ..results.formatting import fmt_day, fmt_score, fmt_share
from ..results.view_model import ResultsView, join_names, plural
from .content import ActionView, PathView, RecommendationsView


def number_word(count: int) -> str:
    """Small counts in words ("three"), larger ones in figures."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[count] if 0 <= count < len(words) else str(count)


def shares_text(shares: Mapping[str, float], labels: Mapping[str, str]) -> str:
    """ "Defined 72 %, Aligned 27 %": stages with a non-zero share, most likely first."""
    present = [(share, stage_id) for stage_id, share in shares.items() if share > 0]
    order = {stage_id: index for index, stage_id in enumerate(shares)}
    present.sort(key=lambda pair: (-pair[0], order[pair[1]]))
    return ", ".join(f"{labels[stage_id]} {fmt_share(share)}" for share, stage_id in present)


def odds_sentence(odds: StageOdds | None, labels: Mapping[str, str]) -> str:
    """How likely each overall stage is, given that only part of each team answered."""
    if odds is None:
        return ""
    shares = [(share, stage_id) for stage_id, share in odds.overall.items() if share > 0]
    shares.sort(key=lambda pair: -pair[0])
    parts = [f"{labels[stage_id]} in {fmt_share(share)}" for share, stage_id in shares]
    replicates = f"{odds.replicates:,}"
    if len(parts) == 1:
        certainty = f"in every one of {replicates} resamples the overall stage stays {labels[shares[0][1]]}"
        return (
            "Only part of each team answered, so every score carries some uncertainty. "
            f"Resampling the answers, {certainty}: the stage is secure."
        )
    return (
        "Only part of each team answered, so every score carries some uncertainty. "
        f"Resampling the answers {replicates} times, the overall stage comes out as "
        f"{join_names(parts)} of the resamples. The further the score sits from a stage boundary,"
        " the more certain its stage."
    )


def gap_paragraph(view: ResultsView, numbers: Mapping[str, int]) -> str:
    """Whether the perception gap is significant and what it means; ``numbers`` are the sections'."""
    gap = view.gap
    if gap is None:
        return view.gap_reason or ""
    difference = fmt_score(abs(gap.score))
    if float(difference) == 0:
        opening = f"{gap.first} and {gap.second} give the relationship the same score."
    else:
        higher, lower = (gap.first, gap.second) if gap.score > 0 else (gap.second, gap.first)
        opening = f"{higher} rates the relationship {difference} points higher than {lower}."
    if gap.p_text == "–":
        return f"{opening} Whether the difference is real could not be tested: the answers vary too little."
    if gap.significant:
        return (
            f"{opening} A difference this large is unlikely to be chance (Welch’s t-test, {gap.p_phrase}):"
            " the two teams genuinely experience the relationship differently. Agreeing on where things"
            " stand is therefore part of the work: the statements they see most differently are listed"
            f" in section {numbers['statements']} and turned into workshop questions in section"
            f" {numbers['recommendations']}."
        )
    return (
        f"{opening} With this many responses, a difference of this size could be chance"
        f" (Welch’s t-test, {gap.p_phrase}, not significant): overall, the teams’ views do not differ"
        " significantly, though single statements may still do so."
    )


def summary_finding(view: ResultsView) -> str:
    """The executive summary's heading: the overall stage, and the gap when it is significant."""
    if view.overall.score is None:
        return "No team has enough responses yet for results to be reported"
    finding = f"Overall, sales and marketing work together at the {view.overall.stage_label} stage"
    finding += f" ({view.overall.score_text} of {view.stages[-1].upper:g})"
    gap = view.gap
    if gap is not None and gap.significant:
        higher, lower = (gap.first, gap.second) if gap.score > 0 else (gap.second, gap.first)
        finding += f", and {higher} sees the relationship more favourably than {lower}"
    elif gap is not None and gap.p_text != "–":
        finding += f"; the difference between {gap.first} and {gap.second} is not significant"
    return finding


def stages_finding(view: ResultsView) -> str:
    """The ladder's heading: where each shown team places the relationship."""
    shown = [team for team in view.shown if team.stage_label]
    if not shown:
        return "No team has enough responses to be placed on the ladder"
    stages = {team.stage_label for team in shown}
    if len(shown) == 1:
        return f"{shown[0].name} places the relationship at the {shown[0].stage_label} stage"
    if len(stages) == 1:
        who = "Both teams" if len(shown) == 2 else f"All {number_word(len(shown))} teams"
        return f"{who} place the relationship at the {shown[0].stage_label} stage"
    parts = [f"{team.name} at {team.stage_label}" for team in shown]
    return f"The teams place it at different stages: {join_names(parts)}; overall {view.overall.stage_label}"


#: A longer path is named by its count and its first statements (the table lists them all).
FOCUS_LISTED = 5


def focus_list(path: PathView) -> str:
    """The statements to focus on first, by number: "statement 18", "statements 18, 17 and 4";
    past ``FOCUS_LISTED``: "12 statements, starting with 18, 17 and 4"."""
    numbers = [str(step.number) for step in path.steps]
    if len(numbers) > FOCUS_LISTED:
        return f"{len(numbers)} statements, starting with {join_names(numbers[:3])}"
    return f"{'statement' if len(numbers) == 1 else 'statements'} {join_names(numbers)}"


def path_finding(path: PathView | None) -> str:
    """The path's heading: where to focus first to reach the next stage."""
    if path is None:
        return "No path can be computed without results"
    if path.holding:
        return f"At {path.current_label}, the top stage, the task is to hold it"
    if path.reachable:
        count = len(path.steps)
        first = (
            f"start with statements {join_names([str(step.number) for step in path.steps[:3]])}"
            if count > FOCUS_LISTED
            else f"focus first on {focus_list(path)}"
        )
        return (
            f"{number_word(count).capitalize()} {'statement' if count == 1 else 'statements'} would move you"
            f" to {path.next_label}: {first}"
        )
    return f"{path.next_label} is more than one step away on every statement: focus first on the lowest-rated"


def path_summary(path: PathView) -> str:
    """The path's opening paragraph (below the top stage): the statements to focus on first, and why."""
    if path.reachable:
        return (
            f"The smallest set of statements that would move you to {path.next_label}: {focus_list(path)}."
            " They are the lowest-rated statements, so they have the most room to improve and are where to"
            " focus first. If people agreed with each of them one step more on the answer scale, the overall"
            f" score ({path.score_text} today) would reach {path.next_label}, which begins at"
            f" {path.target_text}."
        )
    return (
        f"{path.next_label} begins at {path.target_text} and the overall score is {path.score_text}: even one"
        f" step more on every statement would not reach it, so {path.next_label} is a longer-term goal."
        " Focus first on the lowest-rated statements below, where there is the most room to improve."
    )


def recommendations_finding(recs: RecommendationsView | None) -> str:
    """The recommendations' heading: how many moves, and the weak dimensions."""
    if recs is None:
        return "No recommendations without results"
    count = len(recs.moves)
    weak = join_names([dim.label for dim in recs.weak_dimensions])
    moves = f"{number_word(count).capitalize()} {'move' if count == 1 else 'moves'}"
    head = recs.moves_heading
    finding = f"{moves} from {head.removeprefix('Moves from ')}" if head.startswith("Moves from ") else head
    if weak:
        finding += f", with extra attention to {weak}"
    return finding


def next_steps(
    path: PathView | None, recs: RecommendationsView | None, view: ResultsView, sections: Mapping[str, int]
) -> tuple[str, ...]:
    """The executive summary's plain list of what to do next; ``sections`` are the sections' numbers."""
    steps = []
    if path is not None:
        if path.holding:
            steps.append(
                f"Hold the {path.current_label} stage: keep watching the lowest-rated statements"
                f" (section {sections['path']})."
            )
        elif path.reachable:
            steps.append(
                f"Focus first on the smallest set of statements that would move you to {path.next_label}:"
                f" {focus_list(path)} (section {sections['path']})."
            )
        else:
            steps.append(
                f"Work towards {path.next_label}, focusing first on the lowest-rated statements"
                f" (section {sections['path']}); it is more than one step away on every statement."
            )
    if recs is not None:
        if recs.moves:
            titles = "; ".join(move.title.rstrip(".") for move in recs.moves[:2])
            steps.append(
                f"Take up the moves in section {sections['recommendations']}, beginning with: {titles}."
            )
        if recs.weak_dimensions:
            weak = join_names(
                [f"{dim.label} ({dim.mean_text} of {view.scale_max})" for dim in recs.weak_dimensions]
            )
            steps.append(f"Strengthen the weakest dimensions: {weak}.")
        if recs.workshops:
            numbers = join_names([str(w.number) for w in recs.workshops])
            steps.append(
                f"Bring both teams together to discuss the statements they see most differently"
                f" ({'statement' if len(recs.workshops) == 1 else 'statements'} {numbers})."
            )
        if recs.cautions:
            holding = path is not None and path.holding
            steps.append(
                (
                    "Check that integration keeps paying off"
                    if holding
                    else "Before aiming higher, check that closer integration pays off"
                )
                + f" for this business (see the caution in section {sections['recommendations']})."
            )
    return tuple(steps)


def withheld_text(view: ResultsView) -> str:
    """Which teams the report leaves out and why ("" when every team is shown)."""
    if not view.withheld:
        return ""
    names = join_names([team.name for team in view.withheld])
    verb = "is" if len(view.withheld) == 1 else "are"
    text = f"{names} {verb} not shown: fewer than {view.min_group} people answered."
    if view.shown:
        text += f" Every figure in this report is based on {join_names([t.name for t in view.shown])} only."
    return text


def summary_intro(view: ResultsView, total_range: tuple[int, int]) -> str:
    """The executive summary's opening: who answered what, and how the score works."""
    team_names = join_names([team.name for team in view.teams])
    if not view.shown or view.overall.score is None:
        return (
            f"The {team_names} teams of {view.organization} are asked to rate {view.item_count} statements"
            f" on how sales and marketing work together. Results are reported once a team has at least"
            f" {view.min_group} scored responses; none has yet."
        )
    scored = sum(team.responses or 0 for team in view.shown)
    counts = join_names([f"{team.name} {team.responses}" for team in view.shown])
    return (
        f"The {team_names} teams of {view.organization} rated {view.item_count} statements on how"
        f" sales and marketing work together, each from {view.scale_min} (strongly disagree) to"
        f" {view.scale_max} (strongly agree). {plural(scored, 'scored response').capitalize()}"
        f" were received ({counts}). A response's total runs from {total_range[0]} to"
        f" {total_range[1]}, and the total places the relationship in one of four stages."
    )


def comments_note(printed: int, total: int) -> str:
    """Under a team's comments: how many are printed, and in what order."""
    if printed < total:
        return f"{printed} of {total} comments, chosen by their text alone and listed alphabetically."
    return f"{plural(printed, 'comment')}, listed alphabetically."


def comments_intro(view: ResultsView, selected: bool, limit: int) -> str:
    """The comments section's opening; ``selected`` when some team's comments were cut to ``limit``."""
    intro = "People could add a comment in their own words. The comments are printed as written"
    if selected:
        intro += (
            f"; where a team left more than {limit}, a selection is printed, chosen by the text"
            " of the comments alone"
        )
    intro += (
        ". They are listed alphabetically, never in the order they arrived, so no comment can be linked"
        " to a person."
    )
    if view.withheld:
        intro += " Teams that are not shown have none printed."
    return intro


def comments_finding(total: int, printed: int) -> str:
    """The comments section's heading."""
    if not total:
        return "Nobody added a comment"
    return (
        f"{plural(total, 'person', 'people').capitalize()} added a comment;"
        f" {printed} {'is' if printed == 1 else 'are'} printed here"
    )


def commentary_finding(actions: Sequence[ActionView]) -> str:
    """The commentary section's heading: the action plan in a line ("Four actions planned, the
    first due on …"; once some are under way: "Four actions: one done, one in progress and two
    planned; the next due on …")."""
    if not actions:
        return "The consultant’s view of the results"
    count = len(actions)
    noun = "action" if count == 1 else "actions"
    open_dates = [a.due_on for a in actions if a.due_on is not None and a.status != "done"]
    if all(a.status == "planned" for a in actions):
        finding = f"{number_word(count).capitalize()} {noun} planned"
        return finding + (f", the first due on {fmt_day(min(open_dates))}" if open_dates else "")
    states = [
        f"{number_word(n)} {ACTION_STATUS_TEXT[status].lower()}"
        for status in ("done", "in_progress", "planned")
        if (n := sum(a.status == status for a in actions))
    ]
    finding = f"{number_word(count).capitalize()} {noun}: {join_names(states)}"
    return finding + (f"; the next due on {fmt_day(min(open_dates))}" if open_dates else "")


#: An action's status in words, by its stored value (``models.ActionStatus``).
ACTION_STATUS_TEXT = {"planned": "Planned", "in_progress": "In progress", "done": "Done"}


def action_status_text(status: str) -> str:
    """An action's status in words: "In progress"."""
    try:
        return ACTION_STATUS_TEXT[status]
    except KeyError:
        raise ValueError(f"unknown action status {status!r}") from None


def method_finding(view: ResultsView) -> str:
    """The method section's heading."""
    if not view.shown:
        return "How the survey is run and scored"
    scored = sum(team.responses or 0 for team in view.shown)
    return f"How the {plural(scored, 'scored response')} were collected and scored"
