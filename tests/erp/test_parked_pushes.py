"""A value the ERP cannot hold (STCD1 is maxLength 16 in its WSDL) is not sent: the rest of the record
is written, the value is parked with the reason, shown in the summary and the API, and tried again only
when the golden value changes (issue 15: the same pushes failed on every run, and nobody was told)."""

from __future__ import annotations

import json

from hub_staging import stage

from connectors.base import PushUpdate
from crmhub.summary import format_run_summary
from hub.parked_pushes import ParkedPushes
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord, HubConfig

LONG_TAX_ID = "BG 831 826 092 0001"  # 19 characters: the CRM keeps a branch suffix the ERP has no room for


def test_the_connector_leaves_out_what_does_not_fit_and_says_why(erp):
    connector = erp.connector()
    result = connector.push([PushUpdate("0000001001", "G-anna", {"tax_id": LONG_TAX_ID})])
    assert result.failed == {} and result.pushed == ["0000001001"]
    assert "STCD1" in result.parked["0000001001"] and "takes 16" in result.parked["0000001001"]
    stored = erp.system.inspect("0000001001")
    assert stored["ZZ_GOLDEN_ID"] == "G-anna" and not stored.get("STCD1")  # the rest was written


def _crm_twin(tax_id: str) -> CustomerRecord:
    """Anna from the ERP as a CRM without push-back knows her, with a tax id."""
    return CustomerRecord(source_system="crm", source_id="A-1", given_name="Anna", family_name="Ivanova",
                          emails=["anna.ivanova@example.bg"], phones=["+35929876543"], country="BG",
                          tax_id=tax_id)


def test_a_parked_value_is_not_retried_until_the_golden_value_changes(erp, store_url, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_ERP", json.dumps(erp.system.connection(erp.server.url)))
    config = HubConfig(database_url=store_url, sources=[
        {"name": "erp", "kind": "soap_erp", "connection_id": "crmhub_erp", "trust": 1,
         "push_fields": ["tax_id"], "options": {"backoff": 0.05}},
        {"name": "crm", "kind": "csv", "trust": 2, "push_back": False, "options": {}},
    ])
    pipeline = SyncPipeline(config, HubStore(store_url, upgrade=True))
    pipeline.extract("erp", "run-1")
    stage(pipeline.store, [_crm_twin(LONG_TAX_ID)])
    pipeline.match("run-1")
    first = pipeline.publish("erp", "run-1")
    assert first["parked"] == 1 and "STCD1" in first["parked_reasons"]["0000001001"]
    parked = ParkedPushes(pipeline.store).list("erp")
    assert [(p.source_id, p.run_id) for p in parked] == [("0000001001", "run-1")]

    pipeline.match("run-2")
    again = pipeline.publish("erp", "run-2")
    assert again["pushed"] == 0 and again["parked"] == 0  # the same golden value: not tried again
    assert [p.source_id for p in ParkedPushes(pipeline.store).list("erp")] == ["0000001001"]
    # run-2 pushed nothing, yet its summary (crmhub summary) still names the parked value
    text = format_run_summary(pipeline.store.runlog.run_steps("run-2"), pipeline.store.runlog.counts(), [],
                              ParkedPushes(pipeline.store).list())
    assert "PARKED" in text and "0000001001: STCD1" in text

    stage(pipeline.store, [_crm_twin("831826092")])  # corrected in the CRM: the golden value changes
    pipeline.match("run-3")
    third = pipeline.publish("erp", "run-3")
    assert third["parked"] == 0 and ParkedPushes(pipeline.store).list("erp") == []
    assert erp.system.inspect("0000001001")["STCD1"] == "831826092"
    pipeline.store.close()
