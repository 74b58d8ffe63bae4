"""Accuracy of a clustering against the truth, computed from cluster sizes only.

Every metric here is derived from the contingency table ``n(c, t)`` = number of records that the tool
put in predicted cluster ``c`` and that truly belong to entity ``t``. That table has at most one row per
record, so 1M records never turn into ~10^12 candidate pairs: the number of pairs inside a group of
``k`` records is simply ``k*(k-1)/2``.

Definitions (``N`` records, ``C(k) = k*(k-1)/2``):

* **Pair metrics** - a predicted pair is any two records in the same predicted cluster (so transitive
  merges count, exactly as a golden record would fuse them); a true pair is any two records of the same
  entity. ``TP = sum C(n(c,t))``, precision ``TP / sum C(|c|)``, recall ``TP / sum C(|t|)``.
* **B-cubed** (Bagga & Baldwin 1998) - per record ``r``: precision ``n(c_r,t_r) / |c_r|``, recall
  ``n(c_r,t_r) / |t_r|``; both averaged over all records. Unlike pair metrics it is not dominated by
  the largest clusters.
* **Exact clusters** - a predicted cluster is exact when it holds precisely the records of one entity
  (``n(c,t) = |c| = |t|``). Exact recall = share of true entities reproduced exactly (singletons
  included: leaving a lone customer alone is a correct outcome); exact precision = share of predicted
  clusters that are exact; exact F1 their harmonic mean.
* **Impure clusters** - predicted clusters holding records of two or more entities: the count of wrong
  merges, the failure CRM Hub must avoid above all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

KEY = ["source_system", "source_id"]


@dataclass(frozen=True)
class ClusterScores:
    records: int
    true_clusters: int
    predicted_clusters: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    exact_precision: float
    exact_recall: float
    exact_f1: float
    impure_clusters: int
    #: Records the tool did not return at all; scored as singletons (never silently ignored).
    missing_records: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _ratio(numerator: float, denominator: float) -> float:
    """Ratio with the convention that nothing asked of a tool is nothing it got wrong (1.0)."""
    return 1.0 if denominator == 0 else numerator / denominator


def _pairs(size: pl.Expr) -> pl.Expr:
    return (size * (size - 1) // 2).cast(pl.Int64)


def align_predictions(truth: pl.DataFrame, predicted: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Join predicted cluster ids onto the truth; records the tool left out become singletons.

    Returns the frame (``cluster_id``, ``truth_id``; both strings) and how many records were missing.
    Predictions for records that are not in the truth, or a record in two clusters, are harness bugs
    or tool bugs and raise instead of skewing the numbers.
    """
    _require_columns(truth, [*KEY, "truth_id"], "truth")
    _require_columns(predicted, [*KEY, "cluster_id"], "predictions")
    predicted = predicted.select(
        *[pl.col(c).cast(pl.String) for c in KEY], pl.col("cluster_id").cast(pl.String)
    )
    truth = truth.select(*[pl.col(c).cast(pl.String) for c in KEY], pl.col("truth_id").cast(pl.String))
    duplicated = predicted.filter(pl.struct(KEY).is_duplicated())
    if duplicated.height:
        raise ValueError(f"{duplicated.height} prediction rows repeat a record key, e.g. {duplicated.row(0)}")
    unknown = predicted.join(truth, on=KEY, how="anti")
    if unknown.height:
        raise ValueError(f"{unknown.height} predicted records are not in the data set, e.g. {unknown.row(0)}")
    joined = truth.join(predicted, on=KEY, how="left")
    missing = joined["cluster_id"].null_count()
    # Namespaced so that a synthetic singleton id can never collide with a tool's own cluster id.
    joined = joined.with_columns(
        pl.coalesce(
            pl.lit("p:") + pl.col("cluster_id"),
            pl.lit("missing:") + pl.col("source_system") + pl.lit(":") + pl.col("source_id"),
        ).alias("cluster_id")
    )
    return joined.select("cluster_id", "truth_id"), missing


def score_clusters(truth: pl.DataFrame, predicted: pl.DataFrame) -> ClusterScores:
    """Score predicted clusters (``source_system, source_id, cluster_id``) against ``truth_id`` labels."""
    labelled, missing = align_predictions(truth, predicted)
    n = labelled.height
    if n == 0:
        raise ValueError("cannot score an empty data set")
    cells = labelled.group_by("cluster_id", "truth_id").agg(pl.len().alias("n_ct"))
    cells = cells.join(
        labelled.group_by("cluster_id").agg(pl.len().alias("n_c")), on="cluster_id"
    ).join(labelled.group_by("truth_id").agg(pl.len().alias("n_t")), on="truth_id")
    totals = cells.select(
        _pairs(pl.col("n_ct")).sum().alias("tp"),
        (pl.col("n_ct") ** 2 / pl.col("n_c")).sum().alias("b3_p"),
        (pl.col("n_ct") ** 2 / pl.col("n_t")).sum().alias("b3_r"),
        ((pl.col("n_ct") == pl.col("n_c")) & (pl.col("n_ct") == pl.col("n_t"))).sum().alias("exact"),
    ).row(0, named=True)
    cluster_sizes = cells.unique("cluster_id").select("cluster_id", "n_c")
    truth_sizes = cells.unique("truth_id").select("truth_id", "n_t")
    predicted_pairs = int(cluster_sizes.select(_pairs(pl.col("n_c")).sum()).item())
    true_pairs = int(truth_sizes.select(_pairs(pl.col("n_t")).sum()).item())
    impure = int(cells.group_by("cluster_id").agg(pl.len().alias("k")).filter(pl.col("k") > 1).height)

    tp = int(totals["tp"])
    pair_p, pair_r = _ratio(tp, predicted_pairs), _ratio(tp, true_pairs)
    b3_p, b3_r = totals["b3_p"] / n, totals["b3_r"] / n
    exact = int(totals["exact"])
    exact_p, exact_r = exact / cluster_sizes.height, exact / truth_sizes.height
    return ClusterScores(
        records=n,
        true_clusters=truth_sizes.height,
        predicted_clusters=cluster_sizes.height,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp,
        pair_precision=pair_p,
        pair_recall=pair_r,
        pair_f1=f1(pair_p, pair_r),
        bcubed_precision=b3_p,
        bcubed_recall=b3_r,
        bcubed_f1=f1(b3_p, b3_r),
        exact_precision=exact_p,
        exact_recall=exact_r,
        exact_f1=f1(exact_p, exact_r),
        impure_clusters=impure,
        missing_records=missing,
    )


def _require_columns(frame: pl.DataFrame, columns: list[str], what: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"{what} lacks column(s) {', '.join(absent)}; has {', '.join(frame.columns)}")
