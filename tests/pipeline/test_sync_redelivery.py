"""Re-deliveries after a publish (issue 15): the rows our own push moved are counted unchanged without
being mapped again, and a customer's edit made between the extract and the publish is still pulled."""

from __future__ import annotations

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import RecordKey

EDITED = "Zwischenzeit"


def _staged_ids(pipeline: SyncPipeline, system: str) -> set[str]:
    frame = pipeline.store.staging.load_match_frame()
    return {sid for sy, sid in frame.select("source_system", "source_id").iter_rows() if sy == system}


def _edit_during_the_run(local_sources, pipeline: SyncPipeline) -> tuple[str, str]:
    """A person in the ERP and one in the web shop change their family name after the extract."""
    erp, shop = local_sources.systems["erp"].store, local_sources.systems["webshop"].store
    staged = _staged_ids(pipeline, "erp")
    kunnr = next(c["KUNNR"] for c in erp.list_changed(None, None, 1000)
                 if c["KTOKD"] == "ZPER" and c["KUNNR"] in staged)
    erp.upsert(kunnr, {"NAME1": EDITED})
    customers, _ = shop.list_customers(page=1, per_page=100)
    shop_id = next(str(c["id"]) for c in customers
                   if c["last_name"] and str(c["id"]) in _staged_ids(pipeline, "webshop"))
    shop.update_customer(int(shop_id), {"last_name": EDITED})
    return kunnr, shop_id


def test_an_edit_between_extract_and_publish_is_pulled_and_echoes_stay_quiet(hub_config, local_sources):
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))
    sources = [s.name for s in hub_config.enabled_sources]
    for name in sources:
        pipeline.extract(name, "run-1")
    kunnr, shop_id = _edit_during_the_run(local_sources, pipeline)
    pipeline.match("run-1")
    published = {name: pipeline.publish(name, "run-1") for name in sources}
    pipeline.check_run("run-1")
    assert published["erp"]["pushed"] > 0 and published["webshop"]["pushed"] > 0
    # the ERP's publish read back what it wrote: the customer's edit is staged with it
    read_back = published["erp"]["read_back"]
    assert (read_back["updated"], read_back["inserted"]) == (1, 0) and read_back["unchanged_by_digest"] > 0
    assert "read_back" not in published["webshop"]  # scanned whole every run anyway
    [edited] = pipeline.store.staging.load_records([RecordKey("erp", kunnr)]).values()
    assert edited.family_name == EDITED

    second = pipeline.run(run_id="run-2")
    assert second.failed == {}
    records = pipeline.store.staging.load_records([RecordKey("erp", kunnr), RecordKey("webshop", shop_id)])
    assert {r.family_name for r in records.values()} == {EDITED}
    erp, shop = second.extracted["erp"], second.extracted["webshop"]
    assert (erp["inserted"], erp["updated"], erp["pages"]) == (0, 0, 0)  # nothing of ours re-delivered
    assert shop["updated"] == 1 and shop["unchanged_by_digest"] > 0  # not mapped again
    assert (shop["inserted"], shop["echoes"]) == (0, 0) and shop["unchanged"] > 0  # the shop: scanned whole
    [plan] = [s for s in pipeline.store.runlog.run_steps("run-2") if s["step"] == "match-plan"]
    assert plan["stats"]["rematched_records"] >= 2  # both edits, staged after run-1's match

    third = pipeline.run(run_id="run-3")
    for name, stats in third.extracted.items():
        assert (stats["inserted"], stats["updated"], stats["echoes"]) == (0, 0, 0), name
    # the shop's scan found only unchanged rows, staged nothing, and still ends where a scan ends
    assert third.extracted["webshop"]["unchanged"] == third.extracted["webshop"]["unchanged_by_digest"] > 0
    assert pipeline.store.staging.get_cursor("webshop").startswith("scan2|1|")  # a scan completed
    assert all(stats["pushed"] == 0 for stats in third.published.values())
    [plan] = [s for s in pipeline.store.runlog.run_steps("run-3") if s["step"] == "match-plan"]
    assert plan["stats"]["rematched_records"] == 0
