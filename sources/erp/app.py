"""The ERP's HTTP face: ``GET <endpoint>?wsdl``, ``POST <endpoint>`` (SOAP 1.1) and fault injection."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from sources.erp.faults import FaultPlan, FaultSettings
from sources.erp.service import CustomerService, ServiceDescription
from sources.erp.soap import SoapFault, authenticate, envelope, fault_envelope, parse_envelope

SERVICE_PATH = "/sap/bc/srt/customer"
XML = "text/xml; charset=utf-8"


def create_app(
    service: CustomerService,
    description: ServiceDescription,
    users: Mapping[str, str] | None,
    faults: FaultPlan | None = None,
) -> FastAPI:
    """``users=None`` turns WS-Security off; ``faults=None`` removes the admin fault endpoints."""
    app = FastAPI(title="Local SAP-style ERP (customer master over SOAP)", docs_url=None, redoc_url=None)

    if faults is not None:
        @app.middleware("http")
        async def inject_http_faults(request: Request, call_next):
            if not request.url.path.startswith("/admin/"):
                if faults.take("http_503"):
                    return Response("service unavailable (injected)", status_code=503)
                if faults.take("http_429"):
                    return Response("too many requests (injected)", status_code=429,
                                    headers={"Retry-After": str(faults.retry_after)})
            return await call_next(request)

        @app.post("/admin/faults")
        def arm_faults(settings: FaultSettings) -> dict[str, object]:
            faults.arm(settings)
            return faults.state()

        @app.get("/admin/faults")
        def fault_state() -> dict[str, object]:
            return faults.state()

    @app.get(SERVICE_PATH)
    def wsdl(request: Request) -> Response:
        """The service description, as SOAP stacks publish it at ``<endpoint>?wsdl`` (WSDL 1.1:
        https://www.w3.org/TR/2001/NOTE-wsdl-20010315); this ERP's own contract is sources/erp/ (SAP-style
        customer master, names after SAP's KNA1 fields)."""
        if "wsdl" not in {key.lower() for key in request.query_params}:
            return Response(f"SOAP endpoint; the service description is at {SERVICE_PATH}?wsdl",
                            media_type="text/plain")
        address = str(request.url.replace(query=None, fragment=None))
        return Response(description.wsdl(address), media_type=XML)

    @app.post(SERVICE_PATH)
    async def soap(request: Request) -> Response:
        """SOAP 1.1 over HTTP POST (https://www.w3.org/TR/2000/NOTE-SOAP-20000508/), WS-Security
        UsernameToken in the header (https://docs.oasis-open.org/wss-m/wss/v1.1.1/os/wss-UsernameTokenProfile-v1.1.1-os.html)."""
        body = await request.body()
        try:
            payload = await run_in_threadpool(_answer, body)
            return Response(envelope(payload), media_type=XML)
        except SoapFault as fault:
            return Response(fault_envelope(fault), status_code=500, media_type=XML)

    def _answer(body: bytes):
        header, payload = parse_envelope(body)
        if users is not None:
            authenticate(header, users)
        if faults is not None and faults.take("soap_transient"):
            raise SoapFault("customer master is locked by another process (injected), retry later",
                            "ENQUEUE_LOCKED", side="Server", transient=True)
        try:
            return service.handle(payload)
        except SoapFault:
            raise
        except sqlite3.OperationalError as exc:  # "database is locked" and friends pass
            raise SoapFault(f"storage busy: {exc}", "STORAGE_BUSY", side="Server", transient=True) from exc
        except Exception as exc:  # a bug or storage failure must still answer as a SOAP fault
            raise SoapFault(f"internal error: {type(exc).__name__}", "INTERNAL", side="Server") from exc

    return app
