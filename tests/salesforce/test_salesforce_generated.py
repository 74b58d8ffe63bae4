"""Generated multilingual customers (with deliberate defects) through the local org and the connector:
every customer arrives once, every defect is quarantined with a reason, nothing is dropped."""

from __future__ import annotations

from seed_samples import defect_only_in_full_name

from sources.generator import generate_dataset
from sources.salesforce import SalesforceSystem
from sources.salesforce.objects import KEY_PREFIXES, record_id
from sources.serve import serve_in_thread
from tests.salesforce.conftest import RunningOrg


def test_generated_rows_round_trip_and_every_defect_is_quarantined(tmp_path):
    rows = [
        {**row, "source_system": "salesforce"}
        for row in generate_dataset(n_records=60, seed=3, systems=("erp",), malformed_rate=0.1).rows
    ]
    # Salesforce computes a Contact's Name from FirstName and LastName: nothing to quarantine there
    bad = {
        row["source_id"]
        for row in rows
        if row["truth_id"].startswith("BAD-") and not defect_only_in_full_name(row)
    }
    assert bad  # the data set holds defects to quarantine
    system = SalesforceSystem(tmp_path, min_batch_size=1)
    assert system.seed(rows) == len(rows)
    server = serve_in_thread(system.app())
    try:
        pages = list(RunningOrg(system, server).connector(page_size=25).pull(None))
    finally:
        server.stop()
    expected = {
        record_id("Account" if r["record_type"] == "organization" else "Contact", int(r["source_id"]))
        for r in rows
    }
    number = {
        record_id(sobject, int(r["source_id"])): r["source_id"] for r in rows for sobject in KEY_PREFIXES
    }
    records = [r.source_id for p in pages for r in p.records]
    quarantined = {q.source_id: q.reason for p in pages for q in p.quarantined}
    assert sorted(records + list(quarantined)) == sorted(expected)
    assert {number[q] for q in quarantined} >= bad
    assert all(quarantined.values())
