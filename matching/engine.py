"""The matching pipeline: normalise -> block -> compare -> score -> decide -> cluster -> explain."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.block import DEFAULT_KEYS, BlockingKey, BlockingStats, blocking_components, candidate_pairs
from matching.cluster import ClusterOutcome, ClusterParams, cluster
from matching.compare import DEFAULT_COMPARISONS, Comparison, PairContext, compare_pairs
from matching.conditions import PairFacts
from matching.decide import Decisions, decide
from matching.explain import Explainer, display_frame, with_reasons
from matching.features import build_features
from matching.fingerprint import engine_fingerprint
from matching.frame import conform
from matching.labels import Calibration, calibrate, labelled_scores, learn_m
from matching.model import MatchModel
from matching.normalize import THAI_LETTERS, warm_up
from matching.parallel import worker_processes
from matching.rules import RULES, Rule, rule_names
from matching.score import (
    FSModel,
    estimate_m,
    estimate_m_from_anchors,
    estimate_u,
    match_weights,
    probabilities,
)
from schemas import (
    DecisionKind,
    FieldComparison,
    MatchDecision,
    MatchingConfig,
    MatchPair,
    RecordKey,
    StewardDecision,
)
from schemas.csv_safe import safe_frame

#: Below this share of twin-like pairs that can be twins, the data holds no households
#: (``matching.households``: FEBRL has none, every such record there is a corrupted duplicate).
TWIN_SHARE_TO_DEMOTE = 0.05


@dataclass
class Constraints:
    """Steward decisions as pair constraints; they override any score."""

    must_link: list[tuple[RecordKey, RecordKey]] = field(default_factory=list)
    cannot_link: list[tuple[RecordKey, RecordKey]] = field(default_factory=list)

    @classmethod
    def from_decisions(cls, decisions: Iterable[StewardDecision]) -> Constraints:
        constraints = cls()
        for d in decisions:
            if d.kind is DecisionKind.SAME and d.left and d.right:
                constraints.must_link.append((RecordKey(*d.left), RecordKey(*d.right)))
            elif d.kind is DecisionKind.NOT_SAME and d.left and d.right:
                constraints.cannot_link.append((RecordKey(*d.left), RecordKey(*d.right)))
        return constraints


PAIR_COLUMNS = ("left_system", "left_id", "right_system", "right_id", "score", "decision")


def level_column(comparison: Comparison | str) -> str:
    """Name of the pairs frame's UInt8 column holding a comparison's level index."""
    return f"level_{getattr(comparison, 'name', comparison)}"


@dataclass
class MatchResult:
    """Scored pairs and clusters of one ``match_frame`` run.

    ``pairs`` has one row per candidate pair: ``left_system, left_id, right_system, right_id, score,
    decision, cut`` (a match pair clustering kept apart), ``rules`` (UInt8 bit mask over
    ``matching.explain.RULES``) and per comparison ``level_<name>`` (UInt8 index into that
    comparison's ``levels``). Explanations are not stored per pair; ``pair_rows`` builds them on demand.
    """

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    stats: dict[str, Any]
    #: The model the scores came from (trained on this frame unless one was passed in).
    model: MatchModel | None = None
    explainer: Explainer | None = field(default=None, repr=False)

    def pair_rows(
        self,
        decisions: Sequence[str | MatchDecision] = ("match", "review"),
        chunk_size: int = 50_000,
        among: np.ndarray | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pairs with the given decisions as the hub stores them, ``chunk_size`` dicts at a time.

        Each dict: ``left_system, left_id, right_system, right_id, score`` (float), ``decision`` (str),
        ``explanation`` (list of ``{field, level, weight, left, right}``, one per comparison, then one
        ``{"field": "rule", "level": <rule>, ...}`` per decision rule that applied). Chunked so that
        a million records' match and review pairs never exist as Python objects all at once.
        ``among``: per row of ``pairs``, whether it is wanted at all (the rest are not explained).
        """
        columns = self.pairs.select(PAIR_COLUMNS)
        for chunk in self._wanted_chunks(decisions, chunk_size, among):
            part = columns[chunk].iter_rows(named=True)
            if self.explainer is None:
                yield [{**row, "explanation": []} for row in part]
                continue
            yield [
                {**row, "explanation": explanation}
                for row, explanation in zip(part, self.explainer.explanations(chunk), strict=True)
            ]

    def pair_frames(
        self,
        decisions: Sequence[str | MatchDecision] = ("match", "review"),
        chunk_size: int = 50_000,
        among: np.ndarray | None = None,
    ) -> Iterator[pl.DataFrame]:
        """``pair_rows``' pairs as frames, ``chunk_size`` rows at a time: the same columns, with
        ``explanation`` as its JSON text (``Explainer.explanation_texts``), which the hub writes as it
        is -- no dict per pair on the way to the store."""
        columns = self.pairs.select(PAIR_COLUMNS)
        for chunk in self._wanted_chunks(decisions, chunk_size, among):
            part = columns[chunk]
            if self.explainer is None:
                yield part.with_columns(explanation=pl.lit("[]"))
            else:
                yield part.with_columns(self.explainer.explanation_texts(chunk))

    def _wanted_chunks(
        self, decisions: Sequence[str | MatchDecision], chunk_size: int, among: np.ndarray | None
    ) -> Iterator[np.ndarray]:
        """The row numbers of the pairs with ``decisions`` (and ``among``), ``chunk_size`` at a time."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        wanted = [str(getattr(d, "value", d)) for d in decisions]
        selected = self.pairs["decision"].is_in(wanted).to_numpy()
        rows = np.flatnonzero(selected if among is None else selected & among)
        for start in range(0, len(rows), chunk_size):
            yield rows[start : start + chunk_size]

    def pair_models(self) -> list[MatchPair]:
        """Match and review pairs as pydantic models for the store and the steward queue."""
        cut_reason = "cut by clustering: the records' clusters disagree elsewhere"
        models = []
        for chunk in self.pair_rows():
            for row in chunk:
                entries = row["explanation"]
                cut = any(e["field"] == "rule" and e["level"] == "cut_by_clustering" for e in entries)
                models.append(
                    MatchPair(
                        left=RecordKey(row["left_system"], row["left_id"]),
                        right=RecordKey(row["right_system"], row["right_id"]),
                        score=row["score"],
                        decision=MatchDecision(row["decision"]),
                        comparisons=[FieldComparison.model_validate(e) for e in with_reasons(entries)],
                        reason=cut_reason if cut else None,
                    )
                )
        return models

    def write(self, out_dir: str | Path) -> tuple[Path, Path]:
        """Write ``clusters.csv`` (source_system, source_id, golden_id) and ``pairs.csv``, formula-safe
        (``schemas.csv_safe``: a source id "=HYPERLINK(...)" is written as text)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        clusters_path, pairs_path = out / "clusters.csv", out / "pairs.csv"
        clusters = self.clusters.select(
            "source_system", "source_id", ("G" + pl.col("cluster_id").cast(pl.Utf8)).alias("golden_id")
        )
        safe_frame(clusters).write_csv(clusters_path)
        safe_frame(self.pairs.select(PAIR_COLUMNS)).write_csv(pairs_path)
        return clusters_path, pairs_path


def _peak_rss_mb() -> int:
    """The process's peak resident memory so far (MiB), per stage in the stats: where 1M records peak."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _rows_for(
    keys: list[tuple[RecordKey, RecordKey]], index: dict[tuple[str, str], int]
) -> tuple[list[tuple[int, int]], int]:
    rows, unknown = [], 0
    for a, b in keys:
        ra, rb = index.get((a[0], a[1])), index.get((b[0], b[1]))
        if ra is None or rb is None or ra == rb:
            unknown += 1
            continue
        rows.append((min(ra, rb), max(ra, rb)))
    return rows, unknown


def _pair_mask(left: np.ndarray, right: np.ndarray, rows: list[tuple[int, int]]) -> np.ndarray:
    if not rows:
        return np.zeros(len(left), dtype=bool)
    wanted = pl.DataFrame(rows, schema={"l": pl.Int64, "r": pl.Int64}, orient="row").with_columns(
        pl.lit(True).alias("hit")
    )
    frame = pl.DataFrame({"l": left.astype(np.int64), "r": right.astype(np.int64)})
    return (
        frame.join(wanted, on=["l", "r"], how="left", maintain_order="left")["hit"]
        .fill_null(False)
        .to_numpy()
    )


def _estimate(
    features: pl.DataFrame,
    comparisons: tuple[Comparison, ...],
    levels: np.ndarray | None,
    train: bool,
    labels: _Labels | None = None,
) -> MatchModel:
    """u from random pairs of ``features`` (``train``), m from anchors, by EM over candidate ``levels``
    (if given) and from steward ``labels``, which also calibrate the thresholds."""
    fs = FSModel.from_priors(comparisons)
    if train:
        estimate_u(features, fs)
        estimate_m_from_anchors(features, fs)
    if levels is not None:
        estimate_m(levels, fs)
    if labels is None or not (labels.same or labels.not_same):
        return MatchModel.from_estimates(fs, features)
    learn_m(features, fs, labels.same)
    model = MatchModel.from_estimates(fs, features)
    frequencies = model.record_frequencies(features, comparisons)
    match, review = calibrate(
        labelled_scores(features, fs, labels.same, comparisons, frequencies),
        labelled_scores(features, fs, labels.not_same, comparisons, frequencies),
        labels.match_threshold,
        labels.review_threshold,
    )
    model.calibration = Calibration(
        same=len(labels.same), not_same=len(labels.not_same), match_threshold=match, review_threshold=review
    )
    return model


@dataclass
class _Labels:
    """Steward decisions as labelled record rows, and the configured thresholds they calibrate."""

    same: list[tuple[int, int]]
    not_same: list[tuple[int, int]]
    match_threshold: float
    review_threshold: float

    @classmethod
    def of(cls, frame: pl.DataFrame, constraints: Constraints | None, config: MatchingConfig) -> _Labels:
        constraints = constraints or Constraints()
        same: list[tuple[int, int]] = []
        not_same: list[tuple[int, int]] = []
        if constraints.must_link or constraints.cannot_link:
            same, not_same, _ = _constraint_rows(frame, constraints)
        return cls(same, not_same, config.match_threshold, config.review_threshold)


def fingerprint(
    config: MatchingConfig | None = None,
    *,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    rules: tuple[Rule, ...] = RULES,
    cluster_params: ClusterParams | None = None,
) -> dict[str, str]:
    """The running engine's fingerprint (``matching.fingerprint``) for these settings."""
    config = config or MatchingConfig()
    return engine_fingerprint(
        comparisons=comparisons,
        blocking_keys=blocking_keys,
        rules=rules,
        thresholds={"match": config.match_threshold, "review": config.review_threshold},
        cluster_params=cluster_params,
    )


def train_model(
    frame: pl.DataFrame,
    config: MatchingConfig | None = None,
    *,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    rules: tuple[Rule, ...] = RULES,
    cluster_params: ClusterParams | None = None,
    constraints: Constraints | None = None,
    em: bool = False,
    features: pl.DataFrame | None = None,
) -> MatchModel:
    """Estimate everything data-dependent (u, optionally m by EM, term frequencies) from ``frame``.

    Pass the result to ``match_frame(..., model=...)`` to score later batches exactly like this data.
    The model records the fingerprint of the engine and settings it was trained for (thresholds
    included: they are not part of the model, but a change of them changes decisions everywhere).
    Steward ``constraints`` are labels: "same" pairs re-estimate m, and with enough of both kinds the
    thresholds are calibrated (``matching.labels``). ``features``: ``match_features(frame)`` when the
    caller has them already (the sync's plan needs them for ``candidate_components`` too).
    """
    frame = conform(frame)
    features = _normalize(frame) if features is None else features
    levels = None
    if em:
        pairs, _ = candidate_pairs(features, blocking_keys)
        levels = compare_pairs(PairContext(features, pairs), comparisons)
    settings = _Settings(comparisons, blocking_keys, rules, cluster_params)
    return _train(frame, features, levels, True, constraints, config or MatchingConfig(), settings)


@dataclass(frozen=True)
class _Settings:
    """What decides a match besides the data and the thresholds: hashed into the model's fingerprint."""

    comparisons: tuple[Comparison, ...]
    blocking_keys: tuple[BlockingKey, ...]
    rules: tuple[Rule, ...]
    cluster_params: ClusterParams | None


def _train(
    frame: pl.DataFrame,
    features: pl.DataFrame,
    levels: np.ndarray | None,
    train: bool,
    constraints: Constraints | None,
    config: MatchingConfig,
    settings: _Settings,
) -> MatchModel:
    """A model estimated from ``frame`` (steward ``constraints`` as labels), with its fingerprint."""
    labels = _Labels.of(frame, constraints, config)
    model = _estimate(features, settings.comparisons, levels, train, labels)
    model.fingerprint = fingerprint(
        config,
        comparisons=settings.comparisons,
        blocking_keys=settings.blocking_keys,
        rules=settings.rules,
        cluster_params=settings.cluster_params,
    )
    return model


def _key_rank(frame: pl.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Per row of ``rows``, the rank of its (source_system, source_id) among theirs: an order
    independent of the batch. Clustering asks for the few rows it must order (keys are unique, so this
    orders them as the rank over the whole frame would; that sort took 0.6 s at a million records)."""
    keys = frame.select("source_system", "source_id")[rows]
    order = keys.select(pl.arg_sort_by("source_system", "source_id")).to_series().to_numpy()
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows))
    return rank


def _constraint_rows(
    frame: pl.DataFrame, constraints: Constraints
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    index = {
        k: i
        for i, k in enumerate(
            zip(frame["source_system"].to_list(), frame["source_id"].to_list(), strict=True)
        )
    }
    must_rows, unknown_must = _rows_for(constraints.must_link, index)
    cannot_rows, unknown_cannot = _rows_for(constraints.cannot_link, index)
    return must_rows, cannot_rows, unknown_must + unknown_cannot


def candidate_components(
    frame: pl.DataFrame,
    model: MatchModel | None = None,
    constraints: Constraints | None = None,
    *,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    features: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``source_system, source_id, component`` (Int64): connected components of the blocking graph.

    Normalise and block only, no scoring. Two records in different components are never compared and
    never clustered together, so after new or changed records arrive the hub re-matches just the
    components that contain them: ``match_frame`` over a union of whole components (with a fixed
    ``model``) gives exactly the clusters the full frame would give those records. Every record
    sharing any blocking value, oversized blocks included (see ``block.blocking_components``), and the
    two sides of every must-link constraint are in one component. ``model`` is accepted so callers can
    pass what they pass to ``match_frame``; blocking itself learns nothing from data. ``features``:
    ``match_features(frame)`` when the caller has them already.
    """
    del model
    frame = conform(frame)
    features = _normalize(frame) if features is None else features
    must_rows, _, _ = _constraint_rows(frame, constraints or Constraints())
    labels = blocking_components(features, blocking_keys, must_rows)
    # number components by their first row so the labels read like cluster ids
    first = np.full(labels.max() + 1 if len(labels) else 0, len(labels), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels)))
    return pl.DataFrame(
        {
            "source_system": frame["source_system"],
            "source_id": frame["source_id"],
            "component": pl.Series(first[labels], dtype=pl.Int64),
        }
    )


class _Stopwatch:
    """Seconds and peak memory per stage, for the stats: where a million records spend their time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, int] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._clock, 3)
        self.peak_mb[stage] = _peak_rss_mb()
        self._clock = now


@dataclass
class _Steward:
    """Steward constraints as record rows and as masks over the candidate pairs."""

    must_rows: list[tuple[int, int]]
    cannot_rows: list[tuple[int, int]]
    unknown: int
    must: np.ndarray
    cannot: np.ndarray

    @classmethod
    def over(cls, frame: pl.DataFrame, ctx: PairContext, constraints: Constraints) -> _Steward:
        must_rows, cannot_rows, unknown = _constraint_rows(frame, constraints)
        left, right = ctx.left.astype(np.int64), ctx.right.astype(np.int64)
        must, cannot = _pair_mask(left, right, must_rows), _pair_mask(left, right, cannot_rows)
        return cls(must_rows, cannot_rows, unknown, must, cannot)


def _score(
    ctx: PairContext,
    features: pl.DataFrame,
    levels: np.ndarray,
    comparisons: tuple[Comparison, ...],
    model: MatchModel,
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair and field the weight, per pair the match probability."""
    fs = model.estimates(comparisons)
    weights = match_weights(ctx, levels, fs, model.record_frequencies(features, comparisons))
    return weights, probabilities(weights, fs)


def _decide(
    frame: pl.DataFrame,
    ctx: PairContext,
    levels: np.ndarray,
    comparisons: tuple[Comparison, ...],
    scores: np.ndarray,
    model: MatchModel,
    config: MatchingConfig,
    steward: _Steward,
    rules: tuple[Rule, ...],
) -> Decisions:
    """The rule table over the pairs; its level masks and facts are freed before clustering."""
    system = frame["source_system"].rank("dense").to_numpy()
    facts = PairFacts(ctx, levels, comparisons, system, model.twin_share >= TWIN_SHARE_TO_DEMOTE)
    match_threshold, review_threshold = model.thresholds(config.match_threshold, config.review_threshold)
    return decide(facts, scores, match_threshold, review_threshold, steward.must, steward.cannot, rules)


def _cluster(
    frame: pl.DataFrame,
    features: pl.DataFrame,
    ctx: PairContext,
    scores: np.ndarray,
    decisions: Decisions,
    steward: _Steward,
    params: ClusterParams | None,
) -> ClusterOutcome:
    return cluster(
        frame.height,
        ctx.left.astype(np.int64),
        ctx.right.astype(np.int64),
        np.where(decisions.veto, 0.0, scores),
        decisions.is_match,
        steward.must_rows,
        steward.cannot_rows,
        params,
        rank=partial(_key_rank, frame),
        anchored=decisions.anchored,
        ambiguous=decisions.ambiguous,
        suffix=features["suffix"].rank("dense").fill_null(0).cast(pl.Int64).to_numpy() - 1,
    )


def _pairs_frame(
    frame: pl.DataFrame,
    ctx: PairContext,
    comparisons: tuple[Comparison, ...],
    levels: np.ndarray,
    scores: np.ndarray,
    decisions: Decisions,
    cut: np.ndarray,
) -> pl.DataFrame:
    codes = np.where(decisions.is_match, 0, np.where(decisions.is_review, 1, 2)).astype(np.uint32)
    systems, ids = frame["source_system"], frame["source_id"]
    return pl.DataFrame(
        {
            "left_system": systems.gather(ctx.left),
            "left_id": ids.gather(ctx.left),
            "right_system": systems.gather(ctx.right),
            "right_id": ids.gather(ctx.right),
            "score": pl.Series(scores, dtype=pl.Float64),
            "decision": pl.Series(["match", "review", "distinct"], dtype=pl.Utf8).gather(codes),
            "cut": pl.Series(cut, dtype=pl.Boolean),
            "rules": pl.Series(decisions.rules, dtype=pl.UInt64),
            **{
                level_column(c): pl.Series(levels[:, i].astype(np.uint8), dtype=pl.UInt8)
                for i, c in enumerate(comparisons)
            },
        }
    )


def _stats(
    pairs: pl.DataFrame,
    labels: np.ndarray,
    block_stats: BlockingStats,
    steward: _Steward,
    outcome: ClusterOutcome,
    model: MatchModel,
    decisions: Decisions,
    watch: _Stopwatch,
) -> dict[str, Any]:
    match = int(np.count_nonzero(decisions.is_match))
    review = int(np.count_nonzero(decisions.is_review & ~decisions.is_match))
    return {
        "records": len(labels),
        "candidate_pairs": pairs.height,
        # from the masks the decision column was written from: counting its strings took 0.4 s at 1M
        "pairs_by_decision": {"match": match, "review": review, "distinct": pairs.height - match - review},
        "rules_fired": decisions.fired_counts,
        "blocking_keys": block_stats.pairs_by_key,
        "oversized_blocks": block_stats.oversized_blocks,
        # each cluster's label is one of its rows; np.unique hashes (1 s at a million records)
        "clusters": int(np.count_nonzero(np.bincount(labels))),
        "cut_pairs": int(pairs["cut"].sum()),
        "constraints": {
            "must_link": len(steward.must_rows),
            "cannot_link": len(steward.cannot_rows),
            "unknown_records": steward.unknown,
            "conflicts": len(outcome.constraint_conflicts),
        },
        "model": {
            "match_rate": model.match_rate,
            "em_iterations": model.em_iterations,
            "trained_on_records": model.trained_on_records,
        },
        "seconds": watch.seconds,
        "peak_rss_mb": watch.peak_mb,
    }


#: From this many records on, the per-value normalisers run in worker processes (``matching.parallel``);
#: below it forking and loading the dictionaries cost more than they save.
PARALLEL_RECORDS = 50_000


def match_features(frame: pl.DataFrame) -> pl.DataFrame:
    """The normalised feature columns of a flat frame, on every core for a large one: what
    ``train_model`` and ``candidate_components`` compute first; compute once, pass to both."""
    return _normalize(conform(frame))


def features_of(features: pl.DataFrame, frame: pl.DataFrame, subset: pl.DataFrame) -> pl.DataFrame | None:
    """The rows of ``features`` (``match_features(frame)``) for the records of ``subset``, in
    ``subset``'s order and numbered as its rows: normalising is per record, so they equal
    ``match_features(subset)``. ``None`` when ``subset`` holds a record ``frame`` has not."""
    key = ["source_system", "source_id"]
    wanted = subset.select(key).with_row_index("_at")
    found = frame.select(key).with_row_index("_from").join(wanted, on=key, how="inner")
    if found.height != subset.height:
        return None
    rows = found.sort("_at")["_from"]
    return features[rows].with_columns(pl.int_range(pl.len()).cast(features.schema["_row"]).alias("_row"))


def _normalize(frame: pl.DataFrame) -> pl.DataFrame:
    """``build_features`` on every core for a large frame (the same features as on one)."""
    processes = None if frame.height >= PARALLEL_RECORDS else 1
    names = ("given_name", "family_name", "full_name", "organization_name")
    thai = frame.select(pl.any_horizontal(pl.col(c).str.contains(THAI_LETTERS) for c in names).any())
    with worker_processes(processes, warm_up=partial(warm_up, thai=bool(thai.item()))):
        return build_features(frame)


def match_frame(
    frame: pl.DataFrame,
    config: MatchingConfig | None = None,
    constraints: Constraints | None = None,
    *,
    model: MatchModel | None = None,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    rules: tuple[Rule, ...] = RULES,
    cluster_params: ClusterParams | None = None,
    train: bool = True,
    em: bool = False,
    features: pl.DataFrame | None = None,
) -> MatchResult:
    """Deduplicate a flat frame (see :mod:`matching.frame`) into scored pairs and clusters.

    normalize -> block -> compare -> score -> apply the rules (``matching.decide``) -> cluster.
    With ``model`` (from ``train_model``) nothing is estimated from ``frame``, term frequencies
    included: a pair's score depends only on its two records and the model, and clusters only on the
    pairs inside one candidate component (see ``candidate_components``). Without it a model is trained
    on ``frame`` first: ``train`` estimates u from random pairs of this data; ``em`` additionally
    re-estimates m with EM (off by default: on the generated multilingual set it drifts towards
    "everything matches"). ``result.model`` is the model used either way. ``features``: the rows of
    ``frame``, in its order, from ``match_features`` over a larger frame (``features_of``), when the
    caller normalised them already.
    """
    config = config or MatchingConfig()
    watch = _Stopwatch()
    frame = conform(frame)
    features = _normalize(frame) if features is None else features
    watch.lap("normalize")
    pairs, block_stats = candidate_pairs(features, blocking_keys)
    watch.lap("block")
    ctx = PairContext(features, pairs)
    levels = compare_pairs(ctx, comparisons)
    watch.lap("compare")
    constraints = constraints or Constraints()
    if model is None:
        settings = _Settings(comparisons, blocking_keys, rules, cluster_params)
        model = _train(frame, features, levels if em else None, train, constraints, config, settings)
    weights, scores = _score(ctx, features, levels, comparisons, model)
    # the rules and the clustering look at a few columns only (encoded again on demand): the codes of
    # all the compared ones would stay with ``features`` to the end of the run
    ctx.release()
    # only the explanations read the weights, in float32: let the float64 matrix go before deciding
    weights = weights.astype(np.float32)
    watch.lap("score")
    steward = _Steward.over(frame, ctx, constraints)
    decisions = _decide(frame, ctx, levels, comparisons, scores, model, config, steward, rules)
    watch.lap("decide")
    outcome = _cluster(frame, features, ctx, scores, decisions, steward, cluster_params)
    labels = outcome.labels
    cut = decisions.is_match & (labels[ctx.left] != labels[ctx.right])
    decisions.add_outcome("cut_by_clustering", cut)
    watch.lap("cluster")
    pairs_out = _pairs_frame(frame, ctx, comparisons, levels, scores, decisions, cut)
    explainer = Explainer(
        comparisons,
        display_frame(features, comparisons),
        ctx.left,
        ctx.right,
        levels,
        weights,
        decisions.rules,
        rule_names(rules),
    )
    clusters = pl.DataFrame(
        {
            "source_system": frame["source_system"],
            "source_id": frame["source_id"],
            "cluster_id": pl.Series(labels, dtype=pl.Int64),
        }
    )
    watch.lap("output")
    stats = _stats(pairs_out, labels, block_stats, steward, outcome, model, decisions, watch)
    return MatchResult(pairs_out, clusters, stats, model, explainer)
