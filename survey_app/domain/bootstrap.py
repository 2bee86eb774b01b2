"""How likely each stage is, given the sampling uncertainty: a bootstrap over respondents.

Pure domain code: no Flask, no database.

Each shown team's respondents are resampled with replacement. A resample only needs how
often each distinct total was drawn, so a replicate is a multinomial draw of the team's
size over its k distinct totals (``TeamSample.total_counts``), with the observed shares
as probabilities; memory and time grow with k and the number of replicates, never with
the number of respondents. A replicate's overall score is the mean of the teams'
replicate means, each team weighing the same (as in the overall score), and is placed in
a stage by the questionnaire's lower bounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .questionnaire import Questionnaire
from .scoring import TeamSample

#: Replicates drawn by default: enough for shares to about ±1 percentage point.
DEFAULT_REPLICATES = 2000
#: The default seed, so the same data always gives the same report.
DEFAULT_SEED = 20060701
#: A replicate this close below a stage bound counts as on it (float noise in weighted means).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class StageOdds:
    """The share of bootstrap replicates in each stage, overall and per team.

    ``overall`` and each of ``teams`` map every stage id, in stage order, to a share;
    the shares sum to 1. ``mean_score`` and ``interval95`` (2.5th and 97.5th
    percentiles) describe the replicates' overall scores.
    """

    overall: Mapping[str, float]
    teams: Mapping[str, Mapping[str, float]]
    mean_score: float
    interval95: tuple[float, float]
    replicates: int
    seed: int


def replicate_means(sample: TeamSample, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """The means of ``replicates`` resamples of a team's respondents (one float each)."""
    if not sample.total_counts:
        raise ValueError(f"team {sample.key!r} has no distribution of totals to resample")
    totals = np.array([float(total) for total in sample.total_counts], dtype=float)
    counts = np.array(list(sample.total_counts.values()), dtype=np.int64)
    n = int(counts.sum())
    if n <= 0:
        raise ValueError(f"team {sample.key!r} has no scored responses to resample")
    draws = rng.multinomial(n, counts / n, size=replicates)  # replicates × k, independent of n
    return (draws @ totals) / n


def stage_indices(q: Questionnaire, scores: np.ndarray) -> np.ndarray:
    """Each score's stage as an index into ``q.stages`` (a score on a bound is in the upper stage)."""
    bounds = np.array([stage.lower_bound for stage in q.stages], dtype=float)
    positions = np.searchsorted(bounds, scores + TOLERANCE, side="right") - 1
    return np.clip(positions, 0, len(bounds) - 1)


def stage_shares(q: Questionnaire, scores: np.ndarray) -> dict[str, float]:
    """The share of ``scores`` in each stage, every stage present, in stage order."""
    counts = np.bincount(stage_indices(q, scores), minlength=len(q.stages))
    return {stage.id: float(count) / len(scores) for stage, count in zip(q.stages, counts, strict=True)}


def stage_odds(
    q: Questionnaire,
    samples: Sequence[TeamSample],
    shown: Sequence[str],
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
) -> StageOdds:
    """Bootstrap the overall stage (and each shown team's) from the teams' distributions of totals.

    ``shown`` are the keys of the teams the report shows (``result.overall.teams``);
    withheld teams must be left out, as they are from the overall score. The teams are
    resampled in the order of ``shown`` from one generator seeded with ``seed``.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, not {replicates}")
    if not shown:
        raise ValueError("no team is shown: there is nothing to resample")
    if len(set(shown)) != len(shown):
        raise ValueError(f"a team is listed twice among the shown teams {list(shown)}")
    by_key = {sample.key: sample for sample in samples}
    missing = [key for key in shown if key not in by_key]
    if missing:
        raise ValueError(f"no sample for the shown team(s) {', '.join(map(repr, missing))}")
    rng = np.random.default_rng(seed)
    per_team = {key: replicate_means(by_key[key], replicates, rng) for key in shown}
    overall = np.mean(np.vstack(list(per_team.values())), axis=0)
    low, high = np.percentile(overall, [2.5, 97.5])
    return StageOdds(
        overall=stage_shares(q, overall),
        teams={key: stage_shares(q, means) for key, means in per_team.items()},
        mean_score=float(overall.mean()),
        interval95=(float(low), float(high)),
        replicates=replicates,
        seed=seed,
    )
