"""Values parked because a source cannot hold them show in the workbench with the reason and a link to
the golden record (issue 15 item 4), as they do in ``GET /api/v1/parked-pushes``."""

from __future__ import annotations

from webapp_support import bearer

from hub.parked_pushes import ParkedPushes


def test_parked_pushes_show_in_the_workbench_with_their_reason(client, hub):
    page = client.get("/steward/parked", headers=bearer("vic"))
    assert page.status_code == 200 and "Nothing is parked" in page.text
    golden_id = next(iter(sorted(set(hub.store.golden.membership().values()))))
    reason = "STCD1 'BG 831 826 092 0001' has 19 characters, the field takes 16 (WSDL maxLength): not sent"
    ParkedPushes(hub.store).record("erp", ["0000001001"], {"0000001001": reason}, {"0000001001": golden_id},
                                   run_id="run-1")

    page = client.get("/steward/parked", headers=bearer("vic"))
    assert page.status_code == 200 and "erp:0000001001" in page.text
    assert "the field takes 16" in page.text and f"/steward/golden/{golden_id}" in page.text
    api = client.get("/api/v1/parked-pushes", headers=bearer("erp")).json()
    assert reason in str(api)

    ParkedPushes(hub.store).record("erp", ["0000001001"], {}, {}, run_id="run-2")  # pushed whole again
    assert "Nothing is parked" in client.get("/steward/parked", headers=bearer("vic")).text
