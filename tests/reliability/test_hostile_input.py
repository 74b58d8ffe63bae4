"""Hostile answers: XML external entities and entity-expansion bombs in SOAP answers (and in the WSDL)
are refused by the connector; an endless response body is cut off by the HTTP session's cap."""

from __future__ import annotations

import json

import pytest
from reliability_servers import MisbehavingServer, http_response
from test_source_faults import ENVELOPE, erp_at

from connectors.http import ResponseTooLarge, build_session
from hub.pipeline import SyncPipeline
from hub.store import HubStore

BOMB_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def with_doctype(doctype: str, name_text: str):
    body = (f'<ListChangedCustomersResponse xmlns="urn:crmhub:erp"><customer><KUNNR>0000100000</KUNNR>'
            f'<NAME1>{name_text}</NAME1></customer></ListChangedCustomersResponse>')
    envelope = ENVELOPE.format(body).replace("?>", "?>" + doctype, 1)

    def respond(_request: bytes):
        yield http_response(envelope.encode())

    return respond


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-XXE-CANARY", encoding="utf-8")
    return path


@pytest.mark.parametrize("attack", ["xxe", "billion-laughs"])
def test_entity_attacks_in_soap_answers_are_refused(attack, secret_file, hub_config, small_sources,
                                                    monkeypatch):
    if attack == "xxe":
        responder = with_doctype(f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret_file}">]>', "&xxe;")
    else:
        responder = with_doctype(BOMB_DTD, "&lol3;")
    server = MisbehavingServer("respond", responder).start()
    try:
        erp_at(monkeypatch, hub_config, server)
        store = HubStore(hub_config.database_url, upgrade=True)
        summary = SyncPipeline(hub_config, store).run(run_id=attack)
    finally:
        server.stop()
    assert set(summary.failed) == {"extract:erp"}
    assert "DTDForbidden" in summary.failed["extract:erp"] or "forbidden" in summary.failed["extract:erp"]
    assert not [k for k in store.staging.load_records() if k.source_system == "erp"]
    dump = json.dumps([r.model_dump(mode="json") for r in store.staging.load_records().values()])
    assert "TOP-SECRET-XXE-CANARY" not in dump and "lollollol" not in dump
    assert summary.extracted  # the other sources completed


def test_hostile_wsdl_with_external_entity_is_refused(secret_file, hub_config, small_sources, monkeypatch):
    wsdl = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
            '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">&xxe;</definitions>')
    server = MisbehavingServer("respond", lambda _r: iter([http_response(wsdl.encode())])).start()
    try:
        erp_at(monkeypatch, hub_config, server)
        hub_config.source("erp").options.pop("wsdl_path")  # the WSDL now comes from the hostile server
        summary = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True)).run(run_id="wsdl")
    finally:
        server.stop()
    assert set(summary.failed) == {"extract:erp"}
    assert "load_wsdl" in summary.failed["extract:erp"]
    assert "TOP-SECRET-XXE-CANARY" not in summary.failed["extract:erp"]


def endless(_request: bytes):
    """Chunked transfer without end: no Content-Length to refuse up front."""
    yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"[" + b'{"id": 1},' * 6000
    while True:
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"


def test_endless_response_is_cut_off_at_the_cap():
    server = MisbehavingServer("respond", endless).start()
    try:
        session = build_session(retries=0, max_response_bytes=1_000_000)
        with pytest.raises(ResponseTooLarge, match="exceeds the cap of 1000000"):
            session.get(server.url + "/customers")
        declared = MisbehavingServer("respond", lambda _r: iter([http_response(b"x", length=10**12)])).start()
        try:
            with pytest.raises(ResponseTooLarge, match="1000000000000 bytes"):
                session.get(declared.url)
        finally:
            declared.stop()
    finally:
        server.stop()


def test_endless_web_shop_answer_fails_the_shop_only(hub_config, small_sources, monkeypatch):
    """Through the connector with the default cap (64 MiB): the shop fails, nothing else does."""
    server = MisbehavingServer("respond", endless).start()
    conn = {**small_sources.connections["crmhub_webshop"], "port": server.port}
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_WEBSHOP", json.dumps(conn))
    hub_config.source("webshop").options.update(retries=0)
    try:
        store = HubStore(hub_config.database_url, upgrade=True)
        summary = SyncPipeline(hub_config, store).run(run_id="endless")
    finally:
        server.stop()
    assert set(summary.failed) == {"extract:webshop"}
    assert "exceeds the cap" in summary.failed["extract:webshop"]
