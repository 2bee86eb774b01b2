"""The report's content as plain data: frozen dataclasses the templates read, nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..results.view_model import ResultsView
from ..trend.view import TrendView


@dataclass(frozen=True)
class Section:
    """A numbered section: ``title`` names it in the contents, ``finding`` is its heading."""

    id: str
    number: int
    title: str
    finding: str


@dataclass(frozen=True)
class KeyFigure:
    """A row of the summary's table: the overall position or one team's."""

    name: str
    symbol: str
    css_class: str
    is_overall: bool
    withheld: bool
    score_text: str = ""
    interval_text: str = ""
    stage_id: str = ""
    stage_label: str = ""
    odds_text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Mark:
    """A position marked on the ladder: its symbol, colour class and name."""

    symbol: str
    css_class: str
    name: str


@dataclass(frozen=True)
class StageRow:
    """A stage band and who is placed in it."""

    id: str
    label: str
    range_text: str
    is_overall: bool
    placed: tuple[Mark, ...]


@dataclass(frozen=True)
class StatementRef:
    """A statement with its overall mean (mean of the shown teams' means)."""

    number: int
    id: str
    text: str
    dimension: str
    mean_text: str


@dataclass(frozen=True)
class Agreement:
    """A shown team's spread of totals, in figures and words."""

    name: str
    symbol: str
    css_class: str
    sd_text: str
    words: str


@dataclass(frozen=True)
class PathStep:
    """One statement to focus on first, on the way to the next stage."""

    order: int
    number: int
    text: str
    dimension: str
    mean_text: str
    gap_text: str


@dataclass(frozen=True)
class PathView:
    """The path to the next stage: the statements to focus on first, and why."""

    holding: bool
    #: Whether the statements listed are enough to reach the next stage.
    reachable: bool
    current_label: str
    next_label: str
    score_text: str
    target_text: str
    steps: tuple[PathStep, ...]
    summary: str
    #: At the top stage: the lowest-rated statements, to watch.
    watch: tuple[StatementRef, ...] = ()


@dataclass(frozen=True)
class RecommendationView:
    """One recommendation as printed, with where it comes from."""

    id: str
    title: str
    body: str
    source: str


@dataclass(frozen=True)
class WeakDimensionView:
    """A weak dimension and what to do about it."""

    label: str
    mean_text: str
    recommendations: tuple[RecommendationView, ...]


@dataclass(frozen=True)
class WorkshopView:
    """A statement the teams see differently, with the questions to discuss."""

    number: int
    statement: str
    direction: str
    significance: str
    recommendations: tuple[RecommendationView, ...]


@dataclass(frozen=True)
class RecommendationsView:
    """The chosen recommendations, by part."""

    moves_heading: str
    moves_intro: str
    moves: tuple[RecommendationView, ...]
    weak_heading: str
    weak_dimensions: tuple[WeakDimensionView, ...]
    workshops: tuple[WorkshopView, ...]
    workshops_note: str
    cautions: tuple[RecommendationView, ...]


@dataclass(frozen=True)
class ActionView:
    """One line of the action plan."""

    number: int
    action: str
    owner: str
    due_on: date | None
    due_text: str
    #: "planned", "in_progress" or "done", and its words ("In progress").
    status: str
    status_text: str


@dataclass(frozen=True)
class CommentSelection:
    """The comments printed for one shown team."""

    team: str
    comments: tuple[str, ...]
    total: int
    note: str


@dataclass(frozen=True)
class ResponseCount:
    """A team's responses for the method appendix (only a bound for a withheld team)."""

    team: str
    withheld: bool
    scored_text: str
    incomplete_text: str
    asked_text: str
    rate_text: str


@dataclass(frozen=True)
class ScaleLabel:
    """One answer choice."""

    value: str
    label: str


@dataclass(frozen=True)
class MethodView:
    """The method appendix."""

    questionnaire_title: str
    questionnaire_source: str
    item_count: int
    scale: tuple[ScaleLabel, ...]
    dont_know: str
    answers_needed: int
    total_low: int
    total_high: int
    min_group: int
    significance_text: str
    replicates: int | None
    replicates_text: str
    seed: int | None
    counts: tuple[ResponseCount, ...]
    statements: tuple[StatementRef, ...]
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Distribution:
    """A shown team's totals (total, how many) for the distribution chart."""

    name: str
    key: str
    counts: tuple[tuple[float, int], ...]
    note: str


@dataclass(frozen=True)
class ReportContext:
    """Everything the report prints, as plain values."""

    title: str
    organization: str
    assessment: str
    slug: str
    paper: str
    page_size: str
    date_text: str
    prepared_by: str
    logo_url: str | None
    purpose: str
    view: ResultsView
    has_results: bool
    sections: tuple[Section, ...]
    #: Which teams are left out and why ("" when every team is shown).
    withheld_text: str
    # Executive summary
    summary_intro: str
    key_figures: tuple[KeyFigure, ...]
    odds_sentence: str
    gap_paragraph: str
    next_steps: tuple[str, ...]
    # The stages
    stages_finding: str
    stage_rows: tuple[StageRow, ...]
    current_stage_label: str
    current_stage_text: str
    next_stage_label: str
    next_stage_text: str
    # Dimensions
    dimension_gaps: tuple[str, ...]
    dimension_overall: tuple[str, ...]
    # Statements
    strongest: tuple[StatementRef, ...]
    weakest: tuple[StatementRef, ...]
    #: Said instead of the lists when every statement has the same mean.
    extremes_note: str
    agreement: tuple[Agreement, ...]
    agreement_sentence: str
    distributions: tuple[Distribution, ...]
    # Path, recommendations
    path: PathView | None
    recommendations: RecommendationsView | None
    # Commentary and action plan
    commentary: tuple[str, ...]
    actions: tuple[ActionView, ...]
    # Comments and method
    comments: tuple[CommentSelection, ...]
    comments_total: int
    comments_intro: str
    method: MethodView
    #: The waves up to this one and what moved (None without an earlier wave).
    trend: TrendView | None = None
