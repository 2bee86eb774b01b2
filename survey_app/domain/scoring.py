"""Scoring: responses to totals, teams to scores and stages, and the gap between two teams.

Pure domain code: no Flask, no database. A team enters as a ``TeamSample`` of
sufficient statistics (counts, sums, sums of squares, answer frequencies), so the
same functions serve the database's aggregate queries and raw answers in tests
(``summarize``). The rules are in the README's "Scoring method" section.

Totals are kept as exact fractions (a total is n_items × answer sum / answered),
so identical responses have a standard deviation of exactly zero and a mean of
exactly 40 is Defined, not Undefined by a rounding error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy import special, stats

from .questionnaire import Questionnaire

#: An answer as given: a scale value, or None for "don't know" / blank.
Answer = int | None

#: The team keys whose difference is the perception gap (first minus second).
GAP_PAIR = ("sales", "marketing")

#: The smallest minimum group size an assessment may have.
MIN_GROUP_FLOOR = 3


# --- one response ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseScore:
    """How many statements a response answered, their sum, and its total (None when incomplete)."""

    answered: int
    answer_sum: int
    total: float | None

    @property
    def is_scored(self) -> bool:
        """Whether the response answered enough statements to count."""
        return self.total is not None


def valid_answers(q: Questionnaire, answers: Mapping[str, Answer]) -> dict[str, int]:
    """Keep the answers that count: scale values for the questionnaire's statements."""
    allowed = set(q.scale.values)
    return {
        item_id: value
        for item_id in q.item_ids
        if type(value := answers.get(item_id)) is int and value in allowed
    }


def score_response(q: Questionnaire, answers: Mapping[str, Answer]) -> ResponseScore:
    """Score one response: pro-rate the mean of its answers to the full questionnaire.

    A response with fewer than ``q.answers_needed`` answers is incomplete (no total).
    """
    counted = valid_answers(q, answers)
    answer_sum = sum(counted.values())
    if len(counted) < q.answers_needed:
        return ResponseScore(answered=len(counted), answer_sum=answer_sum, total=None)
    total = exact_total(q, len(counted), answer_sum)
    return ResponseScore(answered=len(counted), answer_sum=answer_sum, total=float(total))


def exact_total(q: Questionnaire, answered: int, answer_sum: int) -> Fraction:
    """A scored response's total as an exact fraction: n_items × the mean of its answers."""
    return Fraction(len(q.item_ids) * answer_sum, answered)


# --- a team's sufficient statistics ---------------------------------------------------


@dataclass(frozen=True)
class TeamSample:
    """What scoring needs to know of one team's responses.

    ``total_sum`` and ``total_sumsq`` are the sum and the sum of squares of the
    scored responses' totals (exact fractions from the database's integer sums;
    floats are accepted too). ``item_counts[item][k]`` is how many scored responses
    gave that item the k-th scale value (``scale.min + k``). ``total_counts`` is the
    distribution of the totals (total → how many responses have it), for
    resampling; it may be left empty where only the sums are known. Incomplete
    responses only count in ``incomplete``, and scored responses not yet published
    (see ``survey_app.publishing``) only in ``pending``.
    """

    key: str
    scored: int
    incomplete: int
    total_sum: Fraction | float
    total_sumsq: Fraction | float
    item_counts: Mapping[str, Sequence[int]] = field(default_factory=dict)
    total_counts: Mapping[Fraction, int] = field(default_factory=dict)
    pending: int = 0


def exact_power_sum(total_counts: Mapping[Fraction, int], power: int) -> Fraction:
    """Σ count × total**power, exactly, over one common denominator.

    Integer arithmetic on the denominators' least common multiple: adding a few hundred
    Fractions one by one reduces by a gcd at every step, which costs more than the
    database's own counting for small teams.
    """
    if not total_counts:
        return Fraction(0)
    denominator = math.lcm(*(total.denominator**power for total in total_counts))
    numerator = sum(
        total.numerator**power * (denominator // total.denominator**power) * count
        for total, count in total_counts.items()
    )
    return Fraction(numerator, denominator)


def sample_from_totals(
    key: str,
    incomplete: int,
    total_counts: Mapping[Fraction, int],
    item_counts: Mapping[str, Sequence[int]],
    *,
    pending: int = 0,
) -> TeamSample:
    """A team's sample from the distribution of its totals and its answer frequencies."""
    return TeamSample(
        key=key,
        scored=sum(total_counts.values()),
        incomplete=incomplete,
        total_sum=exact_power_sum(total_counts, 1),
        total_sumsq=exact_power_sum(total_counts, 2),
        item_counts=item_counts,
        total_counts=dict(total_counts),
        pending=pending,
    )


def summarize(q: Questionnaire, key: str, responses: Iterable[Mapping[str, Answer]]) -> TeamSample:
    """Build a team's sample from raw responses (the direct path, used for imports and tests)."""
    incomplete = 0
    totals: Counter[Fraction] = Counter()
    width = len(q.scale.values)
    counts = {item_id: [0] * width for item_id in q.item_ids}
    for answers in responses:
        result = score_response(q, answers)
        if result.total is None:
            incomplete += 1
            continue
        totals[exact_total(q, result.answered, result.answer_sum)] += 1
        for item_id, value in valid_answers(q, answers).items():
            counts[item_id][value - q.scale.min] += 1
    return sample_from_totals(key, incomplete, totals, counts)


def _mean_of_counts(q: Questionnaire, counts: Sequence[int]) -> float | None:
    n = sum(counts)
    if n == 0:
        return None
    return sum((q.scale.min + k) * c for k, c in enumerate(counts)) / n


def _mean(sample: TeamSample) -> Fraction | float:
    """The mean of a team's totals (exact when the sample's sums are fractions)."""
    return sample.total_sum / sample.scored


def _sample_sd(sample: TeamSample) -> float | None:
    """Sample standard deviation (n − 1) of a team's totals, from its sum and sum of squares."""
    n = sample.scored
    if n < 2:
        return None
    variance = (sample.total_sumsq - sample.total_sum * sample.total_sum / n) / (n - 1)
    return math.sqrt(max(float(variance), 0.0))


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamResult:
    """A team's figures; a withheld team carries only its counts.

    ``responses`` is the number of responses the figures are computed from; ``pending``
    scored responses and ``incomplete`` ones are counted but not in the figures.
    ``withheld_items`` are the statements answered on the scale by too few people to
    show their mean (None in ``items``): the dimensions are computed without them.
    """

    key: str
    responses: int
    incomplete: int
    withheld: bool
    score: float | None = None
    ci95: tuple[float, float] | None = None
    sd: float | None = None
    stage: str | None = None
    dimensions: Mapping[str, float | None] = field(default_factory=dict)
    items: Mapping[str, float | None] = field(default_factory=dict)
    pending: int = 0
    withheld_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverallResult:
    """The mean of the shown teams' scores, each team weighing the same."""

    score: float | None
    stage: str | None
    teams: tuple[str, ...]


@dataclass(frozen=True)
class ItemGap:
    """First team's item mean minus the second's, with its Holm-adjusted p-value."""

    gap: float | None
    p_adj: float | None


@dataclass(frozen=True)
class GapResult:
    """The perception gap: first team's score minus the second's, overall and per item."""

    teams: tuple[str, str]
    score: float
    p_value: float | None
    items: Mapping[str, ItemGap]


@dataclass(frozen=True)
class AssessmentResult:
    """Everything the scoring rules say about one assessment."""

    teams: Mapping[str, TeamResult]
    overall: OverallResult
    gap: GapResult | None


def confidence_interval(
    n: int, mean: float, sd: float | None, level: float = 0.95
) -> tuple[float, float] | None:
    """Student-t interval for a mean (n − 1 degrees of freedom); None when n < 2."""
    if n < 2 or sd is None:
        return None
    half = float(special.stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n)  # the t quantile
    return mean - half, mean + half


def thin_items(q: Questionnaire, sample: TeamSample, min_group: int) -> tuple[str, ...]:
    """The statements fewer than ``min_group`` of the team answered on the scale: a mean of so
    few answers (one person's, when the others said "don't know") is not shown."""
    return tuple(
        item_id for item_id in q.item_ids if 0 < sum(sample.item_counts.get(item_id, ())) < min_group
    )


def team_result(q: Questionnaire, sample: TeamSample, min_group: int) -> TeamResult:
    """Score one team, or withhold it when it has fewer scored responses than ``min_group``;
    statements too few answered are withheld alone (see ``thin_items``)."""
    if sample.scored < min_group or sample.scored == 0:
        return TeamResult(sample.key, sample.scored, sample.incomplete, withheld=True, pending=sample.pending)
    score = float(_mean(sample))
    sd = _sample_sd(sample)
    withheld_items = thin_items(q, sample, min_group)
    items = {
        item_id: None
        if item_id in withheld_items
        else _mean_of_counts(q, sample.item_counts.get(item_id, ()))
        for item_id in q.item_ids
    }
    width = len(q.scale.values)
    dimensions = {}
    for dim_id, item_ids in q.items_by_dimension.items():
        pooled = [0] * width
        for item_id in item_ids:
            if item_id in withheld_items:
                continue
            for k, count in enumerate(sample.item_counts.get(item_id, ())):
                pooled[k] += count
        dimensions[dim_id] = _mean_of_counts(q, pooled)
    return TeamResult(
        key=sample.key,
        responses=sample.scored,
        incomplete=sample.incomplete,
        withheld=False,
        score=score,
        ci95=confidence_interval(sample.scored, score, sd),
        sd=sd,
        stage=q.stage_for(score).id,
        dimensions=dimensions,
        items=items,
        pending=sample.pending,
        withheld_items=withheld_items,
    )


def holm(p_values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Holm–Bonferroni adjustment across the p-values given; None stays None."""
    present = sorted((p, key) for key, p in p_values.items() if p is not None)
    m = len(present)
    adjusted: dict[str, float | None] = dict.fromkeys(p_values)
    running = 0.0
    for rank, (p, key) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[key] = running
    return adjusted


def welch_p_value(a: TeamSample, b: TeamSample) -> float | None:
    """Two-sided Welch t-test on the teams' totals; None when it cannot be computed."""
    if a.scored < 2 or b.scored < 2:
        return None
    return welch_from_stats(
        (a.scored, float(_mean(a)), _sample_sd(a) or 0.0), (b.scored, float(_mean(b)), _sample_sd(b) or 0.0)
    )


def welch_from_stats(a: tuple[int, float, float], b: tuple[int, float, float]) -> float | None:
    """Two-sided Welch t-test from each sample's (n, mean, sample SD); None when it cannot be
    computed (fewer than two in a sample, or no spread in either)."""
    (n_a, mean_a, sd_a), (n_b, mean_b, sd_b) = a, b
    if n_a < 2 or n_b < 2 or (sd_a == 0.0 and sd_b == 0.0):
        return None
    # Welch's t and the Welch–Satterthwaite degrees of freedom, as scipy's
    # ttest_ind_from_stats(equal_var=False) computes them, without its argument handling.
    var_a, var_b = sd_a * sd_a / n_a, sd_b * sd_b / n_b
    t = (mean_a - mean_b) / math.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    return _finite(2 * float(special.stdtr(df, -abs(t))))


def mann_whitney_p_value(q: Questionnaire, a: Sequence[int], b: Sequence[int]) -> float | None:
    """Two-sided Mann–Whitney U test on two answer-frequency tables; None when not computable.

    Computed from the tables alone (memory does not grow with the number of answers),
    exactly as ``scipy.stats.mannwhitneyu`` does on the raw answers: midranks, the
    normal approximation with tie correction and continuity correction; and scipy's
    exact distribution in the one case where it uses it (no ties, a sample of at
    most 8), which with one answer per scale value means at most five answers.
    """
    width = len(q.scale.values)
    a = list(a) or [0] * width
    b = list(b) or [0] * width
    n1, n2 = sum(a), sum(b)
    combined = [x + y for x, y in zip(a, b, strict=True)]
    if n1 < 2 or n2 < 2:
        return None
    if sum(1 for count in combined if count) < 2:
        return None  # every answer the same: no variance to test
    if max(combined) == 1:
        values = np.arange(q.scale.min, q.scale.max + 1)
        x, y = np.repeat(values, a), np.repeat(values, b)
        return _finite(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
    rank_sum, below = 0.0, 0
    for count_a, count in zip(a, combined, strict=True):
        rank_sum += count_a * (below + (count + 1) / 2)  # midrank of this answer value
        below += count
    u1 = rank_sum - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    tie_term = sum(count**3 - count for count in combined)  # exact integers
    spread = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    z = (u - n1 * n2 / 2 - 0.5) / spread
    return _finite(min(1.0, max(0.0, 2 * float(special.ndtr(-z)))))


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def gap_result(
    q: Questionnaire, first: TeamSample, second: TeamSample, withheld_items: Collection[str] = ()
) -> GapResult:
    """The perception gap between two shown teams, with its tests; the ``withheld_items``
    (too few answers in either team) have no gap and no test, and leave the Holm family."""
    score = float(_mean(first) - _mean(second))
    width = len(q.scale.values)
    raw_p: dict[str, float | None] = {}
    gaps: dict[str, float | None] = {}
    for item_id in q.item_ids:
        if item_id in withheld_items:
            gaps[item_id] = raw_p[item_id] = None
            continue
        counts_a = first.item_counts.get(item_id, [0] * width)
        counts_b = second.item_counts.get(item_id, [0] * width)
        mean_a, mean_b = _mean_of_counts(q, counts_a), _mean_of_counts(q, counts_b)
        gaps[item_id] = None if mean_a is None or mean_b is None else mean_a - mean_b
        raw_p[item_id] = mann_whitney_p_value(q, counts_a, counts_b)
    adjusted = holm(raw_p)
    return GapResult(
        teams=(first.key, second.key),
        score=score,
        p_value=welch_p_value(first, second),
        items={item_id: ItemGap(gaps[item_id], adjusted[item_id]) for item_id in q.item_ids},
    )


def assess(
    q: Questionnaire,
    samples: Sequence[TeamSample],
    min_group: int,
    gap_pair: tuple[str, str] = GAP_PAIR,
) -> AssessmentResult:
    """Score every team, the overall position and the gap between ``gap_pair``'s teams."""
    if min_group < MIN_GROUP_FLOOR:
        raise ValueError(f"the minimum group size must be at least {MIN_GROUP_FLOOR}, not {min_group}")
    teams = {sample.key: team_result(q, sample, min_group) for sample in samples}
    by_key = {sample.key: sample for sample in samples}
    shown = [key for key, result in teams.items() if not result.withheld]
    if shown:
        overall_score = float(sum(_mean(by_key[key]) for key in shown) / len(shown))
        overall = OverallResult(overall_score, q.stage_for(overall_score).id, tuple(shown))
    else:
        overall = OverallResult(None, None, ())
    first, second = gap_pair
    gap = None
    if all(key in teams and not teams[key].withheld for key in gap_pair):
        withheld_items = {*teams[first].withheld_items, *teams[second].withheld_items}
        gap = gap_result(q, by_key[first], by_key[second], withheld_items)
    return AssessmentResult(teams=teams, overall=overall, gap=gap)
