"""Start the local source systems (ERP over SOAP, web shop over REST, legacy DB, CSV export) on loopback.

Used by ``make demo`` (``crmhub sources serve``) and by the tests: each system is seeded once with the
same synthetic customers in its own messy shape, served over real HTTP where it has an API, and its
connection is published the way Airflow reads it (``AIRFLOW_CONN_<ID>`` as JSON).
"""

from __future__ import annotations

import json
import os
import shlex
import zlib
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from sources.serve import RunningServer, ServerProcess, serve_in_process, serve_in_thread, with_latency

#: system name -> (class path, Airflow connection id used by config/crmhub.yaml)
SYSTEMS: dict[str, tuple[str, str]] = {
    "erp": ("sources.erp:ErpSystem", "crmhub_erp"),
    "webshop": ("sources.webshop:WebShopSystem", "crmhub_webshop"),
    "legacy_db": ("sources.legacy:LegacyDbSystem", "crmhub_legacy_db"),
    "legacy_csv": ("sources.legacy:LegacyCsvSystem", "crmhub_legacy_csv"),
}
#: The CRM suites, ERP and shop our users name most, started with ``--all`` (config/crmhub-all.yaml).
EXTRA_SYSTEMS: dict[str, tuple[str, str]] = {
    "salesforce": ("sources.salesforce:SalesforceSystem", "crmhub_salesforce"),
    "suitecrm": ("sources.suitecrm:SuiteCrmSystem", "crmhub_suitecrm"),
    "vtiger": ("sources.vtiger:VtigerSystem", "crmhub_vtiger"),
    "odoo": ("sources.odoo:OdooSystem", "crmhub_odoo"),
    "shopify": ("sources.shopify:ShopifySystem", "crmhub_shopify"),
}
ALL_SYSTEMS = {**SYSTEMS, **EXTRA_SYSTEMS}
#: Each extra system holds a share of the same customers, in the shape of one of the four core systems
#: (native script like the ERP, typed by customers like the web shop, upper-case like the legacy DB).
EXTRA_STYLE = {
    "salesforce": "erp",
    "suitecrm": "legacy_db",
    "vtiger": "webshop",
    "odoo": "erp",
    "shopify": "webshop",
}
DEFAULT_PORTS = {
    "erp": 8701,
    "webshop": 8702,
    "salesforce": 8703,
    "suitecrm": 8704,
    "vtiger": 8705,
    "odoo": 8706,
    "shopify": 8707,
}


def system_class(name: str) -> type:
    module, cls = ALL_SYSTEMS[name][0].split(":")
    return getattr(import_module(module), cls)


@dataclass
class LocalSources:
    data_dir: Path
    systems: dict[str, Any]
    servers: dict[str, RunningServer | ServerProcess] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)  # conn id -> Airflow JSON

    def env(self) -> dict[str, str]:
        return {
            f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn) for conn_id, conn in self.connections.items()
        }

    def write_env_file(self, path: Path) -> None:
        lines = [f"export {name}={shlex.quote(value)}" for name, value in sorted(self.env().items())]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o600)  # it holds the local systems' passwords

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


def seed_rows(records: int, seed: int, extra: bool = False) -> dict[str, list[dict[str, str]]]:
    """Flat rows per system: the generator's four systems, plus (``extra``) a share of the same
    customers for each extra system, with that system's own numeric ids."""
    from sources.generator import generate_dataset

    systems = ALL_SYSTEMS if extra else SYSTEMS
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in systems}
    for row in generate_dataset(n_records=records, seed=seed, systems=tuple(SYSTEMS)).rows:
        rows[row["source_system"]].append(row)
    if extra:
        for number, (name, style) in enumerate(EXTRA_STYLE.items()):
            chosen = [r for r in rows[style] if zlib.crc32(f"{name}:{r['truth_id']}".encode()) % 2 == 0]
            rows[name] = [
                {**r, "source_system": name, "source_id": str(1000 * (number + 1) + i)}
                for i, r in enumerate(chosen, start=1)
            ]
    return rows


def start_local_sources(
    data_dir: Path,
    records: int = 400,
    seed: int = 7,
    ports: dict[str, int] | None = None,
    host: str = "127.0.0.1",
    public_host: str | None = None,
    extra: bool = False,
    processes: bool = False,
    latency: float = 0.0,
) -> LocalSources:
    """Create, seed (first start only) and serve every local system; return how to reach them.
    ``processes``: each system with a server gets a process of its own (``sources.serve``), else a
    thread of this one (tests look into the systems). ``latency``: seconds each HTTP answer waits, as
    over a WAN (``sources.serve.with_latency``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = {**{name: 0 for name in ALL_SYSTEMS}, **(ports or {})}
    marker = data_dir / "seeded.json"
    names = ALL_SYSTEMS if extra else SYSTEMS
    systems = {name: system_class(name)(data_dir / name) for name in names}
    if not marker.exists():
        rows = seed_rows(records, seed, extra=extra)
        counts = {name: system.seed(rows[name]) for name, system in systems.items()}
        marker.write_text(
            json.dumps({"records": records, "seed": seed, "extra": extra, "counts": counts}), encoding="utf-8"
        )
    local = LocalSources(data_dir=data_dir, systems=systems)
    for name, system in systems.items():
        app = system.app()
        base_url = None
        if app is not None:
            serve = serve_in_process if processes else serve_in_thread
            local.servers[name] = serve(with_latency(app, latency), port=ports[name], host=host)
            base_url = f"http://{public_host or host}:{local.servers[name].port}"
        local.connections[ALL_SYSTEMS[name][1]] = system.connection(base_url)
    return local


def export_env(local: LocalSources) -> None:
    """Make the connections visible to this process (and the Airflow tasks it starts)."""
    os.environ.update(local.env())
