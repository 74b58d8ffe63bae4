"""Sync at scale: the whole sync against the local systems seeded with N records, per phase.

Three runs on one hub store, as an IT person meets them: the first full sync, a re-sync with nothing
changed anywhere, and a re-sync after 1 % of the web shop's customers changed their last name. Each
row gives the run's seconds and records per second end to end (the local systems run in this
process, on the same 2 cores, as they would beside a real hub), the run log's seconds per step
(extract, match-plan, match-shard, match, publish), how many records were re-matched and pushed, and
the process's peak RSS::

    .venv/bin/python -m bench.sync --records 20000 [--url postgresql+psycopg://...] [--output F]

The numbers for the README come from this command; nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import HubConfig
from sources.run import start_local_sources

REPO = Path(__file__).resolve().parents[1]
CHANGED_SHARE = 0.01


def _config(url: str) -> HubConfig:
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["database_url"] = url
    return HubConfig.model_validate(data)


def _change_webshop(local: Any, share: float, seed: int = 1) -> int:
    """Give ``share`` of the web shop's customers a new last name, as a customer editing their account."""
    store = local.systems["webshop"].store
    customers, total = store.list_customers(page=1, per_page=1_000_000)
    rng = random.Random(seed)
    picked = rng.sample(customers, max(1, int(len(customers) * share)))
    for customer in picked:
        store.update_customer(int(customer["id"]), {"last_name": f"{customer['last_name'] or 'X'}-Neu"})
    return len(picked)


def _phase(pipeline: SyncPipeline, run_id: str, records: int) -> dict[str, Any]:
    started = time.perf_counter()
    summary = pipeline.run(run_id=run_id)
    seconds = time.perf_counter() - started
    steps: dict[str, float] = defaultdict(float)
    for step in pipeline.store.runlog.run_steps(run_id):
        if step.get("finished_at") and step.get("started_at"):
            steps[step["step"]] += (step["finished_at"] - step["started_at"]).total_seconds()
    plan = next(
        (s["stats"] for s in pipeline.store.runlog.run_steps(run_id) if s["step"] == "match-plan"), {}
    )
    return {
        "run": run_id,
        "seconds": round(seconds, 1),
        "records/s": round(records / seconds),
        "steps": {k: round(v, 1) for k, v in steps.items()},
        "rematched": plan.get("rematched_records"),
        "pushed": sum(p.get("pushed", 0) for p in summary.published.values()),
        "failed": len(summary.failed),
        "peak MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def run(records: int, url: str | None, workdir: Path) -> list[dict[str, Any]]:
    local = start_local_sources(workdir / "sources", records=records, seed=7)
    os.environ.update(local.env())
    try:
        store_url = url or f"sqlite:///{workdir / 'hub.db'}"
        pipeline = SyncPipeline(_config(store_url), HubStore(store_url, upgrade=True))
        rows = [_phase(pipeline, "full", records), _phase(pipeline, "no-change", records)]
        changed = _change_webshop(local, CHANGED_SHARE)
        rows.append(_phase(pipeline, f"{changed}-changed", records))
        return rows
    finally:
        local.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--url", help="hub store URL (default: a new SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crmhub-sync-bench-") as tmp:
        rows = run(args.records, args.url, Path(tmp))
    backend = (args.url or "sqlite").split(":")[0]
    print("| records | store | run | s | records/s | steps (s) | re-matched | pushed | failed | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        steps = ", ".join(f"{k} {v}" for k, v in r["steps"].items())
        print(
            f"| {args.records:,} | {backend} | {r['run']} | {r['seconds']} | {r['records/s']:,} | {steps} | "
            f"{r['rematched']} | {r['pushed']} | {r['failed']} | {r['peak MB']:,} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
