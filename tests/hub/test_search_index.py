"""Search by any spelling (issue 16): the steward's query meets the records through the matcher's
readings, in the hub store's search-key index, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hub_staging import hub_config, stage

from hub.pipeline import SyncPipeline
from hub.queries import HubQueries
from hub.store import HubStore
from schemas import CustomerRecord


def _person(system: str, source_id: str, country: str, **fields: object) -> CustomerRecord:
    return CustomerRecord(source_system=system, source_id=source_id, country=country, **fields)


RECORDS = [
    _person("erp", "E1", "BG", full_name="Чоно Николов", phones=["+359881234567"]),
    _person("legacy_db", "L1", "BG", family_name="NIKOLOV", given_name="CHONO", phones=["+359881234567"]),
    _person("erp", "E2", "BG", full_name="Иван Николов", phones=["+35929876543"]),  # another Nikolov
    _person("erp", "E3", "TW", full_name="蔡佳欣", emails=["jiaxin.cai@example.tw"]),
    _person("legacy_db", "L3", "TW", given_name="CHIA-HSIN", family_name="TSAI",
            emails=["jiaxin.cai@example.tw"]),
    _person("webshop", "W4", "DE", given_name="Anna", family_name="Weber", emails=["anna.weber@example.de"]),
]  # fmt: skip


@pytest.fixture
def queries(store_url):
    store = HubStore(store_url, upgrade=True)
    stage(store, RECORDS)
    SyncPipeline(hub_config(store_url), store).match("run-1")
    yield HubQueries(store)
    store.close()


@pytest.mark.parametrize(
    ("query", "source_id"),
    [
        ("Чоно Николов", "E1"),
        ("NIKOLOV, CHONO", "E1"),
        ("Chono Nikolov", "E1"),
        ("Nikolov Chono", "E1"),
        ("chono", "E1"),
        ("Cai Jiaxin", "E3"),
        ("CHIA-HSIN TSAI", "E3"),
        ("Jiaxin Cai", "E3"),
        ("蔡", "E3"),
        ("蔡佳欣", "E3"),
        ("jiaxin.cai@example.tw", "E3"),
        ("+359 88 123 4567", "E1"),
    ],
)
def test_any_spelling_finds_the_customer_first(queries, query, source_id) -> None:
    golden_id = queries.store.golden.golden_id_of(next(r.key for r in RECORDS if r.source_id == source_id))
    hits = queries.search(query)
    assert hits and hits[0].golden_id == golden_id, (query, [h.display_name for h in hits])


def test_the_other_namesake_ranks_below_and_strangers_not_at_all(queries) -> None:
    hits = [h.display_name for h in queries.search("Chono Nikolov")]
    assert "Иван Николов" in hits[1:]  # shares the family name: found, after Chono
    assert not any("Weber" in (h or "") for h in hits)
    assert queries.search("x") == []


def test_changed_and_deleted_records_change_their_keys(queries) -> None:
    store = queries.store
    renamed = RECORDS[5].model_copy(update={"family_name": "Schneider"})
    stage(store, [renamed])
    SyncPipeline(hub_config("sqlite://"), store).match("run-2")
    assert [h.display_name for h in queries.search("Anna Schneider")][:1] == ["Anna Schneider"]
    assert not any(h.display_name == "Anna Weber" for h in queries.search("Weber"))
    stage(store, [renamed.model_copy(update={"deleted": True})])
    SyncPipeline(hub_config("sqlite://"), store).match("run-3")
    assert queries.search("Schneider") == []
