"""Start the local source systems (ERP over SOAP, web shop over REST, legacy DB, CSV export) on loopback.

Used by ``make demo`` (``crmhub sources serve``) and by the tests: each system is seeded once with the
same synthetic customers in its own messy shape, served over real HTTP where it has an API, and its
connection is published the way Airflow reads it (``AIRFLOW_CONN_<ID>`` as JSON).
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from sources.serve import RunningServer, serve_in_thread

#: system name -> (class path, Airflow connection id used by config/crmhub.yaml)
SYSTEMS: dict[str, tuple[str, str]] = {
    "erp": ("sources.erp:ErpSystem", "crmhub_erp"),
    "webshop": ("sources.webshop:WebShopSystem", "crmhub_webshop"),
    "legacy_db": ("sources.legacy:LegacyDbSystem", "crmhub_legacy_db"),
    "legacy_csv": ("sources.legacy:LegacyCsvSystem", "crmhub_legacy_csv"),
}
DEFAULT_PORTS = {"erp": 8701, "webshop": 8702}


def system_class(name: str) -> type:
    module, cls = SYSTEMS[name][0].split(":")
    return getattr(import_module(module), cls)


@dataclass
class LocalSources:
    data_dir: Path
    systems: dict[str, Any]
    servers: dict[str, RunningServer] = field(default_factory=dict)
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


def seed_rows(records: int, seed: int) -> dict[str, list[dict[str, str]]]:
    from sources.generator import generate_dataset

    rows: dict[str, list[dict[str, str]]] = {name: [] for name in SYSTEMS}
    for row in generate_dataset(n_records=records, seed=seed, systems=tuple(SYSTEMS)).rows:
        rows[row["source_system"]].append(row)
    return rows


def start_local_sources(
    data_dir: Path,
    records: int = 400,
    seed: int = 7,
    ports: dict[str, int] | None = None,
    host: str = "127.0.0.1",
    public_host: str | None = None,
) -> LocalSources:
    """Create, seed (first start only) and serve every local system; return how to reach them."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = {**{name: 0 for name in SYSTEMS}, **(ports or {})}
    marker = data_dir / "seeded.json"
    systems = {name: system_class(name)(data_dir / name) for name in SYSTEMS}
    if not marker.exists():
        rows = seed_rows(records, seed)
        counts = {name: system.seed(rows[name]) for name, system in systems.items()}
        marker.write_text(json.dumps({"records": records, "seed": seed, "counts": counts}), encoding="utf-8")
    local = LocalSources(data_dir=data_dir, systems=systems)
    for name, system in systems.items():
        app = system.app()
        base_url = None
        if app is not None:
            local.servers[name] = serve_in_thread(app, port=ports[name], host=host)
            base_url = f"http://{public_host or host}:{local.servers[name].port}"
        local.connections[SYSTEMS[name][1]] = system.connection(base_url)
    return local


def export_env(local: LocalSources) -> None:
    """Make the connections visible to this process (and the Airflow tasks it starts)."""
    os.environ.update(local.env())
