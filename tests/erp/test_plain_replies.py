"""The ERP connector reads its bulk replies plainly (connectors/soap_plain.py): the data must be exactly
what zeep's objects gave (serialize_object), reply by reply, and faults, retries and unusual replies
must behave as with zeep (issue 15: zeep's objects were ~32 s of a 100k sync)."""

from __future__ import annotations

import pytest
from lxml import etree
from zeep.exceptions import XMLParseError
from zeep.helpers import serialize_object

from connectors.soap import SoapFaultError
from sources.erp.faults import FaultSettings

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
ERP = "urn:crmhub:erp:customer:v1"


def both(call, operation, **arguments):
    """(plain, zeep) data of the same call."""
    return call.plain(operation, **arguments), serialize_object(call(operation, **arguments), dict)


def test_every_reply_the_connector_reads_is_zeeps_data_without_zeep(erp):
    connector = erp.connector(page_size=2)
    call = connector.call
    token, numbers = None, []
    while True:  # pages of 2 through all customers: optional fields absent, the last page's token
        plain, zeep = both(call, "ListChangedCustomers", pageToken=token, pageSize=2)
        assert plain == zeep
        assert isinstance(plain["moreAvailable"], bool)
        numbers += [customer["KUNNR"] for customer in plain["customer"]]
        token = plain["nextPageToken"]
        if not plain["moreAvailable"]:
            break
    assert len(numbers) == 6
    plain, zeep = both(call, "GetCustomers", KUNNR=[numbers[0], "0000009999", numbers[1]])
    assert plain == zeep and plain["missing"][0]["index"] == 1  # xsd:nonNegativeInteger -> int
    plain, zeep = both(call, "GetCustomer", KUNNR=numbers[2])  # one element: unwrapped to the customer
    assert plain == zeep and plain["KUNNR"] == numbers[2]
    plain, zeep = both(call, "UpsertCustomers", customer=[{"KUNNR": numbers[0], "ZZ_GOLDEN_ID": "G-1"},
                                                          {"KTOKD": "ZPER"}])  # unwrapped to the results
    assert [r["status"] for r in plain] == ["OK", "ERROR"] and plain[1] == zeep[1]
    assert plain[0] == {**zeep[0], "changed": True}  # zeep's call came second: no change left to make
    assert all(call.reader(op).zeep_reads == 0 for op in ("ListChangedCustomers", "GetCustomers",
                                                          "GetCustomer", "UpsertCustomers"))
    assert not isinstance(call("GetCustomer", KUNNR=numbers[2]), dict)  # raw replies stay in plain()


def test_faults_and_retries_are_those_of_a_zeep_call(erp):
    call = erp.connector().call
    with pytest.raises(SoapFaultError) as fault:
        call.plain("GetCustomer", KUNNR="0000009999")
    assert (fault.value.code, fault.value.transient) == ("CUSTOMER_NOT_FOUND", False)
    erp.system.faults.arm(FaultSettings(soap_transient=2))
    assert len(call.plain("ListChangedCustomers", pageSize=3)["customer"]) == 3  # retried twice
    assert erp.system.faults.served["soap_transient"] == 2


def _reply(*customers: str, more: str = "false") -> etree._Element:
    text = (f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body><erp:ListChangedCustomersResponse xmlns:erp="{ERP}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{"".join(customers)}'
            f"<erp:moreAvailable>{more}</erp:moreAvailable></erp:ListChangedCustomersResponse></e:Body></e:Envelope>")
    return etree.fromstring(text)


@pytest.mark.parametrize("customers, more", [
    (['<erp:customer><erp:KUNNR>0000001001</erp:KUNNR></erp:customer>'], "1"),  # boolean spelled 1
    (['<erp:customer><erp:KUNNR>0000001001</erp:KUNNR><erp:NAME1/></erp:customer>'], "false"),  # empty
    (['<erp:customer><erp:KUNNR xsi:nil="true"/></erp:customer>'], "false"),  # attributes: zeep reads
    (['<erp:customer/>', '<erp:customer><erp:NAME1>A</erp:NAME1></erp:customer>'], "false"),  # empty customer
    (['<customer><KUNNR>0000001001</KUNNR></customer>'], "true"),  # unqualified: zeep's workaround
    ([], "not a boolean"),  # zeep logs and keeps None
])
def test_unusual_replies_get_what_zeep_makes_of_them(erp, customers, more):
    reader = erp.connector().call.reader("ListChangedCustomers")
    envelope = _reply(*customers, more=more)
    assert reader.read(envelope) == serialize_object(reader.operation.process_reply(envelope), dict)


def test_replies_zeep_refuses_are_refused_the_same_way(erp):
    reader = erp.connector().call.reader("ListChangedCustomers")
    out_of_order = _reply("<erp:customer><erp:NAME1>A</erp:NAME1>"
                          "<erp:KUNNR>0000001001</erp:KUNNR></erp:customer>")
    with pytest.raises(XMLParseError):
        reader.operation.process_reply(out_of_order)
    with pytest.raises(XMLParseError):
        reader.read(out_of_order)
    assert reader.zeep_reads == 1
