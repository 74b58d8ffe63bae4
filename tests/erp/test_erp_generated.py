"""The ERP round-trip with generated data: every seeded row reaches the hub as a record or quarantined."""

from __future__ import annotations

from sources.erp import ErpSystem
from sources.serve import serve_in_thread


def test_generated_rows_are_pulled_or_quarantined_never_lost(tmp_path, erp_connector_for):
    from sources.generator import generate_dataset

    rows = generate_dataset(n_records=60, seed=11, systems=("erp",), malformed_rate=0.3).rows
    system = ErpSystem(tmp_path)
    assert system.seed(rows) == len(rows)
    server = serve_in_thread(system.app())
    try:
        pages = list(erp_connector_for(system, server, page_size=25).pull(None))
    finally:
        server.stop()
    pulled = {r.source_id: r for p in pages for r in p.records}
    quarantined = {q.source_id: q for p in pages for q in p.quarantined}
    assert len(pulled) + len(quarantined) == len(rows) and not set(pulled) & set(quarantined)
    for row in rows:
        kind = row["truth_id"].split("-")[1] if row["truth_id"].startswith("BAD-") else None
        if kind is None:
            assert row["source_id"] in pulled, quarantined.get(row["source_id"])
        else:  # every defect survives the ERP's native shape and is quarantined with its reason
            assert row["source_id"] in quarantined, (kind, row)
            assert quarantined[row["source_id"]].reason
    control = [q for q in quarantined.values() if "U+FFFD" in q.reason]
    assert control, "the generator's control characters should have reached the connector as U+FFFD"
