"""Everything the PDF report says about one assessment, as plain data: the report's composer.

``compose_report`` takes what ``loader`` read from the database (a ``ReportData``),
applies the report logic (stage odds, path to the next stage, recommendations) and
returns the frozen dataclasses of ``content``, formatted text and numbers, worded by
``wording``: the templates get no ORM object and compute nothing. Nothing here reads
the database (an import-linter contract keeps it so), so the whole report can be
composed, and tested, from values. The figures and
headline sentences shared with the results page come from ``results.view_model``,
so a withheld team's numbers and comments cannot reach the report either: every
list here is built from the view's shown teams or from ``result.overall.teams``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from ..domain.bootstrap import StageOdds, stage_odds
from ..domain.comments import choose as choose_comments
from ..domain.path import PathToNext, overall_item_means, path_to_next
from ..domain.questionnaire import Questionnaire
from ..domain.recommendations import LibraryError, Recommendation, Selection, choose, load_library
from ..domain.scoring import AssessmentResult, TeamSample
from ..errors import InvalidInput
from ..paths import data_folder
from ..results.formatting import (
    SIGNIFICANCE,
    fmt_mean,
    fmt_percent,
    fmt_score,
    fmt_signed,
    is_significant,
    p_phrase,
)
from ..results.view_model import (
    AssessmentFacts,
    ResultsView,
    StageView,
    TeamComments,
    build_results_view,
    plural,
)
from ..trend.view import TrendView
from . import wording
from .content import (
    ActionView,
    Agreement,
    CommentSelection,
    Distribution,
    KeyFigure,
    Mark,
    MethodView,
    PathStep,
    PathView,
    RecommendationsView,
    RecommendationView,
    ReportContext,
    ResponseCount,
    ScaleLabel,
    Section,
    StageRow,
    StatementRef,
    WeakDimensionView,
    WorkshopView,
)
from .wording import fmt_day, number_word, shares_text

#: At most this many comments per team are printed.
COMMENTS_PER_TEAM = 8
#: A printed comment is cut to about this many characters.
COMMENT_LENGTH = 600
#: How many of the strongest and of the weakest statements are listed.
EXTREME_STATEMENTS = 3
#: Rough guide to a team's spread of totals (SD, points on the 20–100 scale).
CLOSE_AGREEMENT_SD = 8.0
WIDE_SPREAD_SD = 15.0

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class PlannedAction:
    """One line of the consultant's action plan, as stored."""

    action: str
    owner: str = ""
    due_on: date | None = None
    #: "planned", "in_progress" or "done" (the values of ``models.ActionStatus``, kept plain here).
    status: str = "planned"


@dataclass(frozen=True)
class ReportData:
    """Everything the report is composed from, read once by ``loader.load_report_data``."""

    facts: AssessmentFacts
    #: Each team's published sample with its distribution of totals (the bootstrap needs it).
    samples: tuple[TeamSample, ...]
    result: AssessmentResult
    #: The shown teams' comments, up to ``COMMENTS_PER_TEAM`` listed per team.
    comments: Mapping[str, TeamComments]
    purpose: str = ""
    commentary: str = ""
    actions: tuple[PlannedAction, ...] = ()
    #: The consultant's name (or e-mail) and logo as a data: URL.
    prepared_by: str = ""
    logo_url: str | None = None
    #: The trend of the waves up to this one (None without an earlier wave in its series).
    trend: TrendView | None = None


# --- building blocks ----------------------------------------------------------------------


def select_comments(comments: Iterable[str], limit: int = COMMENTS_PER_TEAM) -> tuple[str, ...]:
    """Up to ``limit`` different comments, longer ones preferred, listed alphabetically.

    Which ones are printed depends only on their text (``survey_app.domain.comments``), never on
    when they arrived, and the same comments always give the same selection. Each is cut
    to about ``COMMENT_LENGTH`` characters.
    """
    shortened = [
        t if len(t) <= COMMENT_LENGTH else textwrap.shorten(t, COMMENT_LENGTH, placeholder=" […]")
        for t in choose_comments(comments, limit)
    ]
    return tuple(sorted(shortened, key=lambda t: (t.casefold(), t)))


def _recommendation(entry: Recommendation) -> RecommendationView:
    return RecommendationView(entry.id, entry.title, entry.body, entry.source)


def _statement_refs(
    q: Questionnaire, result: AssessmentResult, view: ResultsView
) -> tuple[list[StatementRef], dict[str, float | None]]:
    """Every statement with its overall mean and team means, in questionnaire order."""
    overall = overall_item_means(q, result)
    rows = {row.id: row for row in view.items}
    refs = [
        StatementRef(
            number=row.number,
            id=item.id,
            text=item.text,
            dimension=row.dimension,
            mean_text=fmt_mean(overall[item.id]),
        )
        for item in q.items
        for row in (rows[item.id],)
    ]
    return refs, overall


def _lowest(refs: Sequence[StatementRef], overall: Mapping[str, float | None]) -> list[StatementRef]:
    """The rated statements, lowest overall mean first (ties in questionnaire order)."""
    rated = [ref for ref in refs if overall[ref.id] is not None]
    return sorted(rated, key=lambda ref: (round(overall[ref.id] or 0.0, 9), ref.number))


def _extremes(
    refs: Sequence[StatementRef], overall: Mapping[str, float | None]
) -> tuple[tuple[StatementRef, ...], tuple[StatementRef, ...], str]:
    """The strongest and the weakest statements, or a note when no statement stands out."""
    lowest_first = _lowest(refs, overall)
    means = {round(overall[ref.id] or 0.0, 9) for ref in lowest_first}
    if len(means) <= 1:
        mean = fmt_mean(overall[lowest_first[0].id]) if lowest_first else "–"
        return (), (), f"Every statement has the same overall mean ({mean}), so none stands out."
    ranked = sorted(lowest_first, key=lambda ref: (-round(overall[ref.id] or 0.0, 9), ref.number))
    strongest = tuple(ranked[:EXTREME_STATEMENTS])
    weakest = tuple(ref for ref in lowest_first[:EXTREME_STATEMENTS] if ref not in strongest)
    return strongest, weakest, ""


def _agreement(view: ResultsView, result: AssessmentResult) -> tuple[tuple[Agreement, ...], str]:
    rows = []
    spreads = []
    for team in view.shown:
        sd = result.teams[team.key].sd
        if sd is None:
            words = "Only one response: no spread to measure."
        elif sd < CLOSE_AGREEMENT_SD:
            words = "Close agreement: most people see the relationship in much the same way."
        elif sd <= WIDE_SPREAD_SD:
            words = "Moderate spread: views differ, but around a shared picture."
        else:
            words = "Wide spread: people experience the relationship very differently."
        rows.append(Agreement(team.name, team.symbol, team.css_class, team.sd_text, words))
        if sd is not None:
            spreads.append((sd, team.name))
    if len(spreads) >= 2:
        spreads.sort()
        (low_sd, low_name), (high_sd, high_name) = spreads[0], spreads[-1]
        if round(low_sd, 1) == round(high_sd, 1):
            sentence = f"The teams agree among themselves to the same degree (SD {fmt_score(low_sd)})."
        else:
            sentence = (
                f"{low_name} agrees more among itself (SD {fmt_score(low_sd)}) than"
                f" {high_name} (SD {fmt_score(high_sd)})."
            )
    elif spreads:
        sentence = f"{spreads[0][1]} has a spread of {fmt_score(spreads[0][0])} points (SD)."
    else:
        sentence = "No team has enough responses to measure its spread."
    return tuple(rows), sentence


def _distributions(view: ResultsView, samples: Sequence[TeamSample]) -> tuple[Distribution, ...]:
    by_key = {sample.key: sample for sample in samples}
    found = []
    for team in view.shown:
        sample = by_key[team.key]
        counts = tuple(sorted((float(total), count) for total, count in sample.total_counts.items()))
        note = f"{plural(team.responses or 0, 'response')} · SD {team.sd_text}"
        found.append(Distribution(team.name, team.key, counts, note))
    return tuple(found)


def _key_figures(
    view: ResultsView, odds: StageOdds | None, labels: Mapping[str, str]
) -> tuple[KeyFigure, ...]:
    figures = []
    if view.overall.score is not None:
        figures.append(
            KeyFigure(
                name="Overall",
                symbol="◆",
                css_class="team-mark--overall",
                is_overall=True,
                withheld=False,
                score_text=view.overall.score_text,
                interval_text=(
                    f"{fmt_score(odds.interval95[0])}–{fmt_score(odds.interval95[1])}" if odds else "–"
                ),
                stage_id=view.overall.stage_id or "",
                stage_label=view.overall.stage_label,
                odds_text=shares_text(odds.overall, labels) if odds else "",
                note=view.overall.note,
            )
        )
    for team in view.teams:
        if team.withheld:
            figures.append(
                KeyFigure(
                    team.name,
                    team.symbol,
                    team.css_class,
                    is_overall=False,
                    withheld=True,
                    note=f"Not shown: fewer than {view.min_group} scored responses.",
                )
            )
            continue
        figures.append(
            KeyFigure(
                name=team.name,
                symbol=team.symbol,
                css_class=team.css_class,
                is_overall=False,
                withheld=False,
                score_text=team.score_text,
                interval_text=team.ci_text,
                stage_id=team.stage_id or "",
                stage_label=team.stage_label,
                odds_text=shares_text(odds.teams[team.key], labels) if odds else "",
                note=plural(team.responses or 0, "scored response"),
            )
        )
    return tuple(figures)


def _stage_rows(view: ResultsView) -> tuple[StageRow, ...]:
    placed: dict[str, list[Mark]] = {stage.id: [] for stage in view.stages}
    if view.overall.stage_id:
        placed[view.overall.stage_id].append(Mark("◆", "team-mark--overall", "Overall"))
    for team in view.shown:
        if team.stage_id:
            placed[team.stage_id].append(Mark(team.symbol, team.css_class, team.name))
    return tuple(
        StageRow(stage.id, stage.label, stage.range_text, stage.is_overall, tuple(placed[stage.id]))
        for stage in view.stages
    )


def _path_view(
    q: Questionnaire,
    path: PathToNext | None,
    refs: Sequence[StatementRef],
    result: AssessmentResult,
    labels: Mapping[str, str],
    lowest: Sequence[StatementRef],
) -> PathView | None:
    if path is None:
        return None
    by_id = {ref.id: ref for ref in refs}
    gaps = result.gap.items if result.gap is not None else {}
    steps = tuple(
        PathStep(
            order=order,
            number=by_id[step.item_id].number,
            text=by_id[step.item_id].text,
            dimension=by_id[step.item_id].dimension,
            mean_text=fmt_mean(step.mean),
            gap_text=fmt_signed(gaps[step.item_id].gap) if step.item_id in gaps else "–",
        )
        for order, step in enumerate(path.steps, start=1)
    )
    current = labels[path.current]
    score_text = fmt_score(path.score)
    if path.next is None:
        margin = path.score - q.stages[-1].lower_bound
        return PathView(
            holding=True,
            reachable=True,
            current_label=current,
            next_label="",
            score_text=score_text,
            target_text="",
            steps=(),
            summary=(
                f"The overall score of {score_text} is {fmt_score(margin)} points above the"
                f" {current} threshold of {q.stages[-1].lower_bound:g}. There is no higher stage: the task is"
                " to hold this one. The lowest-rated statements below are where a slide would show first."
            ),
            watch=tuple(lowest[:EXTREME_STATEMENTS]),
        )
    view = PathView(
        holding=False,
        reachable=path.reachable,
        current_label=current,
        next_label=labels[path.next],
        score_text=score_text,
        target_text=f"{path.target:g}" if path.target is not None else "",
        steps=steps,
        summary="",
    )
    return replace(view, summary=wording.path_summary(view))


def _recommendations_view(
    selection: Selection, labels: Mapping[str, str], numbers: Mapping[str, int], view: ResultsView
) -> RecommendationsView:
    if selection.holding:
        heading = f"Holding {labels[selection.stage or '']}"
        intro = "The relationship is at the top stage. These practices keep it there."
    elif selection.next_stage is not None and selection.stage is not None:
        heading = f"Moves from {labels[selection.stage]} to {labels[selection.next_stage]}"
        intro = (
            f"What typically moves a {labels[selection.stage]} relationship to"
            f" {labels[selection.next_stage]}. Start with the moves that address the weakest statements"
            " and dimensions named in this report."
        )
    else:
        heading, intro = "Moves", ""
    weak = tuple(
        WeakDimensionView(
            label=dim.label,
            mean_text=fmt_mean(dim.mean),
            recommendations=tuple(_recommendation(entry) for entry in dim.recommendations),
        )
        for dim in selection.weak_dimensions
    )
    workshops = []
    for gap in selection.gaps:
        if gap.p_adj is None:
            significance = "not tested"
        elif is_significant(gap.p_adj):
            significance = f"significant gap ▲ (Holm-adjusted {p_phrase(gap.p_adj)})"
        else:
            significance = f"not significant (Holm-adjusted {p_phrase(gap.p_adj)})"
        workshops.append(
            WorkshopView(
                number=numbers[gap.item_id],
                statement=gap.statement,
                direction=gap.direction,
                significance=significance,
                recommendations=tuple(_recommendation(entry) for entry in gap.recommendations),
            )
        )
    if view.gap is None:
        note = view.gap_reason or "There is no comparison of two teams, so there are no workshop questions."
    elif not workshops:
        note = "The teams rate every statement alike, so there are no gaps to discuss."
    else:
        note = (
            "The statements on which the teams differ most, whether or not the difference is significant:"
            " each is a question for a joint workshop of both teams."
        )
    return RecommendationsView(
        moves_heading=heading,
        moves_intro=intro,
        moves=tuple(_recommendation(entry) for entry in selection.moves),
        weak_heading=(
            "The weakest dimension" if len(weak) == 1 else f"The {number_word(len(weak))} weakest dimensions"
        ),
        weak_dimensions=weak,
        workshops=tuple(workshops),
        workshops_note=note,
        cautions=tuple(_recommendation(entry) for entry in selection.cautions),
    )


def _method(
    q: Questionnaire,
    facts: AssessmentFacts,
    view: ResultsView,
    odds: StageOdds | None,
    refs: Sequence[StatementRef],
) -> MethodView:
    headcounts = {team.key: team.headcount for team in facts.teams}
    counts = []
    for team in view.teams:
        asked = headcounts.get(team.key)
        asked_text = str(asked) if asked else "not given"
        if team.withheld:
            counts.append(
                ResponseCount(team.name, True, f"fewer than {view.min_group}", "–", asked_text, "–")
            )
            continue
        responses = team.responses or 0
        rate = fmt_percent(100 * responses / asked) if asked else "–"
        counts.append(
            ResponseCount(team.name, False, str(responses), str(team.incomplete or 0), asked_text, rate)
        )
    return MethodView(
        questionnaire_title=q.title,
        questionnaire_source=" ".join(q.source.split()),
        item_count=len(q.items),
        scale=tuple(ScaleLabel(str(value), q.scale.labels.get(value, "")) for value in q.scale.values),
        dont_know=q.scale.dont_know,
        answers_needed=q.answers_needed,
        total_low=q.total_range[0],
        total_high=q.total_range[1],
        min_group=view.min_group,
        significance_text=f"{SIGNIFICANCE:g}",
        replicates=odds.replicates if odds else None,
        replicates_text=f"{odds.replicates:,}" if odds else "",
        seed=odds.seed if odds else None,
        counts=tuple(counts),
        statements=tuple(refs),
        dimensions=tuple(
            (dim.label, ", ".join(str(ref.number) for ref in refs if ref.dimension == dim.label))
            for dim in q.dimensions
        ),
    )


def _actions(planned: Sequence[PlannedAction]) -> tuple[ActionView, ...]:
    return tuple(
        ActionView(
            number,
            row.action,
            row.owner,
            row.due_on,
            fmt_day(row.due_on),
            row.status,
            wording.action_status_text(row.status),
        )
        for number, row in enumerate(planned, start=1)
    )


def _commentary_paragraphs(text: str) -> tuple[str, ...]:
    """The commentary split into paragraphs at blank lines (single line breaks are kept)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = []
    current: list[str] = []
    for line in normalized.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return tuple(paragraphs)


def _comment_selections(view: ResultsView) -> tuple[CommentSelection, ...]:
    """Each shown team's printed comments (the view holds shown teams' comments only)."""
    selections = []
    for group in view.comments:
        picked = select_comments(group.comments)
        note = wording.comments_note(len(picked), group.total)
        selections.append(CommentSelection(group.team, picked, group.total, note))
    return tuple(selections)


def _current_and_next(view: ResultsView) -> tuple[StageView | None, StageView | None]:
    """The overall stage and the one above it (None where there is none)."""
    ids = [stage.id for stage in view.stages]
    if view.overall.stage_id not in ids:
        return None, None
    index = ids.index(view.overall.stage_id)
    return view.stages[index], view.stages[index + 1] if index + 1 < len(ids) else None


def _dimension_columns(view: ResultsView) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Per dimension: the gap pair's difference ("" columns without a gap) and the teams' mean."""
    gaps: tuple[str, ...] = ()
    if view.gap is not None:
        keys = [team.key for team in view.shown]
        a, b = keys.index(view.gap.first_key), keys.index(view.gap.second_key)
        gaps = tuple(
            fmt_signed(row.values[a] - row.values[b])
            if row.values[a] is not None and row.values[b] is not None
            else "–"
            for row in view.dimensions
        )
    overall = tuple(
        fmt_mean(sum(values) / len(values)) if (values := [v for v in row.values if v is not None]) else "–"
        for row in view.dimensions
    )
    return gaps, overall


def library_path() -> Path:
    """The recommendations file shipped with the app."""
    return data_folder("reports") / "recommendations.yaml"


# --- the whole report ---------------------------------------------------------------------


def compose_report(
    q: Questionnaire,
    data: ReportData,
    *,
    paper: str = "a4",
    today: date | None = None,
    library: Path | None = None,
) -> ReportContext:
    """Compute and word everything the report prints, from what ``loader`` read."""
    if paper not in PAPER_SIZES:
        raise InvalidInput(f"paper must be one of {', '.join(PAPER_SIZES)}, not {paper!r}")
    samples, result = data.samples, data.result
    shown_keys = list(result.overall.teams)
    view = build_results_view(data.facts, q, result, data.comments)
    labels = {stage.id: stage.label for stage in q.stages}
    has_results = bool(view.shown) and view.overall.score is not None

    odds = stage_odds(q, samples, shown_keys) if has_results else None
    path = path_to_next(q, result)
    try:
        chosen = choose(
            load_library(library or library_path(), q),
            q,
            result,
            path,
            {team.key: team.name for team in view.teams},
        )
    except LibraryError as exc:
        raise InvalidInput(f"the recommendations cannot be used: {exc}") from None

    refs, overall_means = _statement_refs(q, result, view)
    strongest, weakest, extremes_note = _extremes(refs, overall_means)
    agreement, agreement_sentence = _agreement(view, result)
    lowest = _lowest(refs, overall_means)
    path_view = _path_view(q, path, refs, result, labels, lowest) if has_results else None
    numbers = {ref.id: ref.number for ref in refs}
    recs = _recommendations_view(chosen, labels, numbers, view) if has_results else None
    commentary = _commentary_paragraphs(data.commentary)
    actions = _actions(data.actions)
    comments = _comment_selections(view)
    current_stage, next_stage = _current_and_next(view)
    dimension_gaps, dimension_overall = _dimension_columns(view)

    printed = sum(len(group.comments) for group in comments)
    total = sum(group.total for group in comments)
    specs = [("summary", "Executive summary", wording.summary_finding(view))]
    # The consultant's view comes straight after the summary; it is left out, with its entry
    # in the contents, when both the commentary and the action plan are empty.
    if commentary or actions:
        specs.append(("commentary", "Commentary and action plan", wording.commentary_finding(actions)))
    if data.trend is not None:
        specs.append(("trend", "Since the last wave", data.trend.headline))
    if has_results:
        specs += [
            ("stages", "The four stages", wording.stages_finding(view)),
            ("dimensions", "Six dimensions", view.dimensions_headline),
            ("statements", "Statement by statement", view.items_headline),
            ("path", "Path to the next stage", wording.path_finding(path_view)),
            ("recommendations", "Recommendations", wording.recommendations_finding(recs)),
        ]
    if has_results:
        specs.append(("comments", "Selected comments", wording.comments_finding(total, printed)))
    specs.append(("method", "Method", wording.method_finding(view)))
    sections = tuple(
        Section(sid, number, title, finding) for number, (sid, title, finding) in enumerate(specs, 1)
    )
    section_numbers = {section.id: section.number for section in sections}

    return ReportContext(
        title=f"Sales and marketing alignment: {view.assessment}",
        organization=view.organization,
        assessment=view.assessment,
        slug=view.slug,
        paper=paper,
        page_size=PAPER_SIZES[paper],
        date_text=wording.fmt_day(today or datetime.now(UTC).date()),
        prepared_by=data.prepared_by,
        logo_url=data.logo_url,
        purpose=data.purpose.strip(),
        view=view,
        has_results=has_results,
        sections=sections,
        withheld_text=wording.withheld_text(view),
        summary_intro=wording.summary_intro(view, q.total_range),
        key_figures=_key_figures(view, odds, labels),
        odds_sentence=wording.odds_sentence(odds, labels),
        gap_paragraph=wording.gap_paragraph(view, section_numbers) if has_results else "",
        next_steps=wording.next_steps(path_view, recs, view, section_numbers) if has_results else (),
        stages_finding=wording.stages_finding(view),
        stage_rows=_stage_rows(view),
        current_stage_label=current_stage.label if current_stage else "",
        current_stage_text=current_stage.description if current_stage else "",
        next_stage_label=next_stage.label if next_stage else "",
        next_stage_text=next_stage.description if next_stage else "",
        dimension_gaps=dimension_gaps,
        dimension_overall=dimension_overall,
        strongest=strongest,
        weakest=weakest,
        extremes_note=extremes_note,
        agreement=agreement,
        agreement_sentence=agreement_sentence,
        distributions=_distributions(view, samples),
        path=path_view,
        recommendations=recs,
        commentary=commentary,
        actions=actions,
        comments=comments,
        comments_total=total,
        comments_intro=wording.comments_intro(
            view, any(len(group.comments) < group.total for group in comments), COMMENTS_PER_TEAM
        ),
        method=_method(q, data.facts, view, odds, refs),
        trend=data.trend,
    )
