"""Which records a matching run must look at: everything, or only the candidate components that
contain new, changed, deleted or steward-decided records (incremental matching).

With a frozen model, a pair's score depends only on its two records and clusters only on pairs inside
one candidate component (``matching.candidate_components``), so re-matching just the affected
components gives exactly what a full rebuild would give — the property the tests check. Of what is
re-matched, only the golden records that can come out different are rebuilt (``unchanged_clusters``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hub.store.common import KEY_COLUMNS, key_frame, rows_of
from schemas import RecordKey


@dataclass
class MatchScope:
    frame: pl.DataFrame  # the live records to match
    scope: set[RecordKey] | None  # records whose golden records are rebuilt (None = all)
    components: int = 0  # candidate components re-matched (incremental runs)

    @classmethod
    def nothing(cls) -> MatchScope:
        """Nothing new, changed, deleted or decided since the last run: no record to match."""
        return cls(frame=key_frame([]), scope=set())


_KEY = KEY_COLUMNS


def _edges(
    links: pl.DataFrame, records: pl.DataFrame, group: str, first: int
) -> tuple[pl.Series, pl.Series, int]:
    """Edges from each record of ``links`` (its node in ``records``) to its ``group`` value, the values
    numbered as nodes from ``first``; and how many values."""
    groups = links.select(group).unique().with_row_index("_group")
    joined = links.join(records, on=_KEY).join(groups, on=group)
    return joined["_node"], joined["_group"].cast(pl.Int64) + first, groups.height


def affected_scope(
    frame: pl.DataFrame,
    components: pl.DataFrame,
    dirty: set[RecordKey],
    links: pl.DataFrame,
) -> MatchScope:
    """Close ``dirty`` over candidate components and previous golden records, and cut the frame to it.

    A previous golden record that loses a member (deleted, or moved to another component by a change)
    must be rebuilt too, and so must every component its remaining members sit in. That closure is
    the connected components, holding a dirty record, of the graph linking each record to its
    candidate component and its golden record: computed over columns (as Python sets of keys it cost
    ~4 s at 100k records). ``links``: every record's golden id (``GoldenRepository.links_frame``).
    """
    in_component = components.select(*_KEY, "component")
    in_golden = links.select(*_KEY, golden="golden_id")
    changed = key_frame(dirty)
    records = (
        pl.concat([in_component.select(_KEY), in_golden.select(_KEY), changed])
        .unique()
        .with_row_index("_node")
        .with_columns(pl.col("_node").cast(pl.Int64))
    )
    n = records.height
    to_component, component_node, n_components = _edges(in_component, records, "component", n)
    to_golden, golden_node, n_golden = _edges(in_golden, records, "golden", n + n_components)
    size = n + n_components + n_golden
    left = pl.concat([to_component, to_golden]).to_numpy()
    right = pl.concat([component_node, golden_node]).to_numpy()
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size))
    labels = connected_components(graph, directed=False)[1][:n]
    hit = labels[records.join(changed, on=_KEY, how="semi")["_node"].to_numpy()]
    affected = records.filter(pl.Series(np.isin(labels, hit))).select(_KEY)
    live = affected.join(in_component, on=_KEY)
    rows = rows_of(frame, live.select(_KEY))
    scope = {RecordKey(s, i) for s, i in affected.iter_rows()}
    return MatchScope(frame=frame[rows], scope=scope, components=live["component"].n_unique())


#: The cluster label a shard gives the records of clusters that keep their stored golden record.
KEPT = "kept"


def unchanged_clusters(clusters: pl.DataFrame, links: pl.DataFrame, dirty: set[RecordKey]) -> set[RecordKey]:
    """The records of the clusters of an incremental run that are exactly a stored golden record,
    member for member, with no member new, changed or decided since the last run: their golden records
    would be rebuilt to what is stored (a golden record is a function of its members' content, the
    decisions — which rebuild what they touch when taken — and the configuration).

    The scope of an incremental run is closed over whole candidate components, which chain through
    shared landlines, towns and common names: at 100k records a 1 % change re-matches half of the
    hub, though only a few hundred golden records can come out different. Those are rebuilt; the rest
    keep their golden records, and their pairs with each other too (see ``touching``).
    ``clusters``: ``source_system, source_id, cluster_id``, one row per record; ``links``: the stored
    ``source_system, source_id, golden_id`` of (at least) every member of their golden records.
    """
    sizes = links.group_by("golden_id").agg(stored=pl.len())
    changed = key_frame(dirty).with_columns(changed=pl.lit(True))
    per_cluster = (
        clusters.select(*_KEY, "cluster_id")
        .join(links.select(*_KEY, "golden_id"), on=_KEY, how="left")
        .join(changed, on=_KEY, how="left")
        .group_by("cluster_id")
        .agg(
            size=pl.len(),
            goldens=pl.col("golden_id").n_unique(),
            unlinked=pl.col("golden_id").null_count(),
            golden_id=pl.col("golden_id").first(),
            changed=pl.col("changed").any(),
        )
        .join(sizes, on="golden_id", how="left")
    )
    # every member linked to one golden record that has no other member, and none changed
    same = per_cluster.filter(
        (pl.col("unlinked") == 0)
        & (pl.col("goldens") == 1)
        & (pl.col("size") == pl.col("stored"))
        & ~pl.col("changed").fill_null(False)
    )
    kept = clusters.join(same.select("cluster_id"), on="cluster_id", how="semi")
    return {RecordKey(s, i) for s, i in kept.select(_KEY).iter_rows()}


def touching(pairs: pl.DataFrame, kept: set[RecordKey]) -> np.ndarray:
    """Per pair (``left_system, left_id, right_system, right_id``), whether it has a side outside ``kept``.

    A pair of two kept records is the stored one: its score and decision depend only on its two
    unchanged records and the frozen model, and whether clustering cut it only on their two clusters,
    both as stored. Only the other pairs are written again.
    """
    wanted = key_frame(kept).with_columns(kept=pl.lit(True))

    def side(system: str, source_id: str) -> np.ndarray:
        keys = pairs.select(source_system=system, source_id=source_id)
        found = keys.join(wanted, on=_KEY, how="left", maintain_order="left")["kept"]
        return found.fill_null(False).to_numpy()

    outside: np.ndarray = ~(side("left_system", "left_id") & side("right_system", "right_id"))
    return outside
