"""The trusted read path (``schemas.trusted``): what the hub wrote comes back as written, without the
door's normalisers; data from outside still goes through every one of them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import update

from connectors.mapping import FieldMapping
from hub.models import GoldenRecordRow, SourceRecordRow
from hub.store import HubStore, StoredMatch
from schemas import Address, CustomerRecord, FieldLineage, GoldenRecord, RecordKey, SourceRef


def _record(source_id: str = "1") -> CustomerRecord:
    return CustomerRecord(
        source_system="erp",
        source_id=source_id,
        given_name="  Zoë ",
        family_name="Петрова",
        emails=["Zoe.Petrova@Example.COM", "zoe@example.bg"],
        phones=["02 987 6543", "+359 88 123 4567"],
        addresses=[Address(street="ul.  Vitosha 1", postal_code="1000", city="София", country="bg")],
        country="bg",
        date_of_birth=date(1980, 4, 2),
        tax_id="BG123456789",
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        raw={"id": 1, "nested": {"x": [1, 2]}},
    )


def _golden(record: CustomerRecord) -> GoldenRecord:
    fields = {name: getattr(record, name) for name in GoldenRecord.model_fields if hasattr(record, name)}
    ref = SourceRef(source_system=record.source_system, source_id=record.source_id)
    lineage = {"emails": FieldLineage(field="emails", value=record.emails[0], source=ref, rule="r")}
    return GoldenRecord(**{**fields, "golden_id": "G-1", "sources": [ref], "lineage": lineage})


def test_a_stored_record_reads_back_equal_to_the_original():
    record = _record()
    assert record.emails[0] == "zoe.petrova@example.com" and record.phones[0] == "+35929876543"
    assert CustomerRecord.from_store(record.model_dump(mode="json")) == record
    golden = _golden(record)
    assert GoldenRecord.from_store(golden.model_dump(mode="json")) == golden


def test_the_trusted_path_still_checks_types():
    data = _record().model_dump(mode="json")
    with pytest.raises(ValidationError, match="date_of_birth"):
        CustomerRecord.from_store({**data, "date_of_birth": "not a date"})


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("emails", ["greta.at.example.com"], "e-mail"),
        ("phones", ["call me"], "phone"),
        ("given_name", "Grеta", "look-alike"),  # a Cyrillic е inside a Latin name
        ("family_name", "Lind\x1bqvist", "control characters"),
    ],
)
def test_the_door_still_refuses_bad_values(field, value, reason):
    data = {"source_system": "legacy_db", "source_id": "7", "given_name": "Greta", field: value}
    with pytest.raises(ValidationError, match=reason):
        CustomerRecord.model_validate(data)
    # the connectors' mapping is the door every source record passes
    mapping = FieldMapping({"id": "source_id", "first": "given_name", "mail": "email", "tel": "phone"})
    row = {"id": 7, "first": "Greta", "mail": "a@example.com", "tel": "+49 30 1234567"}
    bad = {"emails": "mail", "phones": "tel", "given_name": "first", "family_name": "first"}[field]
    with pytest.raises(ValidationError, match=reason):
        mapping.to_record("legacy_db", {**row, bad: value[0] if isinstance(value, list) else value})


def _tamper(store: HubStore, table, where, record: dict) -> None:
    """Write a stored JSON record behind the store's back: a value the door would have changed or
    refused, so a read that re-ran the normalisers would not return it as stored."""
    with store.sessions.begin() as session:
        session.execute(update(table).where(where).values(record=record))


def test_the_store_reads_records_back_as_stored_not_through_the_door(store):
    record = _record()
    store.staging.stage_page("erp", [record], [], cursor=None)
    key = RecordKey("erp", "1")
    assert store.staging.load_records()[key] == record
    # what the golden-record build reads: the same record without the payload as delivered
    lean = store.staging.load_records([key], raw=False)[key]
    assert record.raw and lean == record.model_copy(update={"raw": {}})

    unclean = {**record.model_dump(mode="json"), "given_name": "Grеta", "emails": ["Ann@Example.COM"]}
    row = (SourceRecordRow.source_system == "erp") & (SourceRecordRow.source_id == "1")
    _tamper(store, SourceRecordRow, row, unclean)
    for loaded in (store.staging.load_records()[key], store.staging.load_records([key])[key]):
        assert (loaded.given_name, loaded.emails) == ("Grеta", ["Ann@Example.COM"])

    golden = _golden(record)
    store.golden.save_match(
        StoredMatch(golden=[golden], retired={}, membership={key: "G-1"}, pairs=[], run_id="r1")
    )
    stored_golden = golden.model_dump(mode="json")
    stored_golden["addresses"][0]["street"] = "ul.  Vitosha\u00a0 1"  # the door collapses white space
    _tamper(store, GoldenRecordRow, GoldenRecordRow.golden_id == "G-1", stored_golden)
    assert store.golden.get_golden("G-1").addresses[0].street == "ul.  Vitosha\u00a0 1"

    [(source, pushed_golden, _)] = store.outbox.push_state("erp")
    assert (source.given_name, source.emails) == ("Grеta", ["Ann@Example.COM"])
    assert pushed_golden.addresses[0].street == "ul.  Vitosha\u00a0 1"


def test_push_state_returns_the_changed_golden_records_and_the_never_pushed(store, monkeypatch):
    import hub.store.outbox as outbox

    records = [_record(str(n)) for n in range(3)]
    store.staging.stage_page("erp", records, [], cursor=None)
    keys = [r.key for r in records]
    goldens = [
        GoldenRecord(
            golden_id=f"G-{n}", given_name="Zoë", sources=[SourceRef(source_system="erp", source_id=str(n))]
        )
        for n in range(3)
    ]
    membership = {key: f"G-{n}" for n, key in enumerate(keys)}
    store.golden.save_match(
        StoredMatch(golden=goldens, retired={}, membership=membership, pairs=[], run_id="r1")
    )
    store.outbox.mark_pushed("erp", {"0": "h0", "1": "h1"})  # "2" was never pushed

    def chosen(golden_ids: set[str] | None) -> list[tuple[str, str, str | None]]:
        return [(r.source_id, g.golden_id, h) for r, g, h in store.outbox.push_state("erp", golden_ids)]

    expected = {
        None: [("0", "G-0", "h0"), ("1", "G-1", "h1"), ("2", "G-2", None)],
        frozenset(): [("2", "G-2", None)],
        frozenset({"G-1", "G-9"}): [("1", "G-1", "h1"), ("2", "G-2", None)],
    }
    for golden_ids, rows in expected.items():
        assert chosen(None if golden_ids is None else set(golden_ids)) == rows
    monkeypatch.setattr(outbox, "MAX_IDS_IN_SQL", 1)  # too many ids for one statement: same answer
    assert chosen({"G-1", "G-9"}) == expected[frozenset({"G-1", "G-9"})]
