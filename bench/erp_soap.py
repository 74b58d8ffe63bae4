"""The ERP connector alone against the local ERP: pull every customer, push every golden id, push again.

Where a SOAP round trip's time goes: wall seconds, the hub's CPU seconds (this process: zeep, the
connector's mapping) and the ERP's (its own process, as in ``bench.sync``: a real ERP is never a thread
of the hub; read from /proc, so Linux only)::

    .venv/bin/python -m bench.erp_soap --records 20000

``--records`` is the generator's population (seed 7); the ERP holds its share (5,980 of 20k). The
first push writes (``GetCustomers`` + ``UpsertCustomers`` per 100), the second finds nothing to change.
The numbers for bench/README.md (*Sync: the ERP's SOAP round trips*) come from this command; nothing
here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from connectors.base import PushUpdate
from connectors.credentials import parse_connection
from connectors.soap_erp import ErpSoapConnector
from schemas import SourceConfig
from sources.erp import ErpSystem
from sources.run import seed_rows
from sources.serve import serve_in_thread

REPO = Path(__file__).resolve().parents[1]


def serve(data_dir: Path, records: int, connection_file: Path) -> None:
    """The ERP process: seed, serve, write its connection (Airflow JSON) where the benchmark waits for
    it, run until killed."""
    system = ErpSystem(data_dir)
    system.seed(seed_rows(records, 7)["erp"])
    connection = json.dumps(system.connection(serve_in_thread(system.app()).url))
    connection_file.with_suffix(".tmp").write_text(connection, encoding="utf-8")
    connection_file.with_suffix(".tmp").rename(connection_file)  # appears whole
    while True:
        time.sleep(3600)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(label: str, server: int, step: Callable[[], str]) -> None:
    erp, hub, wall = _cpu_seconds(server), time.process_time(), time.perf_counter()
    what = step()
    print(f"| {label} | {what} | {time.perf_counter() - wall:.2f} | {time.process_time() - hub:.2f} | "
          f"{_cpu_seconds(server) - erp:.2f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.erp_soap", description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500, help="as config/crmhub.yaml")
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "CONNECTION_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(Path(args.serve[0]), args.records, Path(args.serve[1]))
    with tempfile.TemporaryDirectory(prefix="crmhub-erp-bench-") as tmp:
        connection = Path(tmp) / "connection.json"
        server = subprocess.Popen([sys.executable, "-m", "bench.erp_soap", "--records", str(args.records),
                                   "--serve", str(Path(tmp) / "erp"), str(connection)], cwd=REPO)
        try:
            while not connection.exists():
                if server.poll() is not None:
                    raise SystemExit("the ERP process ended before serving")
                time.sleep(0.1)
            credentials = parse_connection(connection.read_text(encoding="utf-8"))
            connector = ErpSoapConnector(SourceConfig(name="erp", kind="soap_erp", page_size=args.page_size),
                                         credentials)
            connector.call  # noqa: B018 - the WSDL is loaded before the clock starts
            ids: list[str] = []

            def pull() -> str:
                ids.extend(record.source_id for page in connector.pull(None) for record in page.records)
                return f"{len(ids):,} pulled"

            def push() -> str:
                result = connector.push([PushUpdate(sid, f"G-{sid}", {}) for sid in ids])
                return f"{len(result.pushed):,} pushed, {len(result.failed)} failed"

            print("| step | customers | s wall | s hub CPU | s ERP CPU |")
            print("|---|---|---|---|---|")
            _measured("pull (ListChangedCustomers)", server.pid, pull)
            _measured("push (GetCustomers + UpsertCustomers)", server.pid, push)
            _measured("push again (nothing to write)", server.pid, push)
        finally:
            server.kill()
            server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
