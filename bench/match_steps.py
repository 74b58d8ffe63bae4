"""The sync's match steps alone (match-plan, match-shard, match = golden-record write), without the
local systems: N generated records staged straight into a store, then a full match, a match with
nothing changed and one after 1 % of the records changed their family name. Extract and publish wait
on the systems' APIs and vary with the machine's load; this isolates what the hub itself does::

    .venv/bin/python -m bench.match_steps --records 20000 [--url postgresql+psycopg://...] [--profile F]

``--profile F`` writes a cProfile of the three runs (not of the staging) to F. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord, HubConfig
from sources.generator import generate_dataset, to_customer_record

SYSTEMS = ("erp", "webshop", "legacy_db", "legacy_csv")
CHANGED_SHARE = 0.01


def _stage(store: HubStore, records: list[CustomerRecord]) -> None:
    by_system: dict[str, list[CustomerRecord]] = defaultdict(list)
    for record in records:
        by_system[record.source_system].append(record)
    for system, batch in by_system.items():
        for start in range(0, len(batch), 5000):
            store.staging.stage_page(system, batch[start : start + 5000], [], cursor=None)


def _steps(store: HubStore, run_id: str) -> dict[str, float]:
    steps: dict[str, float] = defaultdict(float)
    for step in store.runlog.run_steps(run_id):
        steps[step["step"]] += (step["finished_at"] - step["started_at"]).total_seconds()
    return {name: round(seconds, 2) for name, seconds in steps.items()}


def run(records: int, url: str, profile: cProfile.Profile | None) -> list[dict[str, Any]]:
    population = [
        to_customer_record(r) for r in generate_dataset(n_records=records, seed=7, malformed_rate=0.0).rows
    ]
    config = HubConfig(
        database_url=url, sources=[{"name": n, "kind": "csv", "trust": t} for t, n in enumerate(SYSTEMS, 1)]
    )
    pipeline = SyncPipeline(config, HubStore(url, upgrade=True))
    _stage(pipeline.store, population)
    rows = []
    for run_id, share in (("full", 0.0), ("no-change", 0.0), ("1%-changed", CHANGED_SHARE)):
        if share:
            picked = random.Random(1).sample(population, int(len(population) * share))
            _stage(
                pipeline.store,
                [r.model_copy(update={"family_name": f"{r.family_name or 'X'}-Neu"}) for r in picked],
            )
        started = time.perf_counter()
        if profile:
            profile.enable()
        stats = pipeline.match(run_id)
        if profile:
            profile.disable()
        rows.append(
            {
                "run": run_id,
                "seconds": round(time.perf_counter() - started, 2),
                "steps": _steps(pipeline.store, run_id),
                "re-matched": stats.get("rematched_records"),
                "golden written": sum(
                    stats.get(k, 0) for k in ("golden_created", "golden_updated", "golden_retired")
                ),
            }
        )
    pipeline.store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.match_steps", description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--url", help="hub store URL (default: a new SQLite file)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the match runs here")
    args = parser.parse_args(argv)
    profile = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory(prefix="crmhub-match-bench-") as tmp:
        rows = run(args.records, args.url or f"sqlite:///{tmp}/hub.db", profile)
    if profile and args.profile:
        profile.dump_stats(args.profile)
    backend = (args.url or "sqlite").split(":")[0]
    print("| records | store | run | s | match-plan | match-shard | match | re-matched | golden written |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s = r["steps"]
        print(
            f"| {args.records:,} | {backend} | {r['run']} | {r['seconds']} | {s.get('match-plan')} | "
            f"{s.get('match-shard')} | {s.get('match')} | {r['re-matched']} | {r['golden written']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
