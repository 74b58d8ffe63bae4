"""Seeding and storage: native SAP shape, idempotence, strictly increasing change stamps, persistence."""

from __future__ import annotations

import pytest

from sources.erp import ErpSystem


def test_seed_stores_native_shape_and_is_idempotent(tmp_path, erp_rows):
    system = ErpSystem(tmp_path)
    assert system.seed(erp_rows) == len(erp_rows)
    first = {row["source_id"]: system.inspect(row["source_id"]) for row in erp_rows}
    assert system.seed(erp_rows) == len(erp_rows)
    assert {row["source_id"]: system.inspect(row["source_id"]) for row in erp_rows} == first
    assert system.store.count() == len(erp_rows)
    anna = first["1001"]
    assert [anna[f] for f in ("KUNNR", "KTOKD", "NAME1", "NAME2")] == [
        "0000001001",
        "ZPER",
        "Иванова",
        "Анна",
    ]
    assert [anna[f] for f in ("TELF1", "TELF2", "AEDAT")] == [
        "+359 2 987 6543",
        "+359 88 123 4567",
        "2024-03-01",
    ]
    company = first["1005"]
    assert [company[f] for f in ("KTOKD", "NAME1", "NAME2")] == ["ZORG", "Müller Maschinenbau GmbH", None]


def test_data_survives_a_restart(tmp_path, erp_rows):
    ErpSystem(tmp_path).seed(erp_rows)
    assert ErpSystem(tmp_path).inspect("0000001003")["NAME1"] == "陳"


def test_seed_refuses_rows_it_cannot_store(tmp_path, erp_rows):
    system = ErpSystem(tmp_path)
    with pytest.raises(ValueError, match="row 0 belongs to 'webshop'"):
        system.seed([{**erp_rows[0], "source_system": "webshop"}])
    with pytest.raises(ValueError, match=r"row 1 \(source_id 'C-17'\).*1-10 digits"):
        system.seed([erp_rows[0], {**erp_rows[1], "source_id": "C-17"}])


def test_changes_get_strictly_increasing_stamps_and_no_op_writes_do_not_count(tmp_path):
    store = ErpSystem(tmp_path).store
    outcomes = [store.upsert(None, {"KTOKD": "ZPER", "NAME1": f"Name {i}"}) for i in range(20)]
    stamps = [outcome.customer["CHANGED_AT"] for outcome in outcomes]
    assert stamps == sorted(stamps) and len(set(stamps)) == 20
    same = store.upsert("0000100000", {"NAME1": "Name 0"})
    assert (same.created, same.changed, same.customer["CHANGED_AT"]) == (False, False, stamps[0])
    changed = store.upsert("0000100000", {"NAME1": "Name 0 changed"})
    assert changed.changed and changed.customer["CHANGED_AT"] > stamps[-1]
