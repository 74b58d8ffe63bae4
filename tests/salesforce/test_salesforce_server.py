"""The local org itself: Partner API shapes (WSDL, login, faults), the SOQL subset, upsert by external id."""

from __future__ import annotations

import pytest
import requests
import zeep
from lxml import etree

from sources.salesforce import SalesforceSystem
from sources.salesforce.objects import id18, record_id
from sources.salesforce.soql import SoqlError, parse
from tests.salesforce.conftest import ACCOUNTS, CONTACTS, ROWS

BINDING = "{urn:partner.soap.sforce.com}SoapBinding"
FAULT_NS = "urn:fault.partner.soap.sforce.com"
SOBJECT_NS = "urn:sobject.partner.soap.sforce.com"


@pytest.fixture
def api(org):
    """(zeep instance service, headers with a fresh session, sObject factory)."""
    client = zeep.Client(f"{org.server.url}/soap/wsdl.jsp?type=*")
    login = client.service.login(
        username=org.system.org.username, password=org.system.org.password + org.system.org.security_token
    )
    service = client.create_service(BINDING, login.serverUrl)
    return (
        service,
        {"SessionHeader": {"sessionId": login.sessionId}},
        client.get_type(f"{{{SOBJECT_NS}}}sObject"),
    )


def fields(record) -> dict[str, str | None]:
    return {etree.QName(node).localname: node.text for node in record._value_1 or []}


def element(name: str, value: str) -> etree._Element:
    node = etree.Element(f"{{{SOBJECT_NS}}}{name}")
    node.text = value
    return node


def test_ids_are_18_character_case_safe_ids():
    assert id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # example from Salesforce's documentation
    assert record_id("Contact", 1) == "0035g0000000001AAA"


def test_seeding_is_idempotent_and_keeps_pushed_values(tmp_path):
    system = SalesforceSystem(tmp_path)
    assert system.seed(ROWS) == len(ROWS)
    system.store.save("Contact", CONTACTS[0], {"CRM_Golden_Id__c": "golden-1"})
    stamp = system.inspect(CONTACTS[0])["SystemModstamp"]
    system.seed(ROWS)
    assert system.inspect(CONTACTS[0])["CRM_Golden_Id__c"] == "golden-1"
    assert system.inspect(CONTACTS[1])["SystemModstamp"] == "2024-03-01T08:00:00.000Z"
    assert system.inspect(CONTACTS[0])["SystemModstamp"] == stamp
    with pytest.raises(ValueError, match="row 0"):
        system.seed([{**ROWS[0], "source_id": "0015g0000000001AAA"}])  # an Account id for a person


def test_a_wrong_login_is_a_login_fault_shaped_like_salesforces(org):
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login><urn:username>'
        f"{org.system.org.username}</urn:username><urn:password>wrong</urn:password></urn:login>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    response = requests.post(
        f"{org.server.url}/services/Soap/u/59.0",
        data=body.encode(),
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
        timeout=10,
    )
    assert response.status_code == 500
    fault = etree.fromstring(response.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault.findtext("faultcode") == "sf:INVALID_LOGIN"
    detail = fault.find(f"detail/{{{FAULT_NS}}}LoginFault")
    assert detail.findtext(f"{{{FAULT_NS}}}exceptionCode") == "INVALID_LOGIN"
    assert "security token" in detail.findtext(f"{{{FAULT_NS}}}exceptionMessage")


def test_calls_without_a_valid_session_fail_with_invalid_session_id(org, api):
    service, _, _ = api
    with pytest.raises(zeep.exceptions.Fault) as caught:
        service.query(
            queryString="SELECT Id FROM Contact", _soapheaders={"SessionHeader": {"sessionId": "x"}}
        )
    assert caught.value.code == "sf:INVALID_SESSION_ID"


def test_query_and_query_more_page_by_batch_size(org, api):
    service, headers, _ = api
    paged = {**headers, "QueryOptions": {"batchSize": 2}}
    first = service.query(
        queryString="SELECT Id, LastName FROM Contact ORDER BY LastName DESC", _soapheaders=paged
    )
    assert (first.done, first.size, len(first.records)) == (False, 5, 2)
    names = [fields(r)["LastName"] for r in first.records]
    while not first.done:
        first = service.queryMore(queryLocator=first.queryLocator, _soapheaders=paged)
        names += [fields(r)["LastName"] for r in first.records]
    assert names == sorted(names, reverse=True) and len(names) == 5
    with pytest.raises(zeep.exceptions.Fault, match="INVALID_QUERY_LOCATOR"):
        service.queryMore(queryLocator="01gXXXXXXXXXXXXXXX-2", _soapheaders=paged)


def test_the_default_minimum_batch_is_salesforces_200(tmp_path):
    from sources.salesforce.service import Org, PartnerService

    assert Org("u", "p", "t").min_batch_size == 200 and PartnerService  # documented default


def test_soql_subset_parses_keyset_conditions_and_refuses_the_rest(org, api):
    query = parse(
        "SELECT Id FROM Contact WHERE SystemModstamp > 2024-03-01T08:00:00.000Z OR "
        "(SystemModstamp = 2024-03-01T08:00:00.000Z AND Id > '0035g0000000001AAA') LIMIT 10"
    )
    rows = [
        {"Id": "0035g0000000002AAA", "SystemModstamp": "2024-03-01T08:00:00.000Z"},
        {"Id": "0035g0000000001AAA", "SystemModstamp": "2024-03-01T08:00:00.000Z"},
        {"Id": "0035g0000000000AAA", "SystemModstamp": "2024-03-02T00:00:00.000Z"},
    ]
    assert [query.where(r) for r in rows] == [True, False, True] and query.limit == 10
    with pytest.raises(SoqlError):
        parse("SELECT Id FROM Contact WHERE Name LIKE 'A%'")
    service, headers, _ = api
    with pytest.raises(zeep.exceptions.Fault, match="MALFORMED_QUERY"):
        service.query(queryString="SELECT FROM Contact", _soapheaders=headers)
    with pytest.raises(zeep.exceptions.Fault, match="INVALID_FIELD: No such column 'Foo'"):
        service.query(queryString="SELECT Id, Foo FROM Contact", _soapheaders=headers)
    with pytest.raises(zeep.exceptions.Fault, match="INVALID_TYPE"):
        service.query(queryString="SELECT Id FROM Lead", _soapheaders=headers)


def test_upsert_by_external_golden_id_creates_updates_and_refuses_duplicates(org, api):
    service, headers, sobject = api

    def upsert(*values):
        objects = [
            sobject(type="Account", Id=None, _value_1=[element(k, v) for k, v in pairs.items()])
            for pairs in values
        ]
        return service.upsert(externalIDFieldName="CRM_Golden_Id__c", sObjects=objects, _soapheaders=headers)

    [created] = upsert({"CRM_Golden_Id__c": "golden-9", "Name": "Nova Trading"})
    assert created.success and created.created
    [updated] = upsert({"CRM_Golden_Id__c": "golden-9", "Website": "https://nova.example"})
    assert updated.success and not updated.created and updated.id == created.id
    assert org.system.inspect(created.id)["Website"] == "https://nova.example"
    org.system.store.save("Account", ACCOUNTS[0], {"CRM_Golden_Id__c": "golden-9"})
    [duplicate, missing] = upsert(
        {"CRM_Golden_Id__c": "golden-9", "Phone": "1"}, {"CRM_Golden_Id__c": "g-10"}
    )
    assert not duplicate.success and duplicate.errors[0].statusCode == "DUPLICATE_EXTERNAL_ID"
    assert missing.errors[0].statusCode == "REQUIRED_FIELD_MISSING"
    with pytest.raises(zeep.exceptions.Fault, match="INVALID_FIELD"):
        service.upsert(
            externalIDFieldName="Website", sObjects=[sobject(type="Account", Id=None)], _soapheaders=headers
        )


def test_retrieve_returns_nil_for_unknown_ids(org, api):
    service, headers, _ = api
    found, missing = service.retrieve(
        fieldList="Id, Name",
        sObjectType="Account",
        ids=[ACCOUNTS[0], "0015g0000009999AAA"],
        _soapheaders=headers,
    )
    assert fields(found)["Name"] == "Müller Maschinenbau GmbH" and missing.Id is None
