"""Secrets never leak: run ``crmhub sync`` with known passwords and DEBUG logging of every library, one
source failing on purpose (an unreachable PostgreSQL whose URL carries a password), then grep the
output, the logs and every table of the hub store for the passwords."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import MetaData, select

from bench.reliability import REPO, start_world
from hub.store import HubStore

LEGACY_PASSWORD = "Canary-Legacy-Pw-7731"
DEBUG_SYNC = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr); "
    "from crmhub.cli import main; sys.exit(main(sys.argv[1:]))"
)


def test_passwords_appear_in_no_output_log_or_table(tmp_path):
    world = start_world(tmp_path / "world", records=60, seed=3)
    try:
        connections = world.local.connections
        secrets = {connections["crmhub_erp"]["password"], connections["crmhub_webshop"]["password"],
                   LEGACY_PASSWORD}
        # The legacy database "moved" to a PostgreSQL server that is down: its error must not carry the URL.
        broken_legacy = {"conn_type": "postgres", "host": "127.0.0.1", "port": 1, "login": "legacy",
                         "password": LEGACY_PASSWORD, "schema": "legacy"}
        env = world.env(AIRFLOW_CONN_CRMHUB_LEGACY_DB=json.dumps(broken_legacy))
        run = subprocess.run(
            [sys.executable, "-c", DEBUG_SYNC, "--config", str(world.config_path), "sync", "--json"],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
        )
        summary = json.loads(run.stdout)
        assert set(summary["failed"]) == {"extract:legacy_db"}, summary["failed"]
        assert "DEBUG" in run.stderr  # the logs really were at their most talkative
        store = HubStore(world.database_url, upgrade=True)
        tables = table_dump(store)
        assert {"run_log", "audit_log", "quarantine"} <= set(tables), sorted(tables)
        for secret in secrets:
            assert secret not in run.stdout, "password in the task output"
            assert secret not in run.stderr, f"password in the logs: {_around(run.stderr, secret)}"
            for table, text in tables.items():
                assert secret not in text, f"password in table {table}"
    finally:
        world.stop()


def table_dump(store: HubStore) -> dict[str, str]:
    """Every row of every hub table as text (run log, audit log, quarantine payloads, records...)."""
    metadata = MetaData()
    metadata.reflect(store.engine)
    with store.engine.connect() as conn:
        return {name: json.dumps([list(row) for row in conn.execute(select(table))], default=str)
                for name, table in metadata.tables.items()}


def _around(text: str, secret: str) -> str:
    at = text.index(secret)
    return text[max(0, at - 300): at + 50]
