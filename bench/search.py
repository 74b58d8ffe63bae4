"""Search by any spelling at scale: query time over a hub store holding N golden records.

Builds a store straight from the multilingual generator (each generated customer one golden record,
its source records' search keys as ``store.staging.refresh_search_keys`` computes them — no matching
needed to measure a lookup), then times queries in every spelling a steward types: native script,
ASCII upper case, another word order, pinyin for a Wade-Giles record, one Chinese character, an
e-mail, a phone::

    .venv/bin/python -m bench.search --records 100000 [--url postgresql+psycopg://...]

Prints per query the milliseconds (median of 5) and whether the customer came first.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl
from sqlalchemy import insert

from bench.datasets import load_dataset
from hub.models import CrossReference, GoldenRecordRow, SearchKeyRow
from hub.queries import HubQueries
from hub.search_index import frame_keys
from hub.store import HubStore

CHUNK = 50_000


def build_store(url: str, frame: pl.DataFrame) -> HubStore:
    """One golden record per generated customer (``truth_id``), with its records' search keys."""
    store = HubStore(url, upgrade=True)
    golden = frame.select("truth_id").unique().sort("truth_id")
    names = frame.group_by("truth_id").agg(
        pl.coalesce(
            "full_name", "organization_name", pl.concat_str(["given_name", "family_name"], separator=" ")
        )
        .first()
        .alias("name")
    )
    with store.sessions.begin() as session:
        session.execute(
            insert(GoldenRecordRow),
            [
                {
                    "golden_id": f"G-{t}",
                    "status": "active",
                    "display_name": n,
                    "record": {},
                    "content_hash": "",
                }
                for t, n in golden.join(names, on="truth_id").iter_rows()
            ],
        )
        session.execute(
            insert(CrossReference),
            [
                {"source_system": s, "source_id": i, "golden_id": f"G-{t}"}
                for s, i, t in frame.select("source_system", "source_id", "truth_id").iter_rows()
            ],
        )
    for start in range(0, frame.height, CHUNK):
        keys = frame_keys(frame.slice(start, CHUNK).drop("truth_id"))
        rows = [
            {"source_system": k.source_system, "source_id": k.source_id, "key": key}
            for k, ks in keys.items()
            for key in ks
        ]
        with store.sessions.begin() as session:
            session.execute(insert(SearchKeyRow), rows)
    return store


def queries_for(frame: pl.DataFrame) -> list[tuple[str, str, str]]:
    """(what, query, truth_id): spellings of customers the data holds, taken from other systems."""
    picks = []
    for what, condition, column in (
        ("Cyrillic name", pl.col("full_name").str.contains("[А-Яа-я]"), "full_name"),
        ("Chinese name", pl.col("full_name").str.contains("[\u4e00-\u9fff]"), "full_name"),
        ("Thai name", pl.col("full_name").str.contains("[\u0e00-\u0e7f]"), "full_name"),
        ("ASCII upper-case family name", pl.col("family_name").str.contains("^[A-Z]+$"), "family_name"),
        ("e-mail", pl.col("email").is_not_null(), "email"),
    ):
        row = frame.filter(condition & pl.col(column).is_not_null()).head(1)
        if row.height:
            value = row[column][0].split(";")[0]
            picks.append((what, value, row["truth_id"][0]))
    chinese = [p for p in picks if p[0] == "Chinese name"]
    if chinese:
        picks.append(("one Chinese character", chinese[0][1][0], chinese[0][2]))
    return picks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--url", help="hub store URL (default: a new SQLite file)")
    args = parser.parse_args(argv)
    data = load_dataset(f"multi_{args.records // 1000}k" if args.records < 1_000_000 else "multi_1m")
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'search.db'}"
    started = time.perf_counter()
    store = build_store(url, data.frame)
    golden = data.frame["truth_id"].n_unique()
    print(f"store with {golden:,} golden records built in {time.perf_counter() - started:.0f} s")
    queries = HubQueries(store)
    print("| query | spelling | ms (median of 5) | the customer's rank |\n|---|---|---|---|")
    for what, q, truth in queries_for(data.frame):
        times, hits = [], []
        for _ in range(5):
            t = time.perf_counter()
            hits = queries.search(q)
            times.append((time.perf_counter() - t) * 1000)
        ids = [h.golden_id for h in hits]
        rank = ids.index(f"G-{truth}") + 1 if f"G-{truth}" in ids else "not found"
        print(f"| {what} | `{q}` | {statistics.median(times):.1f} | {rank} of {len(ids)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
