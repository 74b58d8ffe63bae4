"""The matchers under test behind one signature: flat records in, ``(system, id, cluster_id)`` out.

Imports happen inside each function so that a tool that is missing or broken fails only its own
subprocess, and so that the worker's peak memory includes only the tool it runs.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

ClusterFn = Callable[[pl.DataFrame, str], pl.DataFrame]


def crmhub_clusters(records: pl.DataFrame, link_type: str) -> pl.DataFrame:
    """CRM Hub's matcher with its default ``MatchingConfig`` (it always dedupes the union)."""
    from matching import match_frame

    result = match_frame(records)
    return result.clusters.select("source_system", "source_id", pl.col("cluster_id").cast(pl.String))


def splink_clusters(records: pl.DataFrame, link_type: str) -> pl.DataFrame:
    from bench.splink_runner import splink_clusters as run

    return run(records, link_type)


def goldenmatch_clusters(records: pl.DataFrame, link_type: str) -> pl.DataFrame:
    from bench.goldenmatch_runner import goldenmatch_clusters as run

    return run(records, link_type)


def baseline_clusters(records: pl.DataFrame, link_type: str) -> pl.DataFrame:
    from bench.baseline import exact_key_clusters

    return exact_key_clusters(records)


TOOLS: dict[str, ClusterFn] = {
    "crmhub": crmhub_clusters,
    "splink": splink_clusters,
    "goldenmatch": goldenmatch_clusters,
    "baseline": baseline_clusters,
}
LABELS = {
    "crmhub": "CRM Hub", "splink": "Splink", "goldenmatch": "GoldenMatch", "baseline": "exact-key baseline",
}
#: Peers CRM Hub is compared against; each gets a ratio row in the report.
PEERS = ["splink", "goldenmatch"]
