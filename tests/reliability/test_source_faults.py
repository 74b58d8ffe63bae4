"""Sources that fail: answers 500/503/429, SOAP faults, truncated JSON/XML, time-outs and connection
resets. Transient faults are retried away; what retrying cannot fix fails that source only, with a
message that says what happened, while the other sources complete — and nothing is lost on the rerun.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reliability_servers import MisbehavingServer, http_response

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from sources.run import SYSTEMS, seed_rows

REPO = Path(__file__).resolve().parents[2]
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
    'envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)


def seeded_keys(local) -> set[tuple[str, str]]:
    meta = json.loads((local.data_dir / "seeded.json").read_text())
    rows = seed_rows(meta["records"], meta["seed"])
    return {(r["source_system"], r["source_id"]) for system in rows.values() for r in system}


def test_transient_faults_are_retried_and_a_broken_source_fails_alone(hub_config, small_sources):
    erp, shop = small_sources.systems["erp"], small_sources.systems["webshop"]
    # The ERP misbehaves within what retries absorb; the shop answers 500 to everything.
    erp.faults.http_503, erp.faults.http_429, erp.faults.soap_transient = 2, 1, 2
    erp.faults.retry_after = 0
    shop.faults.fail_next(1000, status=500)
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))

    first = pipeline.run(run_id="faulty")

    assert erp.faults.served == {"http_503": 2, "http_429": 1, "soap_transient": 2}
    assert set(first.failed) == {"extract:webshop"}
    assert "HTTP 500" in first.failed["extract:webshop"]
    assert set(first.extracted) == set(SYSTEMS) - {"webshop"}
    assert all(stats["inserted"] > 0 for stats in first.extracted.values())
    assert all(stats["failed"] == 0 for stats in first.published.values())
    steps = {(s["step"], s["source"]): s for s in pipeline.store.runlog.run_steps("faulty")}
    assert steps["extract", "webshop"]["status"] == "failed"
    assert "HTTP 500" in steps["extract", "webshop"]["error"]

    # Next run: the shop sends one truncated JSON page. Not retryable (the body is wrong, not the
    # transport): the shop fails clearly, nothing else does.
    shop.faults.clear()
    shop.faults.truncate_next(1)
    second = pipeline.run(run_id="truncated")
    assert set(second.failed) == {"extract:webshop"}
    assert "malformed JSON" in second.failed["extract:webshop"]

    # Once the shop behaves, the rerun picks everything up: no record of any source lost.
    third = pipeline.run(run_id="healthy")
    assert third.failed == {}
    stored = {(k.source_system, k.source_id) for k in pipeline.store.staging.load_records()}
    quarantined = {(q.source_system, q.source_id) for q in pipeline.store.staging.quarantine()}
    assert seeded_keys(small_sources) <= stored | quarantined


def erp_at(monkeypatch, hub_config, server: MisbehavingServer):
    """Point the ERP connection at ``server`` (WSDL from the file: the server only gets operations),
    with short time-outs and few retries so a hanging server fails in seconds."""
    conn = {"conn_type": "http", "host": "127.0.0.1", "port": server.port, "login": "crmhub",
            "password": "erp-local-secret", "schema": "sap/bc/srt/customer"}
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_ERP", json.dumps(conn))
    hub_config.source("erp").options.update(
        wsdl_path=str(REPO / "sources" / "erp" / "customer.wsdl"), timeout=1, retries=1, fault_attempts=2,
        backoff=0.05,
    )


def truncated(_request: bytes):
    body = ENVELOPE.format('<ListChangedCustomersResponse xmlns="urn:crmhub:erp"><customer><KUNNR>0000')
    yield http_response(body.encode()[: len(body) // 2 + 40])


def soap_fault(_request: bytes):
    fault = ("<soap:Fault><faultcode>soap:Server</faultcode><faultstring>backend down for maintenance"
             "</faultstring></soap:Fault>")
    yield http_response(ENVELOPE.format(fault).encode(), status="500 Internal Server Error")


@pytest.mark.parametrize(
    "mode, responder, expected",
    [
        ("hang", None, "timed out"),
        ("reset", None, "Connection"),
        ("respond", truncated, "invalid XML"),
        ("respond", soap_fault, "backend down for maintenance"),
    ],
    ids=["timeout", "reset", "truncated-xml", "soap-fault"],
)
def test_unreachable_or_broken_erp_fails_alone(mode, responder, expected, hub_config, small_sources,
                                               monkeypatch):
    server = MisbehavingServer(mode, responder).start()
    try:
        erp_at(monkeypatch, hub_config, server)
        summary = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True)).run(run_id=mode)
    finally:
        server.stop()
    assert set(summary.failed) == {"extract:erp"}, summary.failed
    assert expected in summary.failed["extract:erp"]
    assert server.requests >= 1
    if mode != "respond":
        assert server.requests >= 2  # the transport retried before giving up
    assert set(summary.extracted) == set(SYSTEMS) - {"erp"}
    assert all(stats["inserted"] > 0 for stats in summary.extracted.values())


def test_hanging_web_shop_times_out_and_fails_alone(hub_config, small_sources, monkeypatch):
    server = MisbehavingServer("hang").start()
    conn = {**small_sources.connections["crmhub_webshop"], "port": server.port}
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_WEBSHOP", json.dumps(conn))
    hub_config.source("webshop").options.update(timeout=1, retries=1)
    try:
        store = HubStore(hub_config.database_url, upgrade=True)
        summary = SyncPipeline(hub_config, store).run(run_id="shop-hangs")
    finally:
        server.stop()
    assert set(summary.failed) == {"extract:webshop"}
    assert "timed out" in summary.failed["extract:webshop"].lower()
    # one try and one retry for the customers and for the orders, an extract unit of their own
    assert server.requests == 4
