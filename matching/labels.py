"""Steward decisions as labels: they re-estimate m and calibrate the thresholds at the next retrain.

A steward's "same" on a pair is the one thing the model cannot get without people: a pair known to be
one customer. How its fields compare is counted into ``m`` (the model's current m — from the anchors
and priors — weighs as pseudo-counts, so a few labels move it a little and hundreds move it a lot). A
"not the same" is no random pair (stewards see the hard ones), so it leaves ``u`` alone; together
with the "same" labels it calibrates the thresholds: the match threshold drops to the lowest score
above which the labelled pairs are still precise enough, the review threshold rises to the highest
score below which hardly a labelled duplicate lies (dedupe's active learning is the model here).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from matching.compare import Comparison, PairContext, compare_pairs
from matching.score import FSModel, _blend, match_weights, probabilities

#: Pseudo-count weight of the model's current m against the steward-labelled pairs.
LABEL_PRIOR_WEIGHT = 50.0
#: Labels of each kind needed before the thresholds are calibrated at all.
MIN_LABELS = 20
#: Share of labelled "not the same" pairs allowed above the calibrated match threshold ...
MATCH_PRECISION = 0.99
#: ... and of labelled "same" pairs allowed below the calibrated review threshold.
REVIEW_MISS = 0.01


class Calibration(BaseModel):
    """What the steward labels taught the model at its last training."""

    model_config = ConfigDict(extra="forbid")

    same: int = Field(ge=0)
    not_same: int = Field(ge=0)
    #: Calibrated thresholds, or ``None`` while there are fewer than ``MIN_LABELS`` of either kind.
    match_threshold: float | None = None
    review_threshold: float | None = None


def _pairs(rows: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows or None, schema={"l": pl.UInt32, "r": pl.UInt32}, orient="row")


def learn_m(features: pl.DataFrame, fs: FSModel, same: list[tuple[int, int]]) -> None:
    """Count the levels of the labelled duplicates into every comparison's m (null levels excluded)."""
    if not same:
        return
    levels = compare_pairs(PairContext(features, _pairs(same)), fs.comparisons)
    for i, comparison in enumerate(fs.comparisons):
        counts = np.bincount(levels[:, i], minlength=len(comparison.levels))[1:].astype(float)
        if counts.sum():
            m = _blend(counts, fs.m[i][1:], LABEL_PRIOR_WEIGHT)
            fs.m[i] = np.array([1.0, *np.clip(m, 1e-6, 1.0)])


def labelled_scores(
    features: pl.DataFrame,
    fs: FSModel,
    rows: list[tuple[int, int]],
    comparisons: tuple[Comparison, ...],
    frequencies: dict[str, np.ndarray],
) -> np.ndarray:
    if not rows:
        return np.zeros(0)
    ctx = PairContext(features, _pairs(rows))
    return probabilities(match_weights(ctx, compare_pairs(ctx, comparisons), fs, frequencies), fs)


def calibrate(
    same_scores: np.ndarray, not_same_scores: np.ndarray, match: float, review: float
) -> tuple[float | None, float | None]:
    """(match, review) thresholds from the labelled scores, kept in the configured order; ``None``
    where the labels are too few. The match threshold only ever moves within the review band and
    the review threshold only up, so labels narrow what stewards see; they never widen auto-merging
    below the review threshold."""
    # only the labels inside the review band say where within it the thresholds belong (stewards also
    # see pairs above the match threshold that a rule sent to review; those say nothing about scores)
    same_scores = same_scores[(same_scores >= review) & (same_scores < match)]
    not_same_scores = not_same_scores[(not_same_scores >= review) & (not_same_scores < match)]
    if len(same_scores) < MIN_LABELS or len(not_same_scores) < MIN_LABELS:
        return None, None
    scores = np.concatenate([same_scores, not_same_scores])
    is_same = np.concatenate([np.ones(len(same_scores), bool), np.zeros(len(not_same_scores), bool)])
    order = np.argsort(-scores, kind="stable")
    precision = np.cumsum(is_same[order]) / np.arange(1, len(order) + 1)
    precise = np.flatnonzero(precision >= MATCH_PRECISION)
    new_match = match
    if len(precise):
        lowest = float(scores[order][precise[-1]])
        new_match = float(np.clip(lowest, review + 1e-6, match))
    new_review = float(np.quantile(same_scores, REVIEW_MISS))
    new_review = float(np.clip(new_review, review, new_match - 1e-6))
    return new_match, new_review
