"""The local org's HTTP face: the OAuth 2.0 token endpoint, the REST API and Bulk API 2.0 query jobs
(:mod:`rest`, :mod:`bulk`), the Partner WSDL and SOAP endpoint (login and instance URLs), and fault
injection for tests (``/admin/faults`` as in the local ERP, ``/admin/sessions/expire``)."""

from __future__ import annotations

import copy
import sqlite3
from importlib import resources

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from lxml import etree
from starlette.concurrency import run_in_threadpool

from sources.erp.faults import FaultPlan, FaultSettings
from sources.erp.soap import SoapFault, hardened_parser, parse_envelope
from sources.salesforce.bulk import bulk_router
from sources.salesforce.oauth import ConnectedApp, token_router
from sources.salesforce.rest import RestError, query_router, records_router
from sources.salesforce.service import API_VERSION, ORG_ID, Org, PartnerService
from sources.salesforce.soap import ApiFault, envelope, fault_envelope
from sources.salesforce.store import OrgStore

LOGIN_PATH = f"/services/Soap/u/{API_VERSION}"
WSDL_PATH = "/soap/wsdl.jsp"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XML = "text/xml; charset=utf-8"


def partner_wsdl(address: str) -> bytes:
    """The packaged WSDL with ``soap:address`` pointing at ``address`` (the login URL)."""
    text = resources.files("sources.salesforce").joinpath("partner.wsdl").read_bytes()
    document = copy.deepcopy(etree.fromstring(text, parser=hardened_parser()))
    for node in document.iter(f"{{{WSDL_SOAP_NS}}}address"):
        node.set("location", address)
    return etree.tostring(document, xml_declaration=True, encoding="utf-8")


def create_app(
    org: Org, store: OrgStore, faults: FaultPlan | None = None, connected_app: ConnectedApp | None = None
) -> FastAPI:
    title = "Local Salesforce org (OAuth 2.0, REST, Bulk 2.0, SOAP)"
    app = FastAPI(title=title, docs_url=None, redoc_url=None)
    origin: dict[str, str] = {}

    def server_url() -> str:
        return f"{origin['url']}{LOGIN_PATH}/{ORG_ID[:15]}"

    corrupt = (lambda: faults.take("malformed")) if faults else (lambda: False)
    service = PartnerService(org, store, server_url, corrupt_next_batch=corrupt)

    if faults is not None:

        @app.middleware("http")
        async def inject_http_faults(request: Request, call_next):
            if not request.url.path.startswith("/admin/"):
                if faults.take("http_503"):
                    return Response("Service Unavailable (injected)", status_code=503)
                if faults.take("http_429"):
                    return Response(
                        "Too Many Requests (injected)",
                        status_code=429,
                        headers={"Retry-After": str(faults.retry_after)},
                    )
            return await call_next(request)

        @app.post("/admin/faults")
        def arm_faults(settings: FaultSettings) -> dict[str, object]:
            faults.arm(settings)
            return faults.state()

        @app.post("/admin/sessions/expire")
        def expire_sessions() -> dict[str, str]:
            org.expire_sessions()
            return {"status": "all sessions expired"}

    @app.exception_handler(RestError)
    async def rest_error(request: Request, exc: RestError) -> JSONResponse:
        return exc.response()

    app.include_router(token_router(org, connected_app))
    app.include_router(query_router(org, store))
    app.include_router(records_router(org, store))
    app.include_router(bulk_router(org, store))

    @app.get(WSDL_PATH)
    def wsdl(request: Request) -> Response:
        """The Partner WSDL (Salesforce SOAP API Developer Guide, "Generate or Obtain the Web Service WSDL":
        https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_quickstart_steps_generate_wsdl.htm)."""
        return Response(partner_wsdl(f"{_origin(request)}{LOGIN_PATH}"), media_type=XML)

    async def soap(request: Request) -> Response:
        """``login`` at the login URL, then the calls at the returned server URL with the session header
        (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm,
        https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_list.htm)."""
        origin.setdefault("url", _origin(request))
        body = await request.body()
        try:
            return Response(envelope(await run_in_threadpool(answer, body)), media_type=XML)
        except ApiFault as fault:
            return Response(fault_envelope(fault), status_code=500, media_type=XML)

    def answer(body: bytes) -> etree._Element:
        try:
            header, payload = parse_envelope(body)
        except SoapFault as exc:
            raise ApiFault("INVALID_XML", exc.message) from None
        if faults is not None and faults.take("soap_transient"):
            raise ApiFault("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
        try:
            return service.handle(header, payload)
        except ApiFault:
            raise
        except sqlite3.OperationalError as exc:
            raise ApiFault("SERVER_UNAVAILABLE", f"storage busy: {exc}") from exc
        except Exception as exc:  # a bug must still answer as a fault, as Salesforce's UNKNOWN_EXCEPTION
            message = f"An unexpected error occurred: {type(exc).__name__}"
            raise ApiFault("UNKNOWN_EXCEPTION", message) from exc

    app.add_api_route(LOGIN_PATH, soap, methods=["POST"])
    app.add_api_route(LOGIN_PATH + "/{org_id}", soap, methods=["POST"])
    return app


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")
