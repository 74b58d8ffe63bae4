"""SOAP 1.1 envelopes and faults shaped like the Salesforce Partner API's.

A Partner API fault carries the exception code twice, as real clients expect: in ``faultcode``
(``sf:INVALID_SESSION_ID``) and in the typed detail (``<sf:UnexpectedErrorFault>`` with
``exceptionCode`` and ``exceptionMessage``), where ``sf`` is ``urn:fault.partner.soap.sforce.com``.
"""

from __future__ import annotations

from lxml import etree

from sources.erp.soap import SOAP_ENV

PARTNER_NS = "urn:partner.soap.sforce.com"
SOBJECT_NS = "urn:sobject.partner.soap.sforce.com"
FAULT_NS = "urn:fault.partner.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


class ApiFault(Exception):
    """``fault_type`` names the detail element (LoginFault, UnexpectedErrorFault, ...)."""

    def __init__(self, code: str, message: str, fault_type: str = "UnexpectedErrorFault"):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.fault_type = code, message, fault_type


def envelope(payload: etree._Element) -> bytes:
    env = etree.Element(
        f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, None: PARTNER_NS, "sf": SOBJECT_NS, "xsi": XSI}
    )
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_envelope(fault: ApiFault) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "sf": FAULT_NS, "xsi": XSI})
    node = etree.SubElement(etree.SubElement(env, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = f"sf:{fault.code}"
    etree.SubElement(node, "faultstring").text = f"{fault.code}: {fault.message}"
    detail = etree.SubElement(etree.SubElement(node, "detail"), f"{{{FAULT_NS}}}{fault.fault_type}")
    detail.set(f"{{{XSI}}}type", f"sf:{fault.fault_type}")
    etree.SubElement(detail, f"{{{FAULT_NS}}}exceptionCode").text = fault.code
    etree.SubElement(detail, f"{{{FAULT_NS}}}exceptionMessage").text = fault.message
    if fault.fault_type in ("MalformedQueryFault", "InvalidSObjectFault", "InvalidFieldFault"):
        etree.SubElement(detail, f"{{{FAULT_NS}}}row").text = "-1"
        etree.SubElement(detail, f"{{{FAULT_NS}}}column").text = "-1"
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
