"""A deliberately naive matcher: records sharing an exact key are the same customer.

It exists to prove the harness end to end (and to give a floor to compare against) while the real
matcher is being written. Keys: any e-mail address, the tax id, or (given name, family name, date of
birth) compared case-insensitively. Transitive: two records linked through a third share a cluster.
"""

from __future__ import annotations

import polars as pl


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression keeps later finds O(1)-ish
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _key_columns(records: pl.DataFrame) -> list[pl.Expr]:
    def lower(name: str) -> pl.Expr:
        return pl.col(name).str.to_lowercase().str.strip_chars()

    return [
        lower("email").str.split(";").alias("email"),
        lower("tax_id").alias("tax_id"),
        pl.concat_str(lower("given_name"), lower("family_name"), pl.col("date_of_birth"), separator="|")
        .alias("name_dob"),
    ]


def exact_key_clusters(records: pl.DataFrame) -> pl.DataFrame:
    """Cluster flat records by shared exact keys; returns ``source_system, source_id, cluster_id``."""
    keyed = records.with_row_index("row").select("row", *_key_columns(records))
    forest = _UnionFind(records.height)
    for key in ("email", "tax_id", "name_dob"):
        column = keyed.select("row", key)
        if key == "email":
            column = column.explode("email").with_columns(pl.col("email").str.strip_chars())
        groups = (
            column.filter(pl.col(key).is_not_null() & (pl.col(key) != ""))
            .group_by(key)
            .agg(pl.col("row"))
            .filter(pl.col("row").list.len() > 1)
        )
        for rows in groups["row"]:
            first = rows[0]
            for other in rows[1:]:
                forest.union(first, other)
    roots = [forest.find(i) for i in range(records.height)]
    return records.select("source_system", "source_id").with_columns(
        pl.Series("cluster_id", roots, dtype=pl.Int64).cast(pl.String)
    )
