"""CRM Hub is an Airflow provider: Airflow's own CLI lists it, a connection type per source kind, and
the form behaviour of each (the ``apache_airflow_provider`` entry point declared in pyproject.toml).

The package metadata seen by Airflow is written from pyproject.toml into a temporary dist-info, so the
test checks this tree's declaration even when the installed ``crmhub`` predates it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from connectors.registry import CONNECTOR_CLASSES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    entry_points = project["entry-points"]["apache_airflow_provider"]
    site = tmp_path_factory.mktemp("site")
    dist = site / f"crmhub-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: crmhub\nVersion: {project['version']}\n")
    lines = [f"{name} = {target}" for name, target in entry_points.items()]
    (dist / "entry_points.txt").write_text("[apache_airflow_provider]\n" + "\n".join(lines) + "\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


#: Airflow's own CLI (its parser and the commands' functions), run for ``providers list``, ``hooks`` and
#: ``behaviours`` in one interpreter (each start of ``airflow`` imports Airflow anew: about 5 s), then what
#: the connection form gets (the CLI prints only the connection types), each after a marker line.
CLI = """
import json, sys
from airflow.cli import cli_parser
from airflow.providers_manager import ProvidersManager
parser = cli_parser.get_parser()
for command in ("list", "hooks", "behaviours"):
    print("=== " + command, flush=True)
    args = parser.parse_args(["providers", command, "-o", "json"])
    args.func(args)
    sys.stdout.flush()
print("=== form", flush=True)
print(json.dumps({k: v for k, v in ProvidersManager().field_behaviours.items() if k.startswith("crmhub_")}))
"""


def airflow_providers(env: dict[str, str]) -> dict[str, list | dict]:
    """The JSON each part of ``CLI`` printed, by part."""
    done = subprocess.run([sys.executable, "-c", CLI], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    parts = done.stdout.split("=== ")[1:]
    out = {}
    for part in parts:
        name, _, text = part.partition("\n")
        start = min(i for i in (text.find("["), text.find("{")) if i >= 0)
        out[name.strip()] = json.loads(text[start:])
    assert set(out) == {"list", "hooks", "behaviours", "form"}, done.stdout[-2000:]
    return out


def test_airflow_lists_crmhub_and_a_connection_type_per_kind(airflow_env) -> None:
    answers = airflow_providers(airflow_env)
    providers = {p["package_name"]: p for p in answers["list"]}
    assert providers["crmhub"]["version"] == "0.1.0"

    hooks = {h["connection_type"]: h for h in answers["hooks"] if h["package_name"] == "crmhub"}
    assert set(hooks) == {f"crmhub_{kind}" for kind in CONNECTOR_CLASSES}
    assert hooks["crmhub_soap_erp"]["class"] == "connectors.airflow_hooks.SoapErpHook"
    assert hooks["crmhub_soap_erp"]["conn_id_attribute_name"] == "crmhub_conn_id"
    assert hooks["crmhub_csv"]["hook_name"] == "CRM Hub: CSV folder"

    listed = {b["field_behaviours"] for b in answers["behaviours"]}
    assert {f"crmhub_{kind}" for kind in CONNECTOR_CLASSES} <= listed

    behaviours = answers["form"]
    csv = behaviours["crmhub_csv"]
    assert set(csv["hidden_fields"]) == {"port", "schema", "login", "password"}
    assert csv["relabeling"] == {"host": "Folder"}
    assert behaviours["crmhub_odoo"]["relabeling"]["schema"] == "Database"
    assert "password" not in behaviours["crmhub_sql"]["hidden_fields"]


def test_each_hook_class_is_static_and_named_as_the_provider_declares() -> None:
    from connectors import airflow_hooks
    from connectors.provider_info import get_provider_info

    for entry in get_provider_info()["connection-types"]:
        module, _, name = entry["hook-class-name"].rpartition(".")
        hook = getattr(airflow_hooks, name)
        assert module == airflow_hooks.__name__ and hook.__module__ == module
        assert hook.conn_type == entry["connection-type"]
        assert airflow_hooks.HOOKS[hook.kind] is hook
