"""Erasures still pending at a source are visible to stewards and back-office systems, with the reason
(issue 17 item 3): the workbench page and ``GET /api/v1/erasures``."""

from __future__ import annotations

from webapp_support import bearer

from hub.erasure import erase_person
from hub.erasure_queue import UNSUPPORTED, ErasureQueue


def test_pending_erasures_show_in_the_workbench_and_the_api_with_their_reason(client, hub):
    golden_id = next(iter(sorted(set(hub.store.golden.membership().values()))))
    report = erase_person(hub.store, golden_id, actor="dpo")
    first, *rest = report.source_records
    reason = f"{first.source_system}: this system has no delete API; erase the person by hand"
    ErasureQueue(hub.store).record(first.source_system, {first.source_id: (UNSUPPORTED, reason)})

    body = client.get("/api/v1/erasures", headers=bearer("erp")).json()
    pending = {(p["source_system"], p["source_id"]): p for p in body["pending"]}
    assert pending[tuple(first)]["status"] == "unsupported" and pending[tuple(first)]["reason"] == reason
    assert all(pending[tuple(k)]["status"] == "pending" for k in rest)
    assert body["by_source"][first.source_system]["unsupported"] == 1

    page = client.get("/steward/erasures", headers=bearer("vic"))
    assert page.status_code == 200
    assert str(first) in page.text and reason in page.text and "unsupported" in page.text

    assert ErasureQueue(hub.store).confirm(first, "dpo", "deleted in the branch system")
    body = client.get("/api/v1/erasures", headers=bearer("erp")).json()
    assert tuple(first) not in {(p["source_system"], p["source_id"]) for p in body["pending"]}
    assert body["by_source"][first.source_system]["done"] == 1
