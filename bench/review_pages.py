"""Steward pages at scale: time the review queue, a review item, search and a golden record over HTTP.

Fills a hub store by bulk inserts (not the matcher — the pages only read what matching leaves behind):
N golden records with two source records each (cross references, search keys) and M open review
items (``review`` match pairs between the two records of different golden records). Then serves the
real app (``webapp.create_app`` with the shipped config) through FastAPI's TestClient, logs in as a
steward and times each page over ``--repeat`` requests::

    .venv/bin/python -m bench.review_pages --golden 100000 --items 100000 [--url postgresql+psycopg://...]

Prints a markdown table of p50/p95 milliseconds per page (see bench/README.md for results).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import insert

from hub.models import CrossReference, GoldenRecordRow, MatchPairRow, SearchKeyRow, SourceRecordRow
from hub.review_clusters import ReviewClusters
from hub.search_index import frame_keys
from hub.store import HubStore
from schemas import HubConfig
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users

CHUNK = 20_000
REPO = Path(__file__).resolve().parents[1]
GIVEN = ["Anna", "Ben", "Chen", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ivan", "Julia"]
FAMILY = ["Müller", "Schmidt", "Wang", "Ivanov", "Rossi", "Tanaka", "Kowalski", "Dubois", "Silva", "Li"]
CJK = ["王", "李", "张", "刘", "陈"]
SYSTEMS = ("erp", "webshop")
TOKEN = "bench-steward-token"
KEY_COLUMNS = ("source_system", "source_id", "record_type", "given_name", "family_name", "full_name", "email")


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Insert in chunks so a 1M-row fill never holds every row dict at once."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _name(i: int) -> tuple[str, str]:
    return GIVEN[i % len(GIVEN)], f"{FAMILY[(i // 10) % len(FAMILY)]}{i}"


def _source_rows(n: int) -> Iterator[dict[str, Any]]:
    return _source_rows_between(0, n)


def _source_rows_between(start: int, stop: int) -> Iterator[dict[str, Any]]:
    for i in range(start, stop):
        given, family = _name(i)
        for system in SYSTEMS:
            yield {
                "source_system": system,
                "source_id": f"{system[0]}{i}",
                "record_type": "person",
                "given_name": given,
                "family_name": family,
                "full_name": f"{given} {family}",
                "email": f"{given.lower()}.{i}@example.org",
                "record": {"given_name": given, "family_name": family},
                "content_hash": "",
            }


def _key_rows(n: int) -> Iterator[dict[str, Any]]:
    """The search keys ``hub.search_index`` computes for these records (``n:`` name words, ``p:`` sounds,
    ``e:`` e-mails), computed once per chunk of customers (both systems hold the same record); every
    50th customer also gets a Chinese-character key (``c:``), as a Chinese name would."""
    for start in range(0, n, CHUNK):
        rows = [r for r in _source_rows_between(start, min(start + CHUNK, n)) if r["source_system"] == "erp"]
        frame = pl.DataFrame([{c: r[c] for c in KEY_COLUMNS} for r in rows])
        for key, keys in frame_keys(frame).items():
            i = int(key.source_id[1:])
            if i % 50 == 0:
                keys = keys | {f"c:{CJK[i % len(CJK)]}"}
            for system in SYSTEMS:
                for k in keys:
                    yield {"source_system": system, "source_id": f"{system[0]}{i}", "key": k}


def _pair_rows(n: int, m: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(7)
    for k in range(m):
        a, b = k % n, (k * 7919 + 1) % n
        if a == b:
            b = (b + 1) % n
        yield {
            "left_system": "erp",
            "left_id": f"e{a}",
            "right_system": "webshop",
            "right_id": f"w{b}",
            "score": 0.5 + rng.random() * 0.4,
            "decision": "review",
            "explanation": [],
        }


def _golden(i: int) -> dict[str, Any]:
    """The stored GoldenRecord JSON: its id and the names the page shows."""
    given, family = _name(i)
    return {"golden_id": f"G-{i}", "given_name": given, "family_name": family}


def build_store(url: str, n: int, m: int) -> HubStore:
    """N golden records (``G-i`` = ``erp/e{i}`` + ``webshop/w{i}``) and M open review pairs."""
    store = HubStore(url, upgrade=True)
    golden = (
        {
            "golden_id": f"G-{i}",
            "status": "active",
            "display_name": " ".join(_name(i)),
            "record": _golden(i),
            "content_hash": "",
        }
        for i in range(n)
    )
    xref = (
        {"source_system": s, "source_id": f"{s[0]}{i}", "golden_id": f"G-{i}"}
        for i in range(n)
        for s in SYSTEMS
    )
    for model, rows in (
        (GoldenRecordRow, golden),
        (CrossReference, xref),
        (SourceRecordRow, _source_rows(n)),
        (SearchKeyRow, _key_rows(n)),
        (MatchPairRow, _pair_rows(n, m)),
    ):
        for batch in _chunks(rows):
            with store.sessions.begin() as session:
                session.execute(insert(model), batch)
    if store.engine.dialect.name == "postgresql":  # statistics, as autovacuum gathers after a bulk load
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return store


def _config(url: str) -> HubConfig:
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["database_url"] = url
    return HubConfig.model_validate(data)


def time_pages(store: HubStore, url: str, n: int, m: int, repeat: int) -> list[tuple[str, float, float]]:
    """(page, p50 ms, p95 ms) for each page, ``repeat`` requests each after one warm-up."""
    auth = StandaloneAuth(parse_users(f"ann:steward:{TOKEN}"), secret=b"bench-secret")
    app = create_app(lambda: store, _config(url), auth)
    pages = {
        "queue, first page": "/steward/review",
        "queue, middle page (`?at=`, OFFSET once)": f"/steward/review?at={m // 2}",
        "queue, middle page (`?after=`, keyset)": "/steward/review?{after}",
        "queue, filtered (source, band)": "/steward/review?source=erp&band=low",
        "queue API (50 items)": "/api/v1/review/items?limit=50",
        "review item API": "/api/v1/review/items/{item}",
        "search, Latin name": "/steward/search?q=Anna+Müller0",
        "search, upper case": "/steward/search?q=SCHMIDT15",
        "search, e-mail": f"/steward/search?q=eva.{n // 3 * 10 + 4}@example.org",
        "search, one CJK character": "/steward/search?q=王",
        "golden record": f"/steward/golden/G-{n // 2}",
    }
    results = []
    with TestClient(app) as client:
        client.post("/login", data={"username": "ann", "token": TOKEN}, follow_redirects=False)
        listed = client.get("/api/v1/review/items?limit=1").json()
        item = (listed.get("items") or [{}])[0].get("item_id", "none")
        pages["review item API"] = pages["review item API"].format(item=item)
        middle = client.get(f"/api/v1/review/items?limit=1&offset={m // 2}").json().get("next") or ""
        after = "after=" + middle.replace(",", "%2C")
        pages["queue, middle page (`?after=`, keyset)"] = pages[
            "queue, middle page (`?after=`, keyset)"
        ].format(after=after)
        for what, path in pages.items():
            first = client.get(path)
            if first.status_code != 200:
                print(f"{what}: HTTP {first.status_code} for {path}")
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results.append((what, statistics.median(times), times[int(0.95 * (len(times) - 1))]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.review_pages", description=__doc__)
    parser.add_argument("--golden", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--url", help="hub store URL (default: a new SQLite file)")
    parser.add_argument("--db", type=Path, help="SQLite file: built once, reused by later runs")
    args = parser.parse_args(argv)
    path = args.db or Path(tempfile.mkdtemp()) / "review.db"
    url = args.url or f"sqlite:///{path}"
    started = time.perf_counter()
    if args.url is None and path.exists():
        store = HubStore(url, upgrade=True)
        print(f"reusing {path}")
    else:
        store = build_store(url, args.golden, args.items)
        print(
            f"{args.golden:,} golden / {args.items:,} open items built "
            f"in {time.perf_counter() - started:.0f} s"
        )
    config = _config(url).matching
    started = time.perf_counter()
    ReviewClusters(store, config.review_threshold, config.match_threshold).page(limit=1)
    print(f"review items table ready (built on first read when new) in {time.perf_counter() - started:.1f} s")
    print("| page | p50 ms | p95 ms |\n|---|---|---|")
    for what, p50, p95 in time_pages(store, url, args.golden, args.items, args.repeat):
        print(f"| {what} | {p50:.0f} | {p95:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
