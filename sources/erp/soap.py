"""SOAP 1.1 on the server side: hardened envelope parsing, WS-Security UsernameToken, faults.

Requests are untrusted XML, so they are parsed without DTDs, entity expansion or network access and
refused when they carry a DOCTYPE at all (billion-laughs / XXE). Faults follow SOAP 1.1: ``Client``
for requests that will fail again unchanged, ``Server`` for our side; a fault whose ``ErpFault``
detail says ``transient=true`` is worth retrying.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from lxml import etree

from sources.erp.fields import NAMESPACE

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{_TOKEN_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{_TOKEN_PROFILE}#PasswordDigest"

#: Largest request body accepted; customer requests are a few kB.
MAX_REQUEST_BYTES = 1_000_000
#: How far a digest token's Created may be from the server clock.
TOKEN_MAX_AGE = timedelta(minutes=5)


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=True)


class SoapFault(Exception):
    """A fault to send back. ``side`` is SOAP 1.1's ``Client`` or ``Server``; ``code`` our reason code."""

    def __init__(self, message: str, code: str, side: str = "Client", transient: bool = False,
                 faultcode: str | None = None):
        super().__init__(message)
        self.message, self.code, self.side, self.transient = message, code, side, transient
        self.faultcode = faultcode or f"soap-env:{side}"


def parse_envelope(body: bytes) -> tuple[etree._Element | None, etree._Element]:
    """Return (SOAP Header or None, the single Body payload element) of a request."""
    if len(body) > MAX_REQUEST_BYTES:
        raise SoapFault(f"request larger than {MAX_REQUEST_BYTES} bytes", "REQUEST_TOO_LARGE")
    try:
        tree = etree.fromstring(body, parser=hardened_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"request is not well-formed XML: {exc}", "MALFORMED_XML") from None
    if tree.docinfo.doctype:
        raise SoapFault("DOCTYPE declarations are not allowed", "DTD_FORBIDDEN")
    root = tree.getroot()
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault(f"expected a SOAP 1.1 Envelope, got {root.tag}", "NOT_SOAP11")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    payload = [child for child in (body if body is not None else []) if isinstance(child.tag, str)]
    if len(payload) != 1:
        raise SoapFault("SOAP Body must hold exactly one request element", "BAD_BODY")
    return header, payload[0]


def authenticate(header: etree._Element | None, users: Mapping[str, str], now: datetime | None = None) -> str:
    """Check the WS-Security UsernameToken (PasswordText or PasswordDigest); return the user name."""
    token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken") if header is not None else None
    if token is None:
        raise _auth_failed("WS-Security UsernameToken required")
    username = token.findtext(f"{{{WSSE}}}Username") or ""
    password = token.find(f"{{{WSSE}}}Password")
    expected = users.get(username)
    if expected is None or password is None:
        raise _auth_failed("unknown user or missing password")
    kind = password.get("Type", PASSWORD_TEXT)
    if kind == PASSWORD_TEXT:
        ok = hmac.compare_digest((password.text or "").encode(), expected.encode())
    elif kind == PASSWORD_DIGEST:
        ok = _digest_ok(token, password.text or "", expected, now or datetime.now(UTC))
    else:
        raise _auth_failed(f"unsupported password type {kind}")
    if not ok:
        raise _auth_failed("wrong password")
    return username


def _digest_ok(token: etree._Element, digest: str, expected: str, now: datetime) -> bool:
    """WSS UsernameToken profile: Base64(SHA-1(nonce + created + password)), with a fresh Created."""
    nonce_text, created = token.findtext(f"{{{WSSE}}}Nonce"), token.findtext(f"{{{WSU}}}Created")
    if not nonce_text or not created:
        raise _auth_failed("password digest needs Nonce and Created")
    try:
        nonce = base64.b64decode(nonce_text, validate=True)
        moment = datetime.fromisoformat(created.strip())
    except (binascii.Error, ValueError):
        raise _auth_failed("malformed Nonce or Created") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if abs(now - moment) > TOKEN_MAX_AGE:
        raise _auth_failed("token Created is too old or in the future")
    computed = base64.b64encode(hashlib.sha1(nonce + created.encode() + expected.encode()).digest())
    return hmac.compare_digest(computed, digest.strip().encode())


def _auth_failed(message: str) -> SoapFault:
    # WS-Security 1.1 section 12: the fault code for bad credentials is wsse:FailedAuthentication.
    return SoapFault(f"authentication failed: {message}", "FAILED_AUTHENTICATION",
                     faultcode="wsse:FailedAuthentication")


_ENVELOPE_START = ("<?xml version='1.0' encoding='utf-8'?>\n"
                   f'<soap-env:Envelope xmlns:soap-env="{SOAP_ENV}"><soap-env:Body>').encode()
_ENVELOPE_END = b"</soap-env:Body></soap-env:Envelope>"


def envelope(payload: str) -> bytes:
    """The SOAP 1.1 Envelope around a reply payload written as text (sources/erp/replies.py), the bytes
    lxml wrote for the same tree."""
    return _ENVELOPE_START + payload.encode() + _ENVELOPE_END


def fault_envelope(fault: SoapFault) -> bytes:
    """SOAP 1.1 Fault: unqualified faultcode/faultstring/detail, detail holds ``erp:ErpFault``."""
    nsmap = {"soap-env": SOAP_ENV, "wsse": WSSE, "erp": NAMESPACE}
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=nsmap)
    node = etree.SubElement(etree.SubElement(env, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = fault.faultcode
    etree.SubElement(node, "faultstring").text = fault.message
    detail = etree.SubElement(etree.SubElement(node, "detail"), f"{{{NAMESPACE}}}ErpFault")
    etree.SubElement(detail, f"{{{NAMESPACE}}}code").text = fault.code
    etree.SubElement(detail, f"{{{NAMESPACE}}}transient").text = "true" if fault.transient else "false"
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
