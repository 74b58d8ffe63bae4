"""Stable golden ids across runs and field-level survivorship with lineage."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.golden import assign_golden_ids, build_golden
from schemas import CustomerRecord, RecordKey

A, B, C, D = (RecordKey("erp", "1"), RecordKey("webshop", "2"), RecordKey("legacy_db", "3"),
              RecordKey("legacy_csv", "4"))


def test_new_ids_are_deterministic_for_the_same_members():
    first, _ = assign_golden_ids({0: [A, B], 1: [C]}, {}, set())
    again, _ = assign_golden_ids({7: [B, A], 3: [C]}, {}, set())
    assert first[0] == again[7] and first[1] == again[3] and first[0] != first[1]


def test_merge_keeps_the_id_of_the_majority_and_retires_the_other():
    previous = {A: "G-old1", B: "G-old1", C: "G-old2"}
    ids, retired = assign_golden_ids({0: [A, B, C]}, previous, {"G-old1", "G-old2"})
    assert ids[0] == "G-old1"
    assert retired == {"G-old2": "G-old1"}


def test_split_keeps_the_id_with_the_larger_part_and_gives_the_rest_a_new_one():
    previous = {A: "G-1", B: "G-1", C: "G-1"}
    ids, retired = assign_golden_ids({0: [A, B], 1: [C]}, previous, {"G-1"})
    assert ids[0] == "G-1" and ids[1] not in ("G-1",) and ids[1].startswith("G-")
    assert retired == {}


def _person(key: RecordKey, given: str, updated: int, **extra) -> CustomerRecord:
    return CustomerRecord(source_system=key.source_system, source_id=key.source_id, given_name=given,
                          family_name="Nguyễn", country="VN",
                          updated_at=datetime(2026, 1, updated, tzinfo=UTC), **extra)


def test_survivorship_trust_then_recency_with_lineage_and_override():
    erp = _person(A, "Văn An", 1, emails=["an@corp.vn"], tax_id="0312345678")
    shop = _person(B, "VAN AN", 9, emails=["an.nguyen@gmail.com", "an@corp.vn"])
    golden = build_golden("G-x", [shop, erp], trust={"erp": 1, "webshop": 3})
    assert golden.given_name == "Văn An"  # the ERP is more trusted than the newer web-shop record
    assert golden.emails == ["an@corp.vn", "an.nguyen@gmail.com"]
    assert golden.lineage["given_name"].source.source_id == "1"
    assert golden.lineage["given_name"].competing == [{"value": "VAN AN", "source": "webshop:2"}]
    assert golden.updated_at == datetime(2026, 1, 9, tzinfo=UTC)

    overridden = build_golden("G-x", [shop, erp], trust={"erp": 1, "webshop": 3},
                              overrides={"given_name": "An"})
    assert overridden.given_name == "An" and overridden.lineage["given_name"].rule == "steward_override"
