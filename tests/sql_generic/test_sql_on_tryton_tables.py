"""The generic ``sql`` connector on the tables of a real Tryton 7.0 database (SQLite), YAML only: the
README's configuration with Tryton's own column names, no query, no DDL. Parties are seeded and read
back with proteus, Tryton's client library, so the rows the connector inserted are the ERP's rows.

(The ``tryton`` connector goes through Tryton's JSON-RPC and ORM; this one writes the tables directly,
as an IT person would on a system without an API. Tryton fills ``value_compact`` of phones itself:
rows inserted by SQL lack it, which only Tryton's own phone search uses.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crmhub.cli import main
from tests.sql_generic.conftest import EXAMPLE

#: Pairs the seed means as the same customer, one of them without the other's e-mail.
SAME_EMAIL = [("chono-1", "chono-2", "chono.nikolov@example.bg")]


@pytest.fixture
def tryton_tables(seeded_tryton):
    """A Tryton database made and seeded by Tryton itself (a copy of the session's); no server needed."""
    return seeded_tryton


def tryton_source() -> dict:
    """The README example on Tryton's real tables: the address country is a foreign key (not read)."""
    source = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))[0]
    options = source["options"]
    options["children"]["addresses"]["columns"].pop("country_code")
    for child in (*options["children"].values(), options["golden_id_table"]):
        child.setdefault("insert_values", {})["create_uid"] = 0  # Tryton's root user
    return {**source, "page_size": 7}


def test_yaml_only_sync_on_tryton_tables_read_back_with_proteus(tryton_tables, tmp_path, monkeypatch, capsys):
    server, ids = tryton_tables
    database = Path(server.data_dir) / "crm.sqlite"
    connection = {"conn_type": "sqlite", "host": str(database)}
    monkeypatch.setenv("CRMHUB_CONN_CRMHUB_ERP_SQL", json.dumps(connection))
    monkeypatch.delenv("CRMHUB_DATABASE_URL", raising=False)
    path = tmp_path / "crmhub.yaml"
    path.write_text(yaml.safe_dump({"database_url": f"sqlite:///{tmp_path}/hub.db",
                                    "sources": [tryton_source()]}), encoding="utf-8")
    assert main(["--config", str(path), "db-upgrade"]) == 0
    capsys.readouterr()
    assert main(["--config", str(path), "sync", "--json"]) == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    assert summary["extracted"]["erp_parties"]["inserted"] == len(ids)  # write_date NULL: all pulled
    assert summary["published"]["erp_parties"]["failed"] == 0

    parties = {p["id"]: p for p in server.parties()}  # proteus reads what the SQL connector wrote
    golden = {pid: [code for kind, code in p["identifiers"] if kind == "crm_golden_id"]
              for pid, p in parties.items()}
    assert all(len(codes) == 1 for codes in golden.values()), golden
    for left, right, email in SAME_EMAIL:
        assert golden[ids[left]] == golden[ids[right]]
        assert ["email", email] in parties[ids[right]]["contacts"]  # a new contact mechanism row
    # nothing changed: a second sync pushes nothing and leaves Tryton as it was
    assert main(["--config", str(path), "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["published"]["erp_parties"]["pushed"] == 0
    assert {p["id"]: p for p in server.parties()} == parties
