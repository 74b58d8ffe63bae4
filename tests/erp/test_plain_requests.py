"""The ERP connector renders its requests plainly (connectors/soap_plain_request.py): the envelope sent
must be byte for byte the one zeep renders from the same arguments, and arguments zeep would treat
its own way must get zeep's request or zeep's error (issue 15: zeep's objects were half the hub's CPU
in the ERP's push)."""

from __future__ import annotations

import pytest
from lxml import etree
from zeep import Plugin

from connectors.base import ConnectorError


class Sent(Plugin):
    """What zeep hands to the transport, after the envelope is built (a zeep egress plugin)."""

    def __init__(self) -> None:
        self.envelopes: list[bytes] = []

    def egress(self, envelope, http_headers, operation, binding_options):  # noqa: ANN001, ANN201
        self.envelopes.append(etree.tostring(envelope))
        return envelope, http_headers


@pytest.fixture
def call(erp):
    caller = erp.connector().call
    caller.sent = Sent()
    caller.service._client.plugins.append(caller.sent)
    return caller


def sent_both_ways(call, operation, **arguments) -> tuple[bytes, bytes]:
    """(plain, zeep) envelope of the same call."""
    call.plain(operation, **arguments)
    call(operation, **arguments)
    plain, zeep = call.sent.envelopes[-2:]
    return plain, zeep


CUSTOMERS = [
    {"KUNNR": "0000001001", "ZZ_GOLDEN_ID": "G-1", "NAME1": "Nguyễn", "NAME2": "Thị Minh Khai",
     "STRAS": "ถนนสุขุมวิท 21", "ORT01": "台北市", "SMTP_ADDR": "a&b<c>@example.com"},
    {"KUNNR": "0000001002", "NAME1": "", "ORT01": None, "TELF1": "+359 2 123 4567"},  # cleared, left out
    {"KUNNR": "0000001003"},
]


@pytest.mark.parametrize("operation, arguments", [
    ("UpsertCustomers", {"customer": CUSTOMERS}),
    ("UpsertCustomers", {"customer": [{"KUNNR": f"{n:010d}", "ZZ_GOLDEN_ID": f"G-{n}"} for n in range(100)]}),
    ("GetCustomers", {"KUNNR": ["0000001001", "0000009999"]}),
    ("GetCustomer", {"KUNNR": "0000001001"}),
    ("ListChangedCustomers", {"pageSize": 2}),
])
def test_every_request_the_connector_sends_is_zeeps_envelope(call, operation, arguments):
    plain, zeep = sent_both_ways(call, operation, **arguments)
    assert plain == zeep
    assert call.request(operation).zeep_writes == 0


def test_a_next_page_request_is_zeeps_envelope(call):
    token = call.plain("ListChangedCustomers", pageSize=2)["nextPageToken"]
    plain, zeep = sent_both_ways(call, "ListChangedCustomers", pageToken=token, pageSize=2)
    assert token and plain == zeep


@pytest.mark.parametrize("arguments", [
    {"customer": [{"KUNNR": "0000001001", "NAME1": ["two", "names"]}]},  # a list for one value
    {"customer": [{"KUNNR": "0000001001", "NAME1": b"bytes"}]},  # zeep decodes bytes
    {"customer": [{"KUNNR": "0000001001"}, None]},  # an item of None
])
def test_arguments_zeep_renders_its_own_way_get_zeeps_request(call, arguments):
    request = call.request("UpsertCustomers")
    try:
        call.plain("UpsertCustomers", **arguments)
        plain: object = call.sent.envelopes[-1]
    except Exception as exc:  # noqa: BLE001 - compared with zeep's own error below
        plain = type(exc)
    try:
        call("UpsertCustomers", **arguments)
        zeep: object = call.sent.envelopes[-1]
    except Exception as exc:  # noqa: BLE001
        zeep = type(exc)
    assert plain == zeep
    assert request.zeep_writes == 1


@pytest.mark.parametrize("arguments, error, message", [
    ({"customer": [{"KUNNR": "0000001001", "NO_SUCH_FIELD": "x"}]}, TypeError, "NO_SUCH_FIELD"),
    ({"customer": [{"KUNNR": f"{n:010d}"} for n in range(101)]}, ConnectorError, "maxOccurs"),
    ({"customer": []}, ConnectorError, "minOccurs"),
])
def test_arguments_zeep_refuses_get_zeeps_error(call, arguments, error, message):
    with pytest.raises(error, match=message):
        call("UpsertCustomers", **arguments)
    with pytest.raises(error, match=message):
        call.plain("UpsertCustomers", **arguments)
    assert call.request("UpsertCustomers").zeep_writes == 1
