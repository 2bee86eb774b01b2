"""The path to the next stage: points the overall score lacks and the fewest statements to raise.

Pure domain code: no Flask, no database.

The simplification: a response's total is the sum of its 20 answers on the 1–5 scale
(20 × their mean), so the overall score equals the sum of the 20 overall statement
means, and raising one statement's mean by *d* raises the 20–100 score by *d*. This is
exact when every statement is answered; with pro-rated totals (a response that skipped
statements) or a statement nobody in a team answered, it is a close approximation.

A statement's overall mean is the mean of the shown teams' means for it, each team
weighing the same (as in the overall score). Each chosen statement is raised by one
point, never above the top of the scale, so it gains ``min(1, 5 − mean)`` points.
Statements are taken lowest mean first, which gives the fewest statements (a lower mean
never gains less); equal means go to the larger perception gap (|Sales − Marketing|),
then to statements with no gap available, then questionnaire order.
"""

from __future__ import annotations

from dataclasses import dataclass

from .questionnaire import Questionnaire
from .scoring import AssessmentResult

#: Slack when comparing points, so float noise (60 − 58.0000000001) cannot add a statement.
TOLERANCE = 1e-9
#: Means and gaps are compared to this many decimals, so float noise cannot reorder ties.
ROUNDING = 9
#: How far one chosen statement's mean is raised, in scale points.
STEP = 1.0


@dataclass(frozen=True)
class Step:
    """One statement to raise: its overall mean now, the raised mean and the points gained."""

    item_id: str
    mean: float
    raised: float
    gain: float


@dataclass(frozen=True)
class PathToNext:
    """What it takes to reach the next stage; ``next`` is None at the top stage.

    ``points_needed`` is the next stage's lower bound minus the overall score (0.0 at the
    top). ``steps`` are the chosen statements in order; when ``reachable`` is False even
    raising every statement falls short, and ``steps`` holds every statement that can gain.
    """

    current: str
    next: str | None
    score: float
    target: float | None
    points_needed: float
    steps: tuple[Step, ...]
    reachable: bool

    @property
    def gain(self) -> float:
        """The points the chosen statements add together."""
        return sum(step.gain for step in self.steps)


def overall_item_means(q: Questionnaire, result: AssessmentResult) -> dict[str, float | None]:
    """Each statement's mean over the shown teams (equal weight per team; None if none answered,
    or if a shown team answered it too thinly to show: one team's mean alone would not be the
    teams' mean, and ranking it beside the others would mislead)."""
    means: dict[str, float | None] = {}
    for item_id in q.item_ids:
        if any(item_id in result.teams[key].withheld_items for key in result.overall.teams):
            means[item_id] = None
            continue
        values = [
            value
            for key in result.overall.teams
            if (value := result.teams[key].items.get(item_id)) is not None
        ]
        means[item_id] = sum(values) / len(values) if values else None
    return means


def _gap_size(result: AssessmentResult, item_id: str) -> float | None:
    if result.gap is None:
        return None
    item = result.gap.items.get(item_id)
    return None if item is None or item.gap is None else abs(item.gap)


def path_to_next(q: Questionnaire, result: AssessmentResult) -> PathToNext | None:
    """The path from the overall stage to the next one; None when no team is shown."""
    score, stage_id = result.overall.score, result.overall.stage
    if score is None or stage_id is None:
        return None
    upper = q.next_stage(stage_id)
    if upper is None:
        return PathToNext(stage_id, None, score, None, 0.0, (), reachable=True)
    needed = upper.lower_bound - score
    top = q.scale.max
    order = {item_id: index for index, item_id in enumerate(q.item_ids)}
    candidates = []
    for item_id, mean in overall_item_means(q, result).items():
        if mean is None:
            continue  # nobody shown answered it: no mean to raise
        gain = min(STEP, top - mean)
        if gain <= TOLERANCE:
            continue  # already at the top of the scale
        gap = _gap_size(result, item_id)
        # lowest mean, then the larger gap, then no gap at all, then questionnaire order
        key = (round(mean, ROUNDING), gap is None, -round(gap or 0.0, ROUNDING), order[item_id])
        candidates.append((key, Step(item_id, mean, mean + gain, gain)))
    candidates.sort(key=lambda pair: pair[0])
    steps: list[Step] = []
    gained = 0.0
    for _, step in candidates:
        if gained >= needed - TOLERANCE:
            break
        steps.append(step)
        gained += step.gain
    reachable = gained >= needed - TOLERANCE
    return PathToNext(stage_id, upper.id, score, upper.lower_bound, needed, tuple(steps), reachable)
