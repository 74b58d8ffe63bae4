"""Fellegi–Sunter scoring: a match weight log2(m/u) per field level, summed into a match probability.

* ``u`` (how often a level happens between two *different* customers) is counted on random record pairs,
  exactly as it will occur by chance in this data set.
* ``m`` (how often a level happens between two records of the *same* customer) is estimated with EM on
  the candidate pairs, without labels; the comparison priors act as pseudo-counts so that a small or
  odd data set cannot drive an estimate to 0 or 1.
* exact name agreement is adjusted by the name's frequency: sharing "Nguyen Van Anh" says less than
  sharing a rare name (term-frequency adjustment), clamped so one field can never decide alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from matching.block import BlockingKey, candidate_pairs
from matching.compare import Comparison, PairContext, compare_pairs

#: Pseudo-counts given to the priors when blending with counts from the data.
U_PRIOR_WEIGHT = 1_000.0
M_PRIOR_WEIGHT = 50.0
#: Prior share of matches among candidate pairs and its pseudo-count weight. Without it, EM on a few
#: dozen pairs happily decides that *every* candidate pair is a match.
PRIOR_MATCH_RATE = 0.1
RATE_PRIOR_WEIGHT = 200.0
#: Below this many candidate pairs EM is not run at all; the comparison priors are used as they are.
MIN_PAIRS_FOR_EM = 1_000
#: Bits by which term frequency may move an exact-level weight away from its average.
TF_MAX_ADJUSTMENT = 3.0
#: Per comparison, the feature columns that identify a customer *without* it: two records equal on all
#: of them are one customer, so how the field compares between them is its ``m`` (Splink trains the
#: same way, with EM sessions blocked on the other fields). Every comparison that can disagree within
#: one customer has one; the Jr./Sr. suffix has none (no combination of other fields tells father from
#: son), so its prior stands. A list column (several e-mails) is exploded.
ANCHORS: dict[str, tuple[str, ...]] = {
    "name": ("emails", "dob"),
    "legal_form": ("org_key", "tax"),
    "email": ("any_name_key", "dob", "postal"),
    "phone": ("any_name_key", "dob", "postal"),
    "date_of_birth": ("any_name_key", "tax", "postal"),
    "tax_id": ("any_name_key", "dob", "postal"),
    "address": ("any_name_key", "dob", "emails"),
}
#: Anchor groups above this size are left out (a common name whose id is a placeholder such as 0).
MAX_ANCHOR_GROUP = 10


@dataclass
class FSModel:
    comparisons: tuple[Comparison, ...]
    #: Per comparison, probabilities for levels 1..n (index 0 = null is unused and kept at 1).
    m: list[np.ndarray]
    u: list[np.ndarray]
    #: Prior probability that a candidate pair is a match (estimated by EM).
    match_rate: float = PRIOR_MATCH_RATE
    em_iterations: int = 0
    history: list[float] = field(default_factory=list)

    @classmethod
    def from_priors(cls, comparisons: tuple[Comparison, ...]) -> FSModel:
        return cls(
            comparisons,
            [np.array([1.0, *c.prior_m]) for c in comparisons],
            [np.array([1.0, *c.prior_u]) for c in comparisons],
        )

    def weight_table(self) -> list[np.ndarray]:
        """log2(m/u) per level; the null level weighs 0 (no evidence either way)."""
        tables = []
        for m, u in zip(self.m, self.u, strict=True):
            w = np.log2(m / u)
            w[0] = 0.0
            tables.append(w)
        return tables

    def as_dict(self) -> dict[str, dict[str, dict[str, float]]]:
        return {
            c.name: {
                level: {"m": float(m[i]), "u": float(u[i]), "weight": float(np.log2(m[i] / u[i]))}
                for i, level in enumerate(c.levels)
                if i
            }
            for c, m, u in zip(self.comparisons, self.m, self.u, strict=True)
        }


def _blend(counts: np.ndarray, prior: np.ndarray, weight: float) -> np.ndarray:
    total = counts.sum()
    blended: np.ndarray = (counts + weight * prior) / (total + weight)
    return blended


def estimate_u(features: pl.DataFrame, model: FSModel, sample_pairs: int = 200_000, seed: int = 42) -> None:
    """Count level frequencies on random record pairs (almost all non-matches) to set ``u``."""
    n = features.height
    if n < 2:
        return
    rng = np.random.default_rng(seed)
    size = min(sample_pairs, n * (n - 1) // 2)
    left = rng.integers(0, n, size=size, dtype=np.int64)
    right = rng.integers(0, n - 1, size=size, dtype=np.int64)
    right = np.where(right >= left, right + 1, right)  # never a record with itself
    pairs = pl.DataFrame({"l": left.astype(np.uint32), "r": right.astype(np.uint32)})
    levels = compare_pairs(PairContext(features, pairs), model.comparisons)
    for i, comparison in enumerate(model.comparisons):
        counts = np.bincount(levels[:, i], minlength=len(comparison.levels))[1:].astype(float)
        u = _blend(counts, np.array(comparison.prior_u), U_PRIOR_WEIGHT)
        model.u[i] = np.array([1.0, *np.clip(u, 1e-7, 1.0)])


def estimate_m_from_anchors(features: pl.DataFrame, model: FSModel) -> None:
    """``m`` of the birth date and the id number from the pairs the other identifiers make certain.

    The priors say a customer's birth date disagrees beyond a typo once in 2,000 records; data sets
    differ (FEBRL replaces it in a few percent of its duplicates). Two persons' records with the same
    name, id number and postal code are one customer, so how their birth dates compare is counted as
    ``m`` (and the other way round for the id). A blocking key on those columns with small blocks, not
    the candidate pairs: as cheap as the u estimate, and the same for a full match and ``train_model``.
    The priors stay as pseudo-counts, so a handful of anchor pairs moves little.
    """
    for i, comparison in enumerate(model.comparisons):
        columns = list(ANCHORS.get(comparison.name, ()))
        if not columns or not set(columns) <= set(features.columns):
            continue
        # a blocking key over the anchor columns (organisations pair only with organisations, and have no
        # birth date: their pairs land on the null level, which is not counted)
        lists = [c for c in columns if features.schema[c] == pl.List(pl.Utf8)]
        key = BlockingKey(
            f"anchor:{comparison.name}",
            tuple(columns),
            explode=lists[0] if lists else None,
            max_block_size=MAX_ANCHOR_GROUP,
        )
        pairs, _ = candidate_pairs(features, (key,))
        if not pairs.height:
            continue
        levels = compare_pairs(PairContext(features, pairs), (comparison,))[:, 0]
        counts = np.bincount(levels, minlength=len(comparison.levels))[1:].astype(float)
        m = _blend(counts, np.array(comparison.prior_m), M_PRIOR_WEIGHT)
        model.m[i] = np.array([1.0, *np.clip(m, 1e-6, 1.0)])


def estimate_m(levels: np.ndarray, model: FSModel, iterations: int = 25, tolerance: float = 1e-5) -> None:
    """Unsupervised EM over the candidate pairs; ``u`` stays fixed (from random pairs), as in Splink."""
    if len(levels) < MIN_PAIRS_FOR_EM:
        return
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    counts = counts.astype(float)
    rate = model.match_rate
    for iteration in range(1, iterations + 1):
        weights = model.weight_table()
        logit = np.log2(rate / (1 - rate)) + sum(w[patterns[:, i]] for i, w in enumerate(weights))
        posterior = 1.0 / (1.0 + np.exp2(-np.clip(logit, -60, 60)))
        matched = posterior * counts
        new_rate = (matched.sum() + RATE_PRIOR_WEIGHT * PRIOR_MATCH_RATE) / (counts.sum() + RATE_PRIOR_WEIGHT)
        new_rate = float(np.clip(new_rate, 1e-6, 1 - 1e-6))
        change = abs(new_rate - rate)
        rate = new_rate
        for i, comparison in enumerate(model.comparisons):
            level_counts = np.bincount(patterns[:, i], weights=matched, minlength=len(comparison.levels))[1:]
            m = _blend(level_counts, np.array(comparison.prior_m), M_PRIOR_WEIGHT)
            old = model.m[i][1:]
            change = max(change, float(np.abs(m - old).max()))
            model.m[i] = np.array([1.0, *np.clip(m, 1e-6, 1.0)])
        model.history.append(rate)
        model.em_iterations = iteration
        if change < tolerance:
            break
    model.match_rate = rate


def match_weights(
    ctx: PairContext, levels: np.ndarray, model: FSModel, frequencies: dict[str, np.ndarray]
) -> np.ndarray:
    """Weight matrix (pairs x comparisons) including the term-frequency adjustment of exact levels.

    ``frequencies``: comparison name -> per-record frequency of the compared value, taken from the
    frozen model (never from the batch being matched, so a pair's score depends on the pair alone).
    """
    tables = model.weight_table()
    # filled column by column in place: stacking per-column arrays held the matrix twice (2 x 256 MB for
    # the 4M candidate pairs of a million records)
    weights = np.empty((len(levels), len(tables)))
    for i, table in enumerate(tables):
        weights[:, i] = table[levels[:, i]]
    for i, comparison in enumerate(model.comparisons):
        if comparison.name not in frequencies or not len(levels):
            continue
        # the commoner of the two values: they differ where "exact" came from another reading (蔡怡君 read
        # as "tsai yi chun"), and the pair's score must not depend on which record came first; only the
        # exact pairs get the adjustment, so only theirs is computed
        exact = np.flatnonzero(levels[:, i] == 1)
        values = frequencies[comparison.name]
        tf = np.maximum(values[ctx.left[exact]], values[ctx.right[exact]])
        u_exact = model.u[i][1]
        adjustment = np.clip(np.log2(u_exact / np.maximum(tf, 1e-9)), -TF_MAX_ADJUSTMENT, TF_MAX_ADJUSTMENT)
        weights[exact, i] += adjustment
    return weights


def probabilities(weights: np.ndarray, model: FSModel) -> np.ndarray:
    logit = np.log2(model.match_rate / (1 - model.match_rate)) + weights.sum(axis=1)
    probability: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(logit, -60, 60)))
    return probability
