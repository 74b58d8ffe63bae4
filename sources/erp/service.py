"""The CustomerService operations behind the WSDL: XML payload in, XML payload out.

Requests are validated against the XSD embedded in ``customer.wsdl`` before anything is read from
them, so the WSDL is the single definition of what the service accepts and returns. Replies are
written as XML text (:mod:`sources.erp.replies`), the cheap way for pages of many customers.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections import Counter
from collections.abc import Callable
from functools import cached_property
from importlib import resources

from lxml import etree
from lxml.builder import ElementMaker

from sources.erp import replies
from sources.erp.fields import NAMESPACE, WRITABLE_FIELDS, customer_number, parse_stamp
from sources.erp.replies import boolean, leaf, payload
from sources.erp.soap import SoapFault, hardened_parser
from sources.erp.store import CustomerBatch, CustomerStore, UpsertOutcome

MAX_PAGE_SIZE = 1000
#: Most customers one GetCustomers / UpsertCustomers call takes (the WSDL says so).
MAX_BULK_ITEMS = 100
DEFAULT_PAGE_SIZE = 100
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
E = ElementMaker(namespace=NAMESPACE, nsmap={"erp": NAMESPACE})


class ServiceDescription:
    """The packaged WSDL: served with the caller's address, and the XSD that requests must satisfy."""

    def __init__(self) -> None:
        text = resources.files("sources.erp").joinpath("customer.wsdl").read_bytes()
        self.document = etree.fromstring(text, parser=hardened_parser())

    def wsdl(self, address: str) -> bytes:
        document = copy.deepcopy(self.document)
        for node in document.iter(f"{{{WSDL_SOAP_NS}}}address"):
            node.set("location", address)
        return etree.tostring(document, xml_declaration=True, encoding="utf-8")

    @cached_property
    def schema(self) -> etree.XMLSchema:
        return etree.XMLSchema(self.document.find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema"))

    def is_valid(self, payload: etree._Element) -> bool:
        """Whether ``payload`` satisfies the schema (no fault: the caller decides what follows)."""
        return bool(self.schema.validate(copy.deepcopy(payload)))

    def validate(self, payload: etree._Element) -> None:
        standalone = copy.deepcopy(payload)
        if not self.schema.validate(standalone):
            errors = "; ".join(f"line {e.line}: {e.message}" for e in list(self.schema.error_log)[:3])
            raise SoapFault(f"request does not match the WSDL schema: {errors}", "SCHEMA_VIOLATION")


class CustomerService:
    """Dispatches a validated request element to its operation."""

    def __init__(self, store: CustomerStore, description: ServiceDescription,
                 corrupt_next_page: Callable[[], bool] = lambda: False):
        self.store = store
        self.description = description
        #: Fault injection hook: when it returns True, one customer of the next page is corrupted.
        self.corrupt_next_page = corrupt_next_page
        #: Requests answered, by operation: tests count round trips at the system, not in the client.
        self.calls: Counter[str] = Counter()
        self.operations: dict[str, Callable[[etree._Element], str]] = {
            "ListChangedCustomers": self.list_changed_customers,
            "GetCustomer": self.get_customer,
            "UpsertCustomer": self.upsert_customer,
            "BlockCustomer": self.block_customer,
            "GetCustomers": self.get_customers,
            "UpsertCustomers": self.upsert_customers,
        }

    def handle(self, payload: etree._Element) -> str:
        """The reply payload (one element, as XML text) to a request payload, or a SoapFault."""
        qname = etree.QName(payload)
        operation = self.operations.get(qname.localname) if qname.namespace == NAMESPACE else None
        if operation is None:
            raise SoapFault(f"unknown operation {qname.text}", "UNKNOWN_OPERATION")
        self.calls[qname.localname] += 1
        if qname.localname == "UpsertCustomers":
            # checked per customer (each in its own unit of work), so one bad item fails alone
            if len(payload) > MAX_BULK_ITEMS:
                raise SoapFault(f"UpsertCustomers takes at most {MAX_BULK_ITEMS} customers, "
                                f"got {len(payload)}", "TOO_MANY_ITEMS")
        else:
            self.description.validate(payload)
        return operation(payload)

    def list_changed_customers(self, request: etree._Element) -> str:
        size = min(int(_text(request, "pageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        token, since = _text(request, "pageToken"), _text(request, "changedSince")
        after = decode_page_token(token) if token else None
        changed_since = parse_stamp(since) if since and after is None else None
        rows = self.store.list_changed(changed_since, after, size + 1)
        page, more = rows[:size], len(rows) > size
        if page and self.corrupt_next_page():
            page[0] = {**page[0], "SMTP_ADDR": "not-an-e-mail@@broken"}
        last = page[-1] if page else None
        position = [leaf("nextPageToken", encode_page_token(last["CHANGED_AT"] or "", last["KUNNR"] or ""))
                    ] if last else []
        return payload("ListChangedCustomersResponse", *map(replies.customer, page), *position,
                       boolean("moreAvailable", more))

    def get_customer(self, request: etree._Element) -> str:
        kunnr = _text(request, "KUNNR")
        customer = self.store.get(kunnr)
        if customer is None:
            raise SoapFault(f"customer {kunnr} does not exist", "CUSTOMER_NOT_FOUND")
        if customer.get("CVP_XBLCK"):
            raise _blocked(kunnr)
        return payload("GetCustomerResponse", replies.customer(customer))

    def upsert_customer(self, request: etree._Element) -> str:
        outcome = self._upsert(request.find(f"{{{NAMESPACE}}}customer"))
        return payload("UpsertCustomerResponse", replies.customer(outcome.customer),
                       boolean("created", outcome.created), boolean("changed", outcome.changed))

    def get_customers(self, request: etree._Element) -> str:
        """GetCustomers: the found customers in the order asked; the others under ``missing``. One
        store query for all of them."""
        numbers = [node.text or "" for node in request.iterfind(f"{{{NAMESPACE}}}KUNNR")]
        found = self.store.get_many(numbers)
        customers, missing = [], []
        for index, kunnr in enumerate(numbers):
            customer = found.get(customer_number(kunnr))
            if customer is None:
                fault = SoapFault(f"customer {kunnr} does not exist", "CUSTOMER_NOT_FOUND")
                missing.append(_item_result(index, kunnr, fault, "missing"))
            elif customer.get("CVP_XBLCK"):
                missing.append(_item_result(index, kunnr, _blocked(kunnr), "missing"))
            else:
                customers.append(replies.customer(customer))
        return payload("GetCustomersResponse", *customers, *missing)

    def upsert_customers(self, request: etree._Element) -> str:
        """UpsertCustomers: each customer as by UpsertCustomer, schema included; a failing one gets an
        ERROR result and the others are written (SAP replication services log per item the same way).

        The schema is checked once for the whole request; only when that fails is each customer
        checked alone, to tell which ones fail (a request is valid exactly when each of its 1-100
        customers is). The customers are written in one transaction, each in its own savepoint."""
        results = []
        each_checked = not self.description.is_valid(request)
        with self.store.bulk() as batch:
            batch.read([kunnr for node in request if (kunnr := node.findtext(f"{{{NAMESPACE}}}KUNNR"))])
            for index, node in enumerate(request):
                kunnr = node.findtext(f"{{{NAMESPACE}}}KUNNR")
                try:
                    if each_checked:
                        self.description.validate(E.UpsertCustomer(copy.deepcopy(node)))
                    outcome = self._upsert(node, batch)
                except SoapFault as fault:
                    results.append(_item_result(index, kunnr, fault))
                    continue
                results.append(replies.node(
                    "result", leaf("index", str(index)), leaf("KUNNR", outcome.customer["KUNNR"] or ""),
                    leaf("status", "OK"), boolean("created", outcome.created),
                    boolean("changed", outcome.changed)))
        return payload("UpsertCustomersResponse", *results)

    def _upsert(self, node: etree._Element, store: CustomerStore | CustomerBatch | None = None,
                ) -> UpsertOutcome:
        """One customer's create or update, on the store or in a bulk call's unit of work."""
        store = store or self.store
        given = {etree.QName(child).localname: (child.text or "") for child in node}
        kunnr = given.get("KUNNR") or None
        fields = {k: v for k, v in given.items() if k in WRITABLE_FIELDS}
        current = store.get(kunnr) if kunnr is not None else None  # with its block, when set
        if current is not None and current.get("CVP_XBLCK"):
            raise _blocked(kunnr or "")
        is_new = current is None
        if is_new and not (fields.get("KTOKD") and fields.get("NAME1")):
            raise SoapFault("a new customer needs KTOKD and NAME1", "MISSING_FIELD")
        return store.upsert(kunnr, fields)

    def block_customer(self, request: etree._Element) -> str:
        """BlockCustomer: SAP-style data-protection block, anonymising unless mode is BLOCK (the WSDL
        documents it)."""
        kunnr = _text(request, "KUNNR")
        anonymize = (_text(request, "mode") or "ANONYMIZE") == "ANONYMIZE"
        if not self.store.block(kunnr, anonymize):
            raise SoapFault(f"customer {kunnr} does not exist", "CUSTOMER_NOT_FOUND")
        return payload("BlockCustomerResponse", leaf("KUNNR", kunnr or ""), boolean("blocked", True),
                       boolean("anonymized", anonymize))


def _item_result(index: int, kunnr: str | None, fault: SoapFault, tag: str = "result") -> str:
    """One ERROR entry of a bulk response: what the single-record operation would have faulted with."""
    return replies.node(tag, leaf("index", str(index)), leaf("KUNNR", kunnr or ""), leaf("status", "ERROR"),
                        leaf("code", fault.code), leaf("message", fault.message))


def _blocked(kunnr: str) -> SoapFault:
    return SoapFault(f"customer {kunnr} is blocked for data protection (business purpose completed)",
                     "CUSTOMER_BLOCKED")


def encode_page_token(stamp: str, kunnr: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([stamp, kunnr]).encode()).decode()


def decode_page_token(token: str) -> tuple[str, str]:
    """Opaque to clients; a token that is not ours is the client's error, not a reason to restart."""
    try:
        stamp, kunnr = json.loads(base64.urlsafe_b64decode(token.encode()))
        parse_stamp(stamp)
        return str(stamp), str(kunnr)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise SoapFault(f"invalid pageToken: {exc}", "INVALID_PAGE_TOKEN") from None


def _text(request: etree._Element, name: str) -> str | None:
    value = request.findtext(f"{{{NAMESPACE}}}{name}")
    return value.strip() if value is not None else None
