"""Examples of a tool's mistakes, for whoever tunes the matcher: wrong merges and missed merges.

The scores say how often a tool errs; these files say how. The smallest offending clusters are
picked first because a 3-record wrong merge is readable and a 40-record one is not.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from bench.datasets import TRUTH

ErrorKind = Literal["impure", "split"]


def error_examples(
    frame: pl.DataFrame, clusters: pl.DataFrame, kind: ErrorKind, limit: int = 20
) -> pl.DataFrame:
    """Records of up to ``limit`` groups showing one kind of error, with their ``cluster_id``.

    ``impure``: predicted clusters holding several real customers (grouped by ``cluster_id``).
    ``split``: real customers spread over several predicted clusters (grouped by ``truth_id``).
    ``frame`` is the data set (flat columns + ``truth_id``); records without a cluster are skipped.
    """
    group, other = ("cluster_id", TRUTH) if kind == "impure" else (TRUTH, "cluster_id")
    labelled = frame.join(
        clusters.select("source_system", "source_id", pl.col("cluster_id").cast(pl.String)),
        on=["source_system", "source_id"],
    )
    offenders = (
        labelled.group_by(group)
        .agg(pl.col(other).n_unique().alias("parts"), pl.len().alias("size"))
        .filter(pl.col("parts") > 1)
        .sort("size", group)
        .head(limit)
    )
    return (
        labelled.join(offenders.select(group, "size"), on=group)
        .sort("size", group, other, "source_system", "source_id")
        .select(group, other, *[c for c in frame.columns if c != TRUTH])
    )
