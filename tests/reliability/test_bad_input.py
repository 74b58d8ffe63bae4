"""Bad and hostile records through a real sync: every malformed kind is quarantined with source, id
and reason (and counted in the run summary) while the rest of the batch is stored; SQL-injection
strings in every field are stored verbatim and do nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bench.reliability import write_config
from crmhub.summary import format_run_summary
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import load_config

GOOD = {
    "source_system": "legacy_db", "record_type": "person", "given_name": "Greta", "family_name": "Lindqvist",
    "email": "greta.lindqvist@example.com", "phone": "+49 30 1234567", "street": "Hauptstr. 5",
    "postal_code": "10115", "city": "Berlin", "country": "DE", "date_of_birth": "1980-04-02",
    "updated_at": "2026-01-02T03:04:05Z",
}
#: kind -> (the defect, words the quarantine reason must contain)
MALFORMED = {
    "invalid_email": ({"email": "greta.at.example.com"}, "email"),
    "impossible_date": ({"date_of_birth": "1980-02-30"}, "date"),
    "future_birth": ({"date_of_birth": "2199-01-01"}, "implausible date of birth"),
    "wrong_type": ({"date_of_birth": "yesterday"}, "date"),
    "wrong_encoding": ({"family_name": "Lindqvist-M\ufffdller"}, "encoding"),
    "oversized": ({"street": "Hauptstraße " * 60}, "longer than"),
    "control_chars": ({"given_name": "Gre\x1bta"}, "control characters"),
    "mixed_scripts": ({"given_name": "Grеta"}, "look-alike"),  # a Cyrillic е inside a Latin name
    "invalid_phone": ({"phone": "call me"}, "phone"),
    "invalid_country": ({"country": "Atlantis"}, "country"),
    "no_name": ({"given_name": "", "family_name": ""}, "no name"),
}


def test_every_malformed_kind_is_quarantined_with_reason_and_the_rest_stored(hub_config, small_sources):
    legacy = small_sources.systems["legacy_db"]
    bad_ids = {kind: f"Q-{n:05d}" for n, kind in enumerate(MALFORMED)}
    rows = [{**GOOD, **defect, "source_id": bad_ids[kind]} for kind, (defect, _) in MALFORMED.items()]
    rows.append({**GOOD, "source_id": "Q-GOOD"})
    legacy.seed(rows)
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))

    summary = pipeline.run(run_id="bad-input")

    assert summary.failed == {}
    quarantined = {q.source_id: q for q in pipeline.store.staging.quarantine("legacy_db")}
    for kind, (_, reason_words) in MALFORMED.items():
        entry = quarantined.get(bad_ids[kind])
        assert entry is not None, f"{kind} not quarantined"
        assert entry.source_system == "legacy_db"
        assert reason_words.lower() in entry.reason.lower(), (kind, entry.reason)
        assert entry.payload, kind  # the steward sees what arrived
    stored = {k.source_id for k in pipeline.store.staging.load_records() if k.source_system == "legacy_db"}
    assert "Q-GOOD" in stored and not stored & set(bad_ids.values())
    assert summary.extracted["legacy_db"]["quarantined"] >= len(MALFORMED)
    text = format_run_summary(pipeline.store.runlog.run_steps("bad-input"), pipeline.store.runlog.counts())
    assert f"{summary.extracted['legacy_db']['quarantined']} quarantined" in text


INJECTIONS = [
    "Robert'); DROP TABLE source_records;--",
    "1' OR '1'='1",
    '"; DELETE FROM golden_records; --',
    "' UNION SELECT password FROM pg_shadow --",
    "\\'; TRUNCATE cross_references; --",
]


@pytest.fixture
def injection_config(store_url, small_sources, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMHUB_DATABASE_URL", store_url)
    return load_config(write_config(tmp_path / "crmhub-injection.yaml", store_url))


def test_sql_injection_in_every_field_is_stored_verbatim_and_harmless(injection_config, small_sources):
    rows = []
    for n, attack in enumerate(INJECTIONS):
        person = {**GOOD, "given_name": attack, "family_name": attack, "full_name": attack, "street": attack,
                  "postal_code": attack[:20], "city": attack, "tax_id": attack,
                  "email": f"o'brien.{n}@example.com"}
        rows.append({**person, "source_system": "legacy_db", "source_id": f"X'{n}--"})
        rows.append({**person, "source_system": "webshop", "source_id": str(90000 + n)})
    small_sources.systems["legacy_db"].seed([r for r in rows if r["source_system"] == "legacy_db"])
    small_sources.systems["webshop"].seed([r for r in rows if r["source_system"] == "webshop"])
    store = HubStore(injection_config.database_url, upgrade=True)
    tables_before = set(inspect(store.engine).get_table_names())

    summary = SyncPipeline(injection_config, store).run(run_id="injection")

    assert summary.failed == {}
    assert set(inspect(store.engine).get_table_names()) == tables_before
    records = store.staging.load_records()
    for n, attack in enumerate(INJECTIONS):
        for system, source_id in (("legacy_db", f"X'{n}--"), ("webshop", str(90000 + n))):
            key = next((k for k in records if k == (system, source_id)), None)
            assert key is not None, (system, source_id, [q.reason for q in store.staging.quarantine(system)])
            record = records[key]
            assert record.given_name == attack and record.family_name == attack, system
            assert record.addresses[0].street == attack and record.addresses[0].city == attack
            golden = store.golden.get_golden(store.golden.golden_id_of(key))
            assert attack in golden.display_name
    counts = store.runlog.counts()
    assert counts["golden_active"] > 0 and sum(counts["source_records"].values()) > len(INJECTIONS) * 2
    # The push back to the legacy database went through bound parameters too: the row got its golden id.
    legacy_row = small_sources.systems["legacy_db"].inspect("X'0--")
    legacy_key = next(k for k in records if k == ("legacy_db", "X'0--"))
    assert legacy_row["GOLDEN_ID"] == store.golden.golden_id_of(legacy_key)


@pytest.mark.parametrize("phone", ["000", "0", "00000", "1234"])
def test_placeholder_phone_numbers_are_refused(phone):
    from schemas.values import clean_phone

    with pytest.raises(ValueError, match="phone"):
        clean_phone(phone, "DE")
