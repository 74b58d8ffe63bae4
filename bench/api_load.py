"""Load benchmark: the golden-record API under concurrent readers while syncs run, on loopback.

Starts the local source systems, runs a first sync, serves the standalone web app (token auth) with
uvicorn on 127.0.0.1, then for ``--seconds`` seconds has ``--readers`` threads call
``GET /api/v1/golden/{id}`` (random known ids) and ``GET /api/v1/changes?since=`` while the main
thread runs full-refresh syncs back to back against the same store. Prints requests, throughput,
latency percentiles, errors and the syncs completed meanwhile.

    .venv/bin/python -m bench.api_load --seconds 20 --readers 8
    .venv/bin/python -m bench.api_load --database-url postgresql+psycopg://...   # PostgreSQL store
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.reliability import write_config


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1
            else:
                self.latencies.append(seconds)


def reader(
    base: str, token: str, golden_ids: list[str], stop: threading.Event, tally: Tally, seed: int
) -> None:
    """One API client: 4 golden-record reads per change-feed read, as a back-office system would."""
    rng = random.Random(seed)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    since = 0
    while not stop.is_set():
        if rng.random() < 0.2:
            url = f"{base}/api/v1/changes?since={since}&limit=100"
        else:
            url = f"{base}/api/v1/golden/{rng.choice(golden_ids)}"
        started = time.perf_counter()
        try:
            response = session.get(url, timeout=30)
            error = None if response.status_code in (200, 404) else f"HTTP {response.status_code}"
            if "changes" in url and response.status_code == 200:
                since = response.json()["next"]
        except requests.RequestException as exc:
            error = type(exc).__name__
        tally.add(time.perf_counter() - started, error)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--database-url", help="hub store (default: SQLite in a temporary folder)")
    args = parser.parse_args(argv)

    from hub.pipeline import SyncPipeline
    from hub.store import HubStore
    from schemas import load_config
    from sources.run import export_env, start_local_sources
    from sources.serve import serve_in_thread
    from webapp.auth import StandaloneAuth, WebUser
    from webapp.standalone import standalone_app

    root = Path(tempfile.mkdtemp(prefix="crmhub-load-"))
    local = start_local_sources(root / "sources", records=args.records, seed=7)
    export_env(local)
    url = args.database_url or f"sqlite:///{root}/hub.db"
    config = load_config(write_config(root / "crmhub.yaml", url))
    config = config.model_copy(update={"database_url": url})
    pipeline = SyncPipeline(config, HubStore(url, upgrade=True))
    pipeline.run(run_id="load-initial")
    golden_ids = sorted(pipeline.store.golden.golden_ids())
    token = secrets.token_urlsafe(24)
    app = standalone_app(config, StandaloneAuth([WebUser("loadtest", "api", token)]))
    server = serve_in_thread(app, port=0)
    stop, tally = threading.Event(), Tally()
    threads = [
        threading.Thread(target=reader, args=(server.url, token, golden_ids, stop, tally, n), daemon=True)
        for n in range(args.readers)
    ]
    syncs, sync_errors = 0, 0
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        while time.monotonic() - started < args.seconds:
            summary = pipeline.run(run_id=f"load-{syncs}", full_refresh=True)
            syncs += 1
            sync_errors += len(summary.failed)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        server.stop()
        local.stop()
    served = len(tally.latencies)
    print(f"API under load: {args.readers} concurrent readers for {elapsed:.1f}s while {syncs} full syncs "
          f"ran ({sync_errors} sync failures), {len(golden_ids)} golden records, store {url.split(':')[0]}")
    print(f"  requests ok: {served}, errors: {sum(tally.errors.values())} {tally.errors or ''}")
    print(f"  throughput: {served / elapsed:.1f} requests/s")
    if served:
        print(f"  latency p50 {statistics.median(tally.latencies) * 1000:.1f} ms, "
              f"p99 {percentile(tally.latencies, 0.99) * 1000:.1f} ms, "
              f"max {max(tally.latencies) * 1000:.1f} ms")
    return 0 if not tally.errors and not sync_errors else 1


if __name__ == "__main__":
    sys.exit(main())
