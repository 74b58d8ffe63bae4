"""The local ERP as a SOAP server: WSDL, WS-Security, hardened parsing, faults, storage semantics."""

from __future__ import annotations

import pytest
import requests
import zeep
from lxml import etree
from zeep.wsse.username import UsernameToken

from sources.erp.faults import FaultSettings
from sources.erp.service import ServiceDescription
from sources.erp.soap import SOAP_ENV, WSSE

ENDPOINT = "/sap/bc/srt/customer"
NS = "urn:crmhub:erp:customer:v1"
TOKEN = (
    f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken><wsse:Username>crmhub</wsse:Username>'
    f"<wsse:Password>erp-local-secret</wsse:Password></wsse:UsernameToken></wsse:Security>"
)


def soap_request(url: str, payload: str, prolog: str = "") -> requests.Response:
    body = (
        f'<?xml version="1.0"?>{prolog}<e:Envelope xmlns:e="{SOAP_ENV}" xmlns:erp="{NS}">'
        f"<e:Header>{TOKEN}</e:Header><e:Body>{payload}</e:Body></e:Envelope>"
    )
    return requests.post(url + ENDPOINT, data=body.encode(), headers={"Content-Type": "text/xml"}, timeout=10)


def body_of(response: requests.Response) -> etree._Element:
    return etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body")[0]


def fault_of(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 500
    fault = body_of(response)
    detail = fault.find(f"detail/{{{NS}}}ErpFault")
    return {
        "faultcode": fault.findtext("faultcode"),
        "faultstring": fault.findtext("faultstring"),
        "code": detail.findtext(f"{{{NS}}}code"),
        "transient": detail.findtext(f"{{{NS}}}transient"),
    }


def test_wsdl_is_served_with_the_servers_own_address(erp):
    response = requests.get(f"{erp.server.url}{ENDPOINT}?wsdl", timeout=10)
    assert response.status_code == 200
    address = etree.fromstring(response.content).find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == f"{erp.server.url}{ENDPOINT}"
    client = zeep.Client(f"{erp.server.url}{ENDPOINT}?wsdl")
    operations = set(client.wsdl.bindings[f"{{{NS}}}CustomerBinding"]._operations)
    assert {"ListChangedCustomers", "GetCustomer", "UpsertCustomer"} <= operations


@pytest.mark.parametrize("digest", [False, True])
def test_username_token_with_text_or_digest_password_is_accepted(erp, digest):
    client = zeep.Client(
        f"{erp.server.url}{ENDPOINT}?wsdl",
        wsse=UsernameToken("crmhub", "erp-local-secret", use_digest=digest),
    )
    assert client.service.GetCustomer(KUNNR="0000001002").NAME1 == "ใจดี"


@pytest.mark.parametrize(
    "wsse",
    [
        UsernameToken("crmhub", "wrong"),
        UsernameToken("crmhub", "wrong", use_digest=True),
        UsernameToken("intruder", "erp-local-secret"),
        None,
    ],
    ids=["wrong-text", "wrong-digest", "unknown-user", "no-token"],
)
def test_bad_or_missing_credentials_are_a_soap_fault(erp, wsse):
    client = zeep.Client(f"{erp.server.url}{ENDPOINT}?wsdl", wsse=wsse)
    with pytest.raises(zeep.exceptions.Fault) as caught:
        client.service.GetCustomer(KUNNR="0000001002")
    assert caught.value.code == "wsse:FailedAuthentication"


def test_dtd_and_external_entities_are_refused_not_expanded(erp, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    response = soap_request(
        erp.server.url,
        "<erp:GetCustomer><erp:KUNNR>&x;</erp:KUNNR></erp:GetCustomer>",
        prolog=f'<!DOCTYPE e:Envelope [<!ENTITY x SYSTEM "file://{secret}">]>',
    )
    assert fault_of(response)["code"] == "DTD_FORBIDDEN"
    assert b"TOP-SECRET" not in response.content


def test_requests_are_validated_against_the_wsdl_schema(erp):
    short_number = "<erp:GetCustomer><erp:KUNNR>12</erp:KUNNR></erp:GetCustomer>"
    fault = fault_of(soap_request(erp.server.url, short_number))
    assert [fault[k] for k in ("faultcode", "code", "transient")] == [
        "soap-env:Client",
        "SCHEMA_VIOLATION",
        "false",
    ]
    assert "KUNNR" in fault["faultstring"]
    too_long = (
        "<erp:UpsertCustomer><erp:customer><erp:KUNNR>0000001001</erp:KUNNR>"
        f"<erp:NAME1>{'x' * 41}</erp:NAME1></erp:customer></erp:UpsertCustomer>"
    )
    assert fault_of(soap_request(erp.server.url, too_long))["code"] == "SCHEMA_VIOLATION"
    token = "<erp:ListChangedCustomers><erp:pageToken>nonsense</erp:pageToken></erp:ListChangedCustomers>"
    assert fault_of(soap_request(erp.server.url, token))["code"] == "INVALID_PAGE_TOKEN"
    missing = fault_of(
        soap_request(erp.server.url, "<erp:GetCustomer><erp:KUNNR>0000009999</erp:KUNNR></erp:GetCustomer>")
    )
    assert (missing["code"], missing["transient"]) == ("CUSTOMER_NOT_FOUND", "false")


def test_responses_match_the_wsdl_schema(erp, erp_rows):
    response = soap_request(
        erp.server.url, "<erp:ListChangedCustomers><erp:pageSize>10</erp:pageSize></erp:ListChangedCustomers>"
    )
    payload = body_of(response)
    schema = ServiceDescription().schema
    assert schema.validate(etree.ElementTree(payload)), schema.error_log
    assert len(payload.findall(f"{{{NS}}}customer")) == len(erp_rows)


def test_injected_transient_fault_is_a_server_fault_marked_transient(erp):
    erp.system.faults.arm(FaultSettings(soap_transient=1))
    request = "<erp:GetCustomer><erp:KUNNR>0000001001</erp:KUNNR></erp:GetCustomer>"
    fault = fault_of(soap_request(erp.server.url, request))
    assert (fault["faultcode"], fault["transient"]) == ("soap-env:Server", "true")
    assert soap_request(erp.server.url, request).status_code == 200


def test_admin_endpoint_arms_http_faults(erp):
    settings = {"http_429": 1, "retry_after": 2}
    armed = requests.post(f"{erp.server.url}/admin/faults", json=settings, timeout=10)
    assert armed.json()["http_429"] == 1
    response = requests.get(f"{erp.server.url}{ENDPOINT}?wsdl", timeout=10)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    assert requests.get(f"{erp.server.url}{ENDPOINT}?wsdl", timeout=10).status_code == 200
