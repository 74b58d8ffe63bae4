"""The full sync as an Airflow DAG run on CeleryExecutor: one worker vs two, wall seconds per phase.

For each size, the local systems are seeded once (seed 7, as ``bench/sync.py``) and copied fresh for
each run; each run gets its own hub store and Airflow metadata DB on one throw-away PostgreSQL and its
own :class:`~crmhub.celery_local.CeleryCluster` (Redis, api-server, scheduler, dag-processor, N workers
with ``--concurrency`` task slots each). A phase's wall time is its DAG task's first start to last
finish over the mapped instances (``extract`` = all four sources, ``match_shard`` = all shards, ...);
``run`` is the DAG run's start to end as Airflow records it; ``start-up`` is the cluster's (not in
``run``). Everything shares the machine's cores: the workers, the Airflow services, PostgreSQL and the
local systems (threads of this process)::

    .venv/bin/python -m bench.celery_sync --records 20000,100000 --workers 1,2 [--shards 4]

The numbers for bench/README.md come from this command; nothing here is a test.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from crmhub.celery_local import CeleryCluster
from crmhub.celery_run import PHASES, trigger_and_collect, write_sync_config
from crmhub.local_postgres import ThrowawayPostgres
from hub.store import HubStore
from sources.run import start_local_sources

SEED = 7


def seed_sources(records: int, seed_dir: Path) -> Path:
    """Seed the local systems' data once; runs start from copies (a sync writes golden ids back)."""
    started = time.perf_counter()
    start_local_sources(seed_dir, records=records, seed=SEED).stop()
    print(f"seeded {records:,} records in {time.perf_counter() - started:.0f} s", flush=True)
    return seed_dir


def one_run(
    records: int,
    workers: int,
    args: argparse.Namespace,
    postgres: ThrowawayPostgres,
    seed_dir: Path,
    work: Path,
) -> dict[str, Any]:
    name = f"{records}_{workers}w"
    data = work / f"sources_{name}"
    shutil.copytree(seed_dir, data)
    local = start_local_sources(data, records=records, seed=SEED)
    try:
        hub_url = postgres.create_database(f"hub_{name}")
        HubStore(hub_url, upgrade=True).close()
        config = write_sync_config(work / f"crmhub_{name}.yaml", hub_url, args.shards)
        cluster = CeleryCluster(
            work / f"airflow_{name}",
            postgres.create_database(f"airflow_{name}"),
            # no retries: a failed task shows as failed, not as a slower phase
            env={**local.env(), "CRMHUB_CONFIG": str(config), "CRMHUB_TASK_RETRIES": "0"},
            workers=workers,
            concurrency=args.concurrency,
        )
        with cluster:
            result = trigger_and_collect(cluster, timeout=args.timeout)
        store = HubStore(hub_url)
        golden = len(store.golden.golden_ids())
        membership = sorted(store.golden.membership().items())
        store.close()
    finally:
        local.stop()
    hosts = {task_id: sorted(result.hosts(task_id)) for task_id in ("match_shard", "publish")}
    return {
        "records": records,
        "workers": workers,
        "state": result.state,
        "start-up": sum(cluster.startup.values()),
        "phases": result.phase_seconds(),
        "golden": golden,
        # equal between runs = the same golden records (ids and members)
        "fingerprint": hashlib.sha256(repr(membership).encode()).hexdigest()[:12],
        "hosts": hosts,
    }


def report(rows: list[dict[str, Any]], concurrency: int) -> str:
    phases = [*PHASES, "run"]
    lines = [
        f"| records | workers × slots | state | {' | '.join(phases)} | records/s | start-up | golden | "
        "shards ran on | publishes ran on | golden fingerprint |",
        "|---|---|---|" + "---|" * (len(phases) + 6),
    ]
    for r in rows:
        wall = r["phases"]
        cells = " | ".join(f"{wall.get(p, 0):.1f}" for p in phases)
        lines.append(
            f"| {r['records']:,} | {r['workers']} × {concurrency} | {r['state']} | {cells} | "
            f"{r['records'] / wall['run']:,.0f} | {r['start-up']:.0f} | {r['golden']:,} | "
            f"{', '.join(r['hosts']['match_shard'])} | {', '.join(r['hosts']['publish'])} | "
            f"{r['fingerprint']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.celery_sync", description=__doc__)
    parser.add_argument("--records", default="20000,100000", help="comma-separated sizes")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--concurrency", type=int, default=1, help="task slots per worker")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one DAG run may take")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="crmhub-celery-bench-") as tmp:
        work = Path(tmp)
        postgres = ThrowawayPostgres()
        postgres.start()
        try:
            for records in (int(n) for n in args.records.split(",")):
                seed_dir = seed_sources(records, work / f"seed_{records}")
                for workers in (int(n) for n in args.workers.split(",")):
                    rows.append(one_run(records, workers, args, postgres, seed_dir, work))
                    print(report(rows[-1:], args.concurrency), flush=True)
        finally:
            postgres.stop()
    print(report(rows, args.concurrency))
    return 0 if all(r["state"] == "success" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
