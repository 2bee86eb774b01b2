"""The results of an assessment as plain values for the results page and the PDF report.

``build_results_view`` turns an ``AssessmentResult`` (with its questionnaire and the
assessment's ``AssessmentFacts``) into frozen dataclasses of formatted text and raw numbers, and writes
the headline sentences that state each finding. A withheld team carries its name
and the anonymity notice only: none of its figures reach the view, so no template
can show them by mistake. ``build_charts`` draws the charts from the view.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..domain.questionnaire import Questionnaire
from ..domain.scoring import GAP_PAIR, AssessmentResult
from . import charts
from .formatting import fmt_mean, fmt_p, fmt_percent, fmt_score, fmt_signed, is_significant, p_phrase

#: A symbol per marker shape, so tables can show the same shape as the charts.
MARKER_SYMBOLS = {"o": "●", "s": "■", "^": "▲", "P": "✚", "v": "▼", "D": "◆"}
MARKER_NAMES = {
    "o": "circle",
    "s": "square",
    "^": "triangle",
    "P": "plus",
    "v": "triangle down",
    "D": "diamond",
}

SIGNIFICANT_TEXT = f"significant gap {charts.SIGNIFICANT_MARK}"
#: In place of the mean of a statement too few people of a team answered on the scale.
TOO_FEW_ANSWERS = "too few answers"
#: Marks a dimension mean computed without a statement that has too few answers.
PARTIAL_MARK = "*"


# --- what the view is told about the assessment -------------------------------------------


@dataclass(frozen=True)
class TeamFacts:
    """A team as the view names it: key, name, headcount asked, responses still waiting."""

    key: str
    name: str
    headcount: int | None = None
    pending_web: int = 0
    pending_import: int = 0


@dataclass(frozen=True)
class AssessmentFacts:
    """The assessment's own details the view prints, as plain values (``aggregates.facts_of``
    reads them from the database), so the view is built without it."""

    organization: str
    organization_slug: str
    name: str
    slug: str
    min_group: int
    accepting: bool
    teams: tuple[TeamFacts, ...]


# --- words -------------------------------------------------------------------------------


def join_names(names: Sequence[str]) -> str:
    """ "Sales", "Sales and Marketing", "Sales, Marketing and Service"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def plural(count: int, singular: str, many: str | None = None) -> str:
    """ "1 response", "2 responses" ("people" for ``many`` where "s" will not do)."""
    return f"{count} {singular if count == 1 else many or singular + 's'}"


def waiting_text(min_group: int, waiting_web: int, waiting_import: int, *, closed: bool = False) -> str:
    """What happens to a team's responses not yet in the results, per pool; ``closed``: the
    survey takes no answers now, so they stay out unless it opens again."""
    waiting = waiting_web + waiting_import
    if not waiting:
        return ""
    if closed:
        verb = "is" if waiting == 1 else "are"
        return (
            f"{waiting} more {verb} counted but not in the results: they never made a step of"
            f" {min_group}, and the survey is closed"
        )
    if waiting_web and waiting_import:
        return (
            f"{waiting_web} sent online and {waiting_import} imported wait until each source"
            f" has {min_group} new ones"
        )
    verb = "is" if waiting == 1 else "are"
    return f"{waiting} more {verb} added once there are {min_group}"


def counts_text(
    name: str,
    in_results: int,
    incomplete: int,
    min_group: int,
    waiting_web: int,
    waiting_import: int,
    *,
    closed: bool = False,
) -> str:
    """A team's live counts in one sentence: "Sales: 23 responses, 20 in the results; 3 more are
    added once there are 5." Results grow only in steps of ``min_group`` (see ``publishing``)."""
    scored = in_results + waiting_web + waiting_import
    text = f"{name}: {plural(scored, 'response')}, "
    text += f"{in_results} in the results" if in_results else "none in the results yet"
    waiting = waiting_text(min_group, waiting_web, waiting_import, closed=closed)
    text += f"; {waiting}." if waiting else "."
    if incomplete:
        text += f" {plural(incomplete, 'incomplete response')} counted but not scored."
    return text


def _significance_words(p_value: float | None) -> str:
    if p_value is None:
        return "not tested: too little variation in the answers"
    return f"{'significant' if is_significant(p_value) else 'not significant'}, {p_phrase(p_value)}"


def _quote(text: str, width: int = 70) -> str:
    return "“" + textwrap.shorten(text, width=width, placeholder="…") + "”"


# --- the view -------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamView:
    """One team as shown: its figures as text, or only the anonymity notice when withheld."""

    key: str
    name: str
    withheld: bool
    #: How the team is drawn in the charts (colour, marker, hatch).
    style: charts.Style
    #: The marker as a text symbol and in words, for tables and captions.
    symbol: str
    shape: str
    #: The page's class for the team's colour (``team-mark--0`` for the first palette colour).
    css_class: str
    #: The team's live counts in one sentence (``counts_text``).
    counts: str = ""
    notice: str | None = None
    responses: int | None = None
    incomplete: int | None = None
    response_rate: str | None = None
    score: float | None = None
    score_text: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    ci_text: str = ""
    sd_text: str = ""
    stage_id: str | None = None
    stage_label: str = ""
    headline: str = ""


@dataclass(frozen=True)
class StageView:
    """A stage band of the total score."""

    id: str
    label: str
    lower: float
    upper: float
    range_text: str
    description: str
    is_overall: bool


@dataclass(frozen=True)
class OverallView:
    """The overall position: the mean of the shown teams' scores."""

    score: float | None
    score_text: str
    stage_id: str | None
    stage_label: str
    stage_description: str
    based_on: str
    #: How the overall score is made, in words.
    note: str


@dataclass(frozen=True)
class GapView:
    """The perception gap between the first and the second team of the gap pair."""

    first_key: str
    second_key: str
    first: str
    second: str
    score: float
    score_text: str
    p_text: str
    #: "p = 0.120" or "p < 0.001".
    p_phrase: str
    significant: bool
    headline: str


@dataclass(frozen=True)
class DimensionRow:
    """A dimension with each shown team's mean (same order as ``ResultsView.shown``)."""

    id: str
    label: str
    values: tuple[float | None, ...]
    means: tuple[str, ...]
    #: Which team's mean leaves out which statements (too few answers), or "".
    note: str = ""


@dataclass(frozen=True)
class ItemRow:
    """A statement with each shown team's mean and, when there is a gap pair, its gap."""

    number: int
    id: str
    text: str
    dimension: str
    values: tuple[float | None, ...]
    means: tuple[str, ...]
    gap: float | None = None
    gap_text: str = "–"
    p_text: str = "–"
    significant: bool = False
    significance_text: str = ""


@dataclass(frozen=True)
class CommentGroup:
    """A shown team's comments, sorted alphabetically (never in the order they arrived)."""

    team: str
    comments: tuple[str, ...]
    #: How many comments the team wrote: more than ``comments`` holds when only some are listed.
    total: int


#: Most comments the results page lists per team; the rest are one link away.
COMMENTS_ON_PAGE = 100


@dataclass(frozen=True)
class TeamComments:
    """A team's comments as listed (alphabetically), and how many it wrote."""

    listed: tuple[str, ...]
    total: int


NO_COMMENTS = TeamComments((), 0)


@dataclass(frozen=True)
class ResultsView:
    """Everything the results page (and the PDF report) shows, as plain values."""

    organization: str
    organization_slug: str
    assessment: str
    slug: str
    questionnaire_title: str
    min_group: int
    scale_min: int
    scale_max: int
    #: How many statements a response must answer to be scored.
    answers_needed: int
    item_count: int
    headline: str
    #: Each shown team's stage and score in one sentence.
    teams_headline: str
    overall: OverallView
    stages: tuple[StageView, ...]
    teams: tuple[TeamView, ...]
    shown: tuple[TeamView, ...]
    withheld: tuple[TeamView, ...]
    withheld_text: str | None
    gap: GapView | None
    gap_reason: str | None
    dimensions: tuple[DimensionRow, ...]
    dimensions_headline: str
    items: tuple[ItemRow, ...]
    items_headline: str
    significant_count: int
    comments: tuple[CommentGroup, ...]


def anonymity_notice(min_group: int) -> str:
    """What a withheld team shows instead of its results."""
    return (
        f"Fewer than {min_group} people of this team have answered, so its results are not shown"
        " to protect their anonymity."
    )


def _team_views(
    assessment: AssessmentFacts, q: Questionnaire, result: AssessmentResult
) -> tuple[TeamView, ...]:
    styles = charts.team_styles([team.key for team in assessment.teams])
    stage_label = {stage.id: stage.label for stage in q.stages}
    high = q.total_range[1]
    views = []
    for team in assessment.teams:
        figures = result.teams.get(team.key)
        style = styles[team.key]
        common = {
            "key": team.key,
            "name": team.name,
            "style": style,
            "symbol": MARKER_SYMBOLS.get(style.marker, ""),
            "shape": MARKER_NAMES.get(style.marker, ""),
            "css_class": f"team-mark--{charts.TEAM_COLOURS.index(style.colour)}",
            "counts": counts_text(
                team.name,
                figures.responses if figures else 0,
                figures.incomplete if figures else 0,
                assessment.min_group,
                team.pending_web,
                team.pending_import,
                closed=not assessment.accepting,
            ),
        }
        if figures is None or figures.withheld or figures.score is None:
            views.append(TeamView(**common, withheld=True, notice=anonymity_notice(assessment.min_group)))
            continue
        ci_low, ci_high = figures.ci95 if figures.ci95 else (None, None)
        ci_text = f"{fmt_score(ci_low)}–{fmt_score(ci_high)}" if figures.ci95 else "–"
        rate = None
        if team.headcount:
            asked = team.headcount
            rate = f"{figures.responses} of {asked} asked ({fmt_percent(100 * figures.responses / asked)})"
        label = stage_label.get(figures.stage or "", "")
        views.append(
            TeamView(
                **common,
                withheld=False,
                responses=figures.responses,
                incomplete=figures.incomplete,
                response_rate=rate,
                score=figures.score,
                score_text=fmt_score(figures.score),
                ci_low=ci_low,
                ci_high=ci_high,
                ci_text=ci_text,
                sd_text=fmt_score(figures.sd),
                stage_id=figures.stage,
                stage_label=label,
                headline=f"{team.name}: {label} ({fmt_score(figures.score)} of {high:g})",
            )
        )
    return tuple(views)


def _gap_view(result: AssessmentResult, names: Mapping[str, str]) -> GapView | None:
    gap = result.gap
    if gap is None:
        return None
    first, second = (names.get(key, key) for key in gap.teams)
    difference = fmt_score(abs(gap.score))
    if float(difference) == 0:
        headline = f"{first} and {second} rate the relationship the same (0.0 points apart;"
        headline += f" {_significance_words(gap.p_value)})"
    else:
        higher, lower = (first, second) if gap.score > 0 else (second, first)
        headline = (
            f"{higher} rates the relationship {difference} points higher than {lower}"
            f" ({_significance_words(gap.p_value)})"
        )
    return GapView(
        first_key=gap.teams[0],
        second_key=gap.teams[1],
        first=first,
        second=second,
        score=gap.score,
        score_text=fmt_signed(gap.score, 1),
        p_text=fmt_p(gap.p_value),
        p_phrase=p_phrase(gap.p_value),
        significant=is_significant(gap.p_value),
        headline=headline,
    )


def _gap_reason(
    assessment: AssessmentFacts, result: AssessmentResult, names: Mapping[str, str]
) -> str | None:
    if result.gap is not None:
        return None
    missing = [key for key in GAP_PAIR if key not in names]
    if missing:
        return "There is no perception gap to show: this assessment does not survey both Sales and Marketing."
    first, second = (names[key] for key in GAP_PAIR)
    withheld = [names[key] for key in GAP_PAIR if result.teams[key].withheld]
    if not withheld:
        return f"There is no comparison of {first} and {second}."
    return (
        f"There is no comparison of {first} and {second}: {join_names(withheld)}"
        f" {'has' if len(withheld) == 1 else 'have'} fewer than {assessment.min_group} answers,"
        " so the gap cannot be shown without risking anonymity."
    )


def _dimension_rows(
    q: Questionnaire, result: AssessmentResult, shown: Sequence[TeamView]
) -> tuple[DimensionRow, ...]:
    number = {item.id: n for n, item in enumerate(q.items, start=1)}
    rows = []
    for dim in q.dimensions:
        values = tuple(result.teams[team.key].dimensions.get(dim.id) for team in shown)
        means, notes = [], []
        for team, value in zip(shown, values, strict=True):
            left_out = [
                number[item_id]
                for item_id in result.teams[team.key].withheld_items
                if item_id in q.items_by_dimension[dim.id]
            ]
            partial = bool(left_out) and value is not None
            means.append(fmt_mean(value) + (PARTIAL_MARK if partial else ""))
            if left_out:
                statements = "statement" if len(left_out) == 1 else "statements"
                listed = join_names([str(n) for n in left_out])
                notes.append(f"{team.name} without {statements} {listed} ({TOO_FEW_ANSWERS})")
        note = f"{PARTIAL_MARK} " + "; ".join(notes) if notes else ""
        rows.append(DimensionRow(dim.id, dim.label, values, tuple(means), note))
    return tuple(rows)


def _dimensions_headline(rows: Sequence[DimensionRow], shown: Sequence[TeamView], gap: GapView | None) -> str:
    if not shown:
        return "No team has enough answers to show its dimensions."
    keys = [team.key for team in shown]
    if gap is not None:
        a, b = keys.index(GAP_PAIR[0]), keys.index(GAP_PAIR[1])
        paired = [row for row in rows if row.values[a] is not None and row.values[b] is not None]
        if paired:
            row = max(paired, key=lambda r: abs(r.values[a] - r.values[b]))  # type: ignore[operator]
            return (
                f"The teams differ most on {row.label}"
                f" ({shown[a].name} {row.means[a]}, {shown[b].name} {row.means[b]})"
            )
    averaged = []
    for row in rows:
        present = [v for v in row.values if v is not None]
        if present:
            averaged.append((sum(present) / len(present), row.label))
    if not averaged:
        return "No dimension has answers yet."
    top, bottom = max(averaged), min(averaged)
    who = shown[0].name if len(shown) == 1 else "On average, the teams"
    return (
        f"{who} rate{'s' if len(shown) == 1 else ''} {top[1]} highest ({fmt_mean(top[0])})"
        f" and {bottom[1]} lowest ({fmt_mean(bottom[0])})"
    )


def _item_rows(q: Questionnaire, result: AssessmentResult, shown: Sequence[TeamView]) -> tuple[ItemRow, ...]:
    dimension_label = {dim.id: dim.label for dim in q.dimensions}
    rows = []
    for number, item in enumerate(q.items, start=1):
        values = tuple(result.teams[team.key].items.get(item.id) for team in shown)
        thin = tuple(item.id in result.teams[team.key].withheld_items for team in shown)
        row = ItemRow(
            number=number,
            id=item.id,
            text=item.text,
            dimension=dimension_label.get(item.dimension, item.dimension),
            values=values,
            means=tuple(
                TOO_FEW_ANSWERS if too_few else fmt_mean(v) for v, too_few in zip(values, thin, strict=True)
            ),
        )
        if result.gap is not None:
            item_gap = result.gap.items[item.id]
            significant = is_significant(item_gap.p_adj)
            if any(thin):
                words = TOO_FEW_ANSWERS
            elif significant:
                words = SIGNIFICANT_TEXT
            else:
                words = "not tested" if item_gap.p_adj is None else "not significant"
            row = replace(
                row,
                gap=item_gap.gap,
                gap_text=fmt_signed(item_gap.gap),
                p_text=fmt_p(item_gap.p_adj),
                significant=significant,
                significance_text=words,
            )
        rows.append(row)
    if result.gap is not None:
        # Largest absolute gap first; statements without a gap last; ties in questionnaire order.
        rows.sort(key=lambda r: (r.gap is None, -abs(r.gap or 0.0), r.number))
    return tuple(rows)


def _items_headline(rows: Sequence[ItemRow], shown: Sequence[TeamView], gap: GapView | None) -> str:
    if not shown:
        return "No team has enough answers to show its statements."
    if gap is None:
        return f"How {join_names([t.name for t in shown])} rated each statement"
    count = sum(row.significant for row in rows)
    total = len(rows)
    with_gap = [row for row in rows if row.gap is not None]
    if not with_gap:
        return "No statement was answered by both teams."
    largest = with_gap[0]
    keys = [team.key for team in shown]
    a, b = keys.index(GAP_PAIR[0]), keys.index(GAP_PAIR[1])
    means = f"{gap.first} {largest.means[a]}, {gap.second} {largest.means[b]}"
    if count == 0:
        return (
            f"No statement shows a significant gap; the largest difference is on statement"
            f" {largest.number}, {_quote(largest.text)} ({means})"
        )
    noun = "statement shows" if count == 1 else "statements show"
    return (
        f"{count} of {total} {noun} a significant gap; the largest is on statement"
        f" {largest.number}, {_quote(largest.text)} ({means})"
    )


def _comment_group(team: TeamView, comments: Mapping[str, TeamComments]) -> CommentGroup:
    found = comments.get(team.key, NO_COMMENTS)
    return CommentGroup(team.name, found.listed, found.total)


def build_results_view(
    assessment: AssessmentFacts,
    q: Questionnaire,
    result: AssessmentResult,
    comments: Mapping[str, TeamComments] | None = None,
) -> ResultsView:
    """The page's (and the report's) content: formatted figures and headline sentences.

    ``comments`` are the teams' comments as ``aggregates.load_comments`` listed them.
    """
    teams = _team_views(assessment, q, result)
    names = {team.key: team.name for team in teams}
    shown = tuple(team for team in teams if not team.withheld)
    withheld = tuple(team for team in teams if team.withheld)
    high = q.total_range[1]
    overall = result.overall
    stage = next((s for s in q.stages if s.id == overall.stage), None)
    based_on = join_names([names.get(key, key) for key in overall.teams])
    if overall.score is None or stage is None:
        headline = "No results yet: no team has enough answers to be shown"
    else:
        headline = f"Overall: {stage.label} ({fmt_score(overall.score)} of {high:g}), based on {based_on}"
    bounds = [s.lower_bound for s in q.stages] + [high]
    stages = tuple(
        StageView(
            id=s.id,
            label=s.label,
            lower=bounds[i],
            upper=bounds[i + 1],
            range_text=f"{bounds[i]:g} to under {bounds[i + 1]:g}"
            if i + 2 < len(bounds)
            else f"{bounds[i]:g} to {high:g}",
            description=s.description,
            is_overall=stage is not None and s.id == stage.id,
        )
        for i, s in enumerate(q.stages)
    )
    withheld_text = None
    if withheld:
        withheld_names = join_names([team.name for team in withheld])
        verb = "is" if len(withheld) == 1 else "are"
        withheld_text = (
            f"{withheld_names} {verb} not shown: fewer than {assessment.min_group} people answered."
        )
        if shown:
            withheld_text += (
                f" Every figure on this page is based on {join_names([t.name for t in shown])} only."
            )
    gap = _gap_view(result, names)
    dimensions = _dimension_rows(q, result, shown)
    items = _item_rows(q, result, shown)
    comments = comments or {}
    return ResultsView(
        organization=assessment.organization,
        organization_slug=assessment.organization_slug,
        assessment=assessment.name,
        slug=assessment.slug,
        questionnaire_title=q.title,
        min_group=assessment.min_group,
        scale_min=q.scale.min,
        scale_max=q.scale.max,
        answers_needed=q.answers_needed,
        item_count=len(q.items),
        headline=headline,
        teams_headline="; ".join(team.headline for team in shown),
        overall=OverallView(
            score=overall.score,
            score_text=fmt_score(overall.score),
            stage_id=stage.id if stage else None,
            stage_label=stage.label if stage else "",
            stage_description=stage.description if stage else "",
            based_on=based_on,
            note=(
                f"The score of {based_on}, the only team shown"
                if len(overall.teams) == 1
                else f"Mean of {based_on}, each team counting the same"
            ),
        ),
        stages=stages,
        teams=teams,
        shown=shown,
        withheld=withheld,
        withheld_text=withheld_text,
        gap=gap,
        gap_reason=_gap_reason(assessment, result, names),
        dimensions=dimensions,
        dimensions_headline=_dimensions_headline(dimensions, shown, gap),
        items=items,
        items_headline=_items_headline(items, shown, gap),
        significant_count=sum(row.significant for row in items),
        # Only shown teams' comments, whatever the caller passed.
        comments=tuple(_comment_group(team, comments) for team in shown),
    )


# --- charts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSet:
    """The page's charts as SVG markup ("" when there is nothing to draw).

    The ``*_narrow`` ones are the same charts drawn for a phone's column; releases stored
    before they existed read back without them ("").
    """

    ladder: str
    profile: str
    gaps: str
    ladder_narrow: str = ""
    profile_narrow: str = ""
    gaps_narrow: str = ""


def build_charts(view: ResultsView, prefix: str = "results", *, narrow: bool = True) -> ChartSet:
    """Draw the view's charts; only shown teams appear in them.

    :param narrow: also draw each chart for a phone's column (about half as long again: some 80 ms
        for two teams and 20 statements); the report's PDF has no use for them.
    """
    if not view.shown or view.overall.score is None:
        return ChartSet("", "", "")
    bands = [charts.Band(stage.label, stage.lower, stage.upper) for stage in view.stages]
    points = [charts.Point("Overall", view.overall.score, charts.OVERALL_STYLE)]
    points += [
        charts.Point(team.name, team.score, team.style, team.ci_low, team.ci_high)
        for team in view.shown
        if team.score is not None
    ]
    ladder_summary = view.headline + ". " + "; ".join(team.headline for team in view.shown)
    dimensions = [row.label for row in view.dimensions]
    series = [
        charts.Series(team.name, [row.values[i] for row in view.dimensions], team.style)
        for i, team in enumerate(view.shown)
    ]
    scale = (view.scale_min, view.scale_max)
    bars: list[charts.GapBar] = []
    compared: tuple[tuple[str, charts.Style], tuple[str, charts.Style]] | None = None
    if view.gap is not None:
        by_key = {team.key: team for team in view.shown}
        bars = [
            charts.GapBar(
                f"{row.number}. {textwrap.shorten(row.text, width=46, placeholder='…')}",
                row.gap,
                row.significant,
            )
            for row in view.items
            if row.gap is not None
        ]
        compared = (
            (view.gap.first, by_key[view.gap.first_key].style),
            (view.gap.second, by_key[view.gap.second_key].style),
        )

    def draw(suffix: str, *, narrow: bool) -> tuple[str, str, str]:
        ladder = charts.stage_ladder(
            bands, points, chart_id=f"{prefix}-ladder{suffix}", summary=ladder_summary, narrow=narrow
        )
        profile = charts.dimension_profile(
            dimensions,
            series,
            scale=scale,
            chart_id=f"{prefix}-profile{suffix}",
            summary=view.dimensions_headline,
            narrow=narrow,
        )
        gaps = ""
        if compared is not None:
            gaps = charts.gap_bars(
                bars,
                first=compared[0],
                second=compared[1],
                chart_id=f"{prefix}-gaps{suffix}",
                summary=view.items_headline,
                narrow=narrow,
            )
        return ladder, profile, gaps

    wide = draw("", narrow=False)
    return ChartSet(*wide, *(draw("-narrow", narrow=True) if narrow else ()))
