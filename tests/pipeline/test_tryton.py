"""A real ERP in the loop (issue 18): Tryton 7.0 LTS from PyPI, started on loopback, driven through its
JSON-RPC by the ``tryton`` connector, seeded and read back with proteus (Tryton's own client library).

pull -> match -> golden id (a party identifier) and fields (contact mechanisms, child records) pushed
back -> read back with proteus; a new party (Tryton leaves its ``write_date`` empty) is pulled by the
next incremental sync; a sync with no change pushes nothing; an erasure runs Tryton's erase wizard.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from connectors.credentials import Credentials
from connectors.registry import build_connector
from crmhub.cli import main
from hub.pipeline import SyncPipeline
from schemas import HubConfig, SourceConfig
from sources.tryton import PARTIES, TrytonServer

PREFIX = "CRMHUB-"
#: Parties seeded as the same customer (another script, upper-case ASCII, a second record).
SAME = [("chono-1", "chono-2"), ("tsai-1", "tsai-2"), ("somchai-1", "somchai-2"), ("an-1", "an-2"),
        ("mahdi-1", "mahdi-2"), ("mueller-1", "mueller-2")]
#: Namesakes and a household sharing a landline and an address: different customers.
APART = [("chono-1", "chono-namesake"), ("anna-schmidt", "peter-schmidt")]


@pytest.fixture
def tryton(seeded_tryton):
    """A fresh Tryton per test (and per hub store: a second store would meet the first's golden ids)."""
    server, ids = seeded_tryton
    server.start()
    yield server, ids
    server.stop()


@pytest.fixture
def config_path(tryton, tmp_path, monkeypatch, store_url) -> Path:
    server, _ids = tryton
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_TRYTON", json.dumps(server.connection()))
    path = tmp_path / "crmhub.yaml"
    path.write_text(yaml.safe_dump({
        "database_url": store_url,
        "sources": [{"name": "tryton", "kind": "tryton", "connection_id": "crmhub_tryton", "page_size": 5,
                     "push_fields": ["emails", "phones"]}],
    }), encoding="utf-8")
    return path


def _golden_ids(server: TrytonServer) -> dict[int, list[str]]:
    return {p["id"]: [code for _type, code in p["identifiers"] if code.startswith(PREFIX)]
            for p in server.parties()}


def _contacts(server: TrytonServer, party_id: int) -> set[str]:
    party = next(p for p in server.parties() if p["id"] == party_id)
    return {value.casefold() for _type, value in party["contacts"]}


def test_tryton_end_to_end(tryton, config_path):
    server, ids = tryton
    assert main(["--config", str(config_path), "db-upgrade"]) == 0  # once, as a deployment does
    pipeline = SyncPipeline(HubConfig.model_validate(yaml.safe_load(config_path.read_text())))
    first = pipeline.run(run_id="tryton-1")
    assert first.failed == {} and first.problems() == []
    assert first.extracted["tryton"]["inserted"] == len(ids)

    golden = _golden_ids(server)
    assert all(len(codes) == 1 for codes in golden.values()), golden  # one golden id each, no DDL
    apart = [(a, b) for a, b in SAME if golden[ids[a]] != golden[ids[b]]]
    assert apart == [], f"left apart: {apart}"
    for left, right in APART:
        assert golden[ids[left]] != golden[ids[right]], (left, right)
    # the missing e-mail was pushed into Tryton's child table of contact mechanisms
    assert "chono.nikolov@example.bg" in _contacts(server, ids["chono-2"])
    assert "info@mueller-maschinenbau.example" in _contacts(server, ids["mueller-2"])

    # a party created afterwards has no write_date in Tryton: the incremental pull still sees it
    newcomer = {"name": "Chono Nikolov", "contacts": [["email", "chono.nikolov@example.bg"]],
                "addresses": [{"city": "Sofia", "country": "BG"}]}
    new_id = server.proteus("create", newcomer)
    second = pipeline.run(run_id="tryton-2")
    assert second.failed == {} and second.extracted["tryton"]["inserted"] == 1
    assert _golden_ids(server)[new_id] == golden[ids["chono-1"]]

    # nothing changed anywhere: nothing pulled as changed, nothing pushed
    before = server.parties()
    third = pipeline.run(run_id="tryton-3")
    assert third.failed == {} and third.published["tryton"]["pushed"] == 0, third.to_dict()
    assert server.parties() == before

    # erasure through Tryton's own erase wizard
    smith = golden[ids["smith"]][0].removeprefix(PREFIX)
    assert main(["--config", str(config_path), "erase", smith, "--actor", "dpo@example.com"]) == 0
    erased = next(p for p in server.parties() if p["id"] == ids["smith"])
    assert erased["name"] is None and not erased["active"] and erased["contacts"] == []
    pipeline.store.close()


def test_a_push_field_tryton_cannot_hold_is_a_configuration_error():
    source = SourceConfig(name="tryton", kind="tryton", push_fields=["emails", "date_of_birth"])
    with pytest.raises(ValueError, match="no place for push field.*date_of_birth"):
        build_connector(source, Credentials(host="127.0.0.1", port=8000, schema="crm"))


def test_groups_are_what_the_seed_means():
    """The seed's keys name the customers the assertions above expect (guards the data file)."""
    keys = {p["key"] for p in json.loads(PARTIES.read_text(encoding="utf-8"))}
    groups: dict[str, set[str]] = defaultdict(set)
    for left, right in SAME + APART:
        groups[left].add(right)
    assert set(groups) | {r for rs in groups.values() for r in rs} <= keys
