"""The ERP writes its replies as XML text (sources/erp/replies.py, issue 15: building an lxml element per
field was a third of the ERP's time in a bulk sync). The text must be what lxml writes for the same
elements, escaping and unsendable characters included, and every reply must satisfy the WSDL."""

from __future__ import annotations

from lxml import etree

from sources.erp import replies
from sources.erp.fields import CUSTOMER_FIELDS, NAMESPACE
from sources.erp.service import CustomerService, E
from sources.erp.soap import envelope

AWKWARD = {
    "KUNNR": "0000001001", "KTOKD": "ZPER", "NAME1": "Müller & Söhne <GmbH>", "NAME2": "",
    "NAME3": "O'Brien \"Jr.\"", "STRAS": "line 1\r\nline 2\ttab", "ORT01": "bad\x01\x1fcontrol\ufffe",
    "TELF1": "\ud800lone surrogate", "SMTP_ADDR": "a@b.example", "ZZ_GOLDEN_ID": None, "GBDAT": "1980-02-30",
}


def lxml_customer(fields: dict[str, str | None]) -> etree._Element:
    """The customer as an lxml tree, values made XML-safe, as the service built it before."""
    node = E.customer()
    for name in CUSTOMER_FIELDS:
        if fields.get(name):
            etree.SubElement(node, f"{{{NAMESPACE}}}{name}").text = replies.xml_safe(fields[name] or "")
    return node


def test_a_customer_is_written_as_lxml_writes_it():
    text = replies.payload("GetCustomerResponse", replies.customer(AWKWARD))
    written = etree.tostring(E.GetCustomerResponse(lxml_customer(AWKWARD)), encoding="utf-8",
                             xml_declaration=False)
    assert text.encode() == written
    parsed = etree.fromstring(text)[0]
    assert parsed.findtext(f"{{{NAMESPACE}}}STRAS") == "line 1\r\nline 2\ttab"  # CR survives parsing
    assert parsed.findtext(f"{{{NAMESPACE}}}ORT01") == "bad\ufffd\ufffdcontrol\ufffd"
    assert parsed.find(f"{{{NAMESPACE}}}NAME2") is None  # empty fields are left out


def test_the_envelope_is_the_one_lxml_wrote():
    payload = replies.payload("BlockCustomerResponse", replies.leaf("KUNNR", "0000001001"),
                              replies.boolean("blocked", True), replies.leaf("message", ""))
    tree = etree.Element("{http://schemas.xmlsoap.org/soap/envelope/}Envelope",
                         nsmap={"soap-env": "http://schemas.xmlsoap.org/soap/envelope/"})
    etree.SubElement(tree, "{http://schemas.xmlsoap.org/soap/envelope/}Body").append(
        E.BlockCustomerResponse(E.KUNNR("0000001001"), E.blocked("true"), E.message("")))
    assert envelope(payload) == etree.tostring(tree, xml_declaration=True, encoding="utf-8")
    assert replies.payload("GetCustomersResponse") == f'<erp:GetCustomersResponse xmlns:erp="{NAMESPACE}"/>'


def test_every_reply_satisfies_the_wsdl(erp):
    service = CustomerService(erp.system.store, erp.system.description)
    erp.system.store.upsert("0000001001", {"STRAS": "a & b\r\n<c>"})
    requests = [
        E.ListChangedCustomers(E.pageSize("4")),
        E.ListChangedCustomers(E.pageToken(_token(service)), E.pageSize("1000")),  # empty last page
        E.GetCustomer(E.KUNNR("0000001001")),
        E.GetCustomers(E.KUNNR("0000001001"), E.KUNNR("0000009999")),
        E.UpsertCustomer(E.customer(E.KUNNR("0000001002"), E.ZZ_GOLDEN_ID("G-2"))),
        E.UpsertCustomers(E.customer(E.KUNNR("0000001003"), E.ZZ_GOLDEN_ID("G-3")),
                          E.customer(E.KTOKD("ZPER"))),  # refused: an ERROR item
        E.BlockCustomer(E.KUNNR("0000001004"), E.mode("BLOCK")),
    ]
    for request in requests:
        reply = etree.fromstring(service.handle(request))
        assert erp.system.description.is_valid(reply), etree.QName(request).localname


def _token(service: CustomerService) -> str:
    page = etree.fromstring(service.handle(E.ListChangedCustomers(E.pageSize("1000"))))
    return page.findtext(f"{{{NAMESPACE}}}nextPageToken") or ""
