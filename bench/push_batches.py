"""Push-back into the local ERP and web shop on their own: every customer's golden id, twice.

The first push writes (``GetCustomers`` + ``UpsertCustomers`` / ``GET ?include=`` + ``customers/batch``
per 100), the second finds nothing to change (reads only). Wall seconds and the process's CPU seconds
(the local systems run in this process, so their handlers count)::

    .venv/bin/python -m bench.push_batches --records 4000

The numbers for bench/README.md (*Sync publish*) come from this command; nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.sync import _config
from connectors.base import PushUpdate
from connectors.credentials import credentials_from_env
from connectors.registry import build_connector
from sources.run import start_local_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.push_batches", description=__doc__)
    parser.add_argument("--records", type=int, default=4000, help="customers seeded over all systems")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crmhub-push-bench-") as tmp:
        local = start_local_sources(Path(tmp) / "sources", records=args.records, seed=7)
        os.environ.update(local.env())
        config = _config(f"sqlite:///{tmp}/unused.db")
        try:
            print("| system | customers | push | s wall | s CPU | pushed | failed |")
            print("|---|---|---|---|---|---|---|")
            for name in ("erp", "webshop"):
                source = config.source(name)
                connector = build_connector(source, credentials_from_env(source.connection_id))
                ids = [record.source_id for page in connector.pull(None) for record in page.records]
                updates = [PushUpdate(sid, f"G-{sid}", {}) for sid in ids]
                for label in ("first (writes)", "again (reads only)"):
                    cpu, wall = time.process_time(), time.perf_counter()
                    result = connector.push(updates)
                    seconds, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    print(f"| {name} | {len(ids):,} | {label} | {seconds:.2f} | {cpu:.2f} | "
                          f"{len(result.pushed):,} | {len(result.failed)} |")
        finally:
            local.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
