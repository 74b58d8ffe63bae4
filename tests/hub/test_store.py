"""The hub store on SQLite and PostgreSQL: staging with cursors, quarantine, golden records, pairs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.store import StoredMatch
from schemas import CustomerRecord, GoldenRecord, QuarantinedRecord, RecordKey, SourceRef


def _record(source_id: str, given: str = "Иван", email: str | None = None, **extra) -> CustomerRecord:
    return CustomerRecord(
        source_system="erp",
        source_id=source_id,
        given_name=given,
        family_name="Петров",
        emails=[email] if email else [],
        phones=["02 987 6543"],
        country="BG",
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        **extra,
    )


def test_page_and_cursor_commit_together_and_redelivery_is_unchanged(store):
    bad = QuarantinedRecord(source_system="erp", source_id="9", reason="emails: invalid", payload={"x": 1})
    stats = store.staging.stage_page("erp", [_record("1"), _record("2")], [bad], cursor="c1", run_id="r1")
    assert (stats.inserted, stats.updated, stats.unchanged, stats.quarantined) == (2, 0, 0, 1)
    assert store.staging.get_cursor("erp") == "c1"

    again = store.staging.stage_page(
        "erp", [_record("1"), _record("2", email="ivan@example.bg")], [], cursor="c2"
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    assert store.staging.get_cursor("erp") == "c2"
    assert [q.reason for q in store.staging.quarantine("erp")] == ["emails: invalid"]


def test_match_frame_holds_flat_columns_in_any_script(store):
    store.staging.stage_page("erp", [_record("1", email="ivan@example.bg")], [], cursor=None)
    frame = store.staging.load_match_frame()
    row = frame.row(0, named=True)
    assert (row["given_name"], row["family_name"], row["email"], row["phone"]) == (
        "Иван",
        "Петров",
        "ivan@example.bg",
        "+35929876543",
    )
    assert store.staging.load_records()[RecordKey("erp", "1")].country == "BG"


def test_a_page_from_another_source_is_refused_and_nothing_is_stored(store):
    with pytest.raises(ValueError, match="delivered by source"):
        store.staging.stage_page("webshop", [_record("1")], [], cursor="c9")
    assert store.staging.get_cursor("webshop") is None
    assert store.staging.load_match_frame().height == 0


def test_save_match_retires_merged_ids_and_follows_them(store):
    store.staging.stage_page("erp", [_record("1"), _record("2")], [], cursor=None)
    a, b = RecordKey("erp", "1"), RecordKey("erp", "2")

    def golden(gid: str, *keys: RecordKey) -> GoldenRecord:
        return GoldenRecord(
            golden_id=gid,
            given_name="Иван",
            sources=[SourceRef(source_system=k.source_system, source_id=k.source_id) for k in keys],
        )

    first = store.golden.save_match(
        StoredMatch(
            golden=[golden("G-a", a), golden("G-b", b)],
            retired={},
            membership={a: "G-a", b: "G-b"},
            pairs=[],
            run_id="r1",
        )
    )
    assert first["golden_created"] == 2
    second = store.golden.save_match(
        StoredMatch(
            golden=[golden("G-a", a, b)],
            retired={"G-b": "G-a"},
            membership={a: "G-a", b: "G-a"},
            pairs=[  # one chunk of one pair
                [
                    {
                        "left_system": "erp",
                        "left_id": "1",
                        "right_system": "erp",
                        "right_id": "2",
                        "score": 0.97,
                        "decision": "match",
                        "explanation": [{"field": "name", "level": "exact", "weight": 4.0}],
                    }
                ]
            ],
            run_id="r2",
        )
    )
    assert (second["golden_updated"], second["golden_retired"], second["links_changed"]) == (1, 1, 1)
    assert store.golden.get_golden("G-b").golden_id == "G-a"
    assert store.golden.membership() == {a: "G-a", b: "G-a"}
    assert store.runlog.counts()["pairs"] == {"match": 1}


def test_a_result_computed_before_a_new_decision_is_refused(store):
    from hub.store import StaleDecisionsError
    from schemas.steward import NotSameCustomer

    store.staging.stage_page("erp", [_record("1"), _record("2")], [], cursor=None)
    a, b = RecordKey("erp", "1"), RecordKey("erp", "2")
    seen = store.decisions.decision_version()
    store.decisions.add_decision(NotSameCustomer(kind="not_same", left=a, right=b, user="steward"))
    assert store.decisions.decision_version() != seen
    stale = StoredMatch(
        golden=[GoldenRecord(golden_id="G-ab", given_name="Иван")],
        retired={},
        membership={a: "G-ab", b: "G-ab"},
        pairs=[],
        run_id="r1",
        decision_version=seen,
    )
    with pytest.raises(StaleDecisionsError):
        store.golden.save_match(stale)
    assert store.golden.membership() == {}  # nothing of the stale result was written
