"""A customer SOAP service written with spyne (a third-party SOAP framework), for the generic ``soap``
connector: its WSDL is spyne's own, not ours, and its shapes are the ones real services have and our
ERP imitation does not — a nested address, an array of e-mails, offset paging with a change-time
filter, HTTP Basic auth in front, SOAP faults with codes.

Operations: ``ListCustomers(changedSince, offset, limit)`` (ordered by change time, then id),
``GetCustomer(id)``, ``UpsertCustomer(customer)`` (replaces the given fields; the nested address and
the e-mail array are replaced whole, as such services do), faults ``Client.NotFound`` and
``Client.Invalid``. ``SpyneCrm.serve()`` runs it with wsgiref on a loopback port in a thread.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from spyne import Application, Array, ComplexModel, DateTime, Fault, Integer, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication
from spyne.service import Service

NAMESPACE = "urn:example:crm:customers"


class Address(ComplexModel):
    __namespace__ = NAMESPACE
    street = Unicode
    postal_code = Unicode
    city = Unicode
    country = Unicode(max_len=2)


class Customer(ComplexModel):
    __namespace__ = NAMESPACE
    id = Unicode
    name = Unicode
    company = Unicode
    address = Address
    emails = Array(Unicode)
    phone = Unicode
    golden_id = Unicode
    changed_at = DateTime


class CustomerPage(ComplexModel):
    __namespace__ = NAMESPACE
    customers = Array(Customer)
    total = Integer


@dataclass
class CustomerBook:
    """The service's data: customers by id, and the calls made (for tests)."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    upserts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, row: dict[str, Any]) -> None:
        with self.lock:
            self.customers[row["id"]] = {**row, "changed_at": datetime.now(UTC)}


def _customer(row: dict[str, Any]) -> Customer:
    address = row.get("address")
    return Customer(
        id=row["id"], name=row.get("name"), company=row.get("company"),
        address=Address(**address) if address else None, emails=list(row.get("emails") or []),
        phone=row.get("phone"), golden_id=row.get("golden_id"), changed_at=row["changed_at"],
    )


def _service(book: CustomerBook) -> type[Service]:
    class CustomerService(Service):
        @rpc(DateTime, Integer, Integer, _returns=CustomerPage)
        def ListCustomers(ctx, changedSince, offset, limit):  # noqa: N802, N803 - the service's names
            with book.lock:
                rows = sorted(book.customers.values(), key=lambda r: (r["changed_at"], r["id"]))
            if changedSince is not None:
                since = changedSince if changedSince.tzinfo else changedSince.replace(tzinfo=UTC)
                rows = [r for r in rows if r["changed_at"] >= since]
            start, size = offset or 0, min(limit or 50, 200)
            return CustomerPage(customers=[_customer(r) for r in rows[start:start + size]], total=len(rows))

        @rpc(Unicode, _returns=Customer)
        def GetCustomer(ctx, id):  # noqa: N802, A002
            with book.lock:
                row = book.customers.get(id)
            if row is None:
                raise Fault("Client.NotFound", f"no customer {id}")
            return _customer(row)

        @rpc(Customer, _returns=Customer)
        def UpsertCustomer(ctx, customer):  # noqa: N802
            if not customer.id:
                raise Fault("Client.Invalid", "customer.id is required")
            with book.lock:
                row = dict(book.customers.get(customer.id) or {"id": customer.id})
                for name in ("name", "company", "phone", "golden_id"):
                    if getattr(customer, name) is not None:
                        row[name] = getattr(customer, name)
                if customer.address is not None:
                    row["address"] = {k: getattr(customer.address, k) for k in
                                      ("street", "postal_code", "city", "country")}
                if customer.emails is not None:
                    row["emails"] = list(customer.emails)
                row["changed_at"] = datetime.now(UTC)
                book.customers[customer.id] = row
                book.upserts += 1
                return _customer(row)

    return CustomerService


def _basic_auth(app: Any, login: str, password: str) -> Any:
    """HTTP Basic in front of the SOAP endpoint (the WSDL too), as such services sit behind a proxy."""
    expected = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_AUTHORIZATION") != expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="crm"'),
                                                ("Content-Type", "text/plain")])
            return [b"unauthorized"]
        return app(environ, start_response)

    return guarded


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:  # the test output stays readable
        pass


class SpyneCrm:
    """The service on ``127.0.0.1:<free port>`` in a thread; ``url`` is its endpoint (WSDL: ``?wsdl``)."""

    def __init__(self, book: CustomerBook, login: str = "crm", password: str = "secret"):
        application = Application([_service(book)], tns=NAMESPACE, in_protocol=Soap11(validator="lxml"),
                                  out_protocol=Soap11())
        self.book, self.login, self.password = book, login, password
        self.server = make_server("127.0.0.1", 0, _basic_auth(WsgiApplication(application), login, password),
                                  handler_class=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    def serve(self) -> SpyneCrm:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
