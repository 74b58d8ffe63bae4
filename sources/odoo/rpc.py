"""The local Odoo's external API: JSON-RPC 2.0 on ``POST /jsonrpc`` (Odoo's ``common``/``object`` services).

As in Odoo's documented External API: ``common.login(db, login, password)`` answers the user id or
``false``; ``object.execute_kw(db, uid, password, model, method, args, kwargs)`` runs an ORM method
with the credentials checked on *every* call (the external API is stateless). Errors come back with
HTTP 200 as a JSON-RPC ``error`` object shaped like Odoo's: ``{"code": 200, "message": "Odoo Server
Error", "data": {"name": "odoo.exceptions.AccessDenied", "message", "arguments", "debug", "context"}}``.

Local extension: ``POST /_admin/faults`` (and :class:`~sources.webshop.faults.Faults` in process) to
inject 5xx/429 answers, one malformed partner, or a truncated body.
"""

from __future__ import annotations

import json
import secrets
import xmlrpc.client
from collections import Counter
from collections.abc import Callable
from typing import Any
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sources.odoo.domain import DomainError
from sources.odoo.store import MODELS, MissingError, OdooStore, UnknownModel
from sources.webshop.faults import MALFORMED_EMAIL, Faults

SERVER_VERSION = "17.0"
VERSION_INFO = {"server_version": SERVER_VERSION, "server_version_info": [17, 0, 0, "final", 0, ""],
                "server_serie": SERVER_VERSION, "protocol_version": 1}
#: ORM methods the local server exposes (Odoo has many more; these are what integrations and the
#: official client libraries use: https://www.odoo.com/documentation/17.0/developer/reference/backend/orm.html
#: and https://www.odoo.com/documentation/17.0/developer/reference/external_api.html).
METHODS = ("search_read", "search", "search_count", "read", "write", "unlink", "create", "fields_get")
#: The user's context, as ``res.users.context_get`` answers it (odoorpc reads it at login).
USER_CONTEXT = {"lang": "en_US", "tz": "UTC"}


def xmlrpc_loads(body: bytes) -> tuple[tuple[Any, ...], str | None]:
    """``xmlrpc.client.loads`` through defusedxml's parser: no entity expansion, no external DTDs."""
    unmarshaller = xmlrpc.client.Unmarshaller(use_datetime=False, use_builtin_types=False)
    parser = DefusedExpatParser(unmarshaller)
    parser.feed(body)
    parser.close()
    return unmarshaller.close(), unmarshaller.getmethodname()


class OdooError(Exception):
    """Becomes a JSON-RPC error; ``name`` is the Python exception path Odoo reports."""

    def __init__(self, name: str, message: str, code: int = 200, title: str = "Odoo Server Error"):
        super().__init__(message)
        self.name, self.message, self.code, self.title = name, message, code, title


def access_denied() -> OdooError:
    return OdooError("odoo.exceptions.AccessDenied", "Access Denied")


def rpc_error(request_id: Any, error: OdooError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {
        "code": error.code, "message": error.title,
        "data": {"name": error.name,
                 "debug": f"Traceback (most recent call last):\n{error.name}: {error.message}",
                 "message": error.message, "arguments": [error.message], "context": {}},
    }}


class OdooRpc:
    """Dispatch of ``common`` and ``object`` calls for one database and one technical user."""

    def __init__(self, store: OdooStore, faults: Faults, database: str, login: str, password: str,
                 uid: int = 2):
        self.store, self.faults = store, faults
        self.database, self.login_name, self.password, self.uid = database, login, password, uid
        #: ``execute_kw`` calls by ORM method: tests count round trips at the system.
        self.calls: Counter[str] = Counter()

    def call(self, service: str, method: str, args: list[Any]) -> Any:
        handlers: dict[tuple[str, str], Callable[..., Any]] = {
            ("common", "version"): lambda: VERSION_INFO,
            ("common", "login"): self.login,
            ("common", "authenticate"): self.authenticate,
            ("object", "execute_kw"): self.execute_kw,
            ("object", "execute"): lambda db, uid, pw, model, method, *a: self.execute_kw(db, uid, pw, model,
                                                                                          method, list(a)),
        }
        handler = handlers.get((service, method))
        if handler is None:
            if service in ("common", "object"):
                raise OdooError("builtins.AttributeError", f"Method not available {method}")
            raise OdooError("builtins.KeyError", f"No such service {service!r}")
        try:
            return handler(*args)
        except TypeError as exc:
            raise OdooError("builtins.TypeError", str(exc)) from None

    def login(self, db: str, login: str, password: str) -> int | bool:
        self._check_db(db)
        return self.uid if self._valid(login, password) else False

    def authenticate(self, db: str, login: str, password: str,
                     user_agent_env: dict | None = None) -> int | bool:
        return self.login(db, login, password)

    def execute_kw(self, db: str, uid: int, password: str, model: str, method: str,
                   args: list[Any] | None = None, kwargs: dict[str, Any] | None = None) -> Any:
        self._check_db(db)
        if uid != self.uid or not self._valid(self.login_name, password):
            raise access_denied()
        args, kwargs = list(args or []), dict(kwargs or {})
        self.calls[method] += 1
        context = kwargs.pop("context", None) or {}
        if (model, method) == ("res.users", "context_get"):
            return {**USER_CONTEXT, "uid": self.uid}
        if model == "ir.model" and method == "search":
            # which models exist (odoorpc asks before it builds a model class): ir.model by its name
            domain = args[0] if args else kwargs.get("domain") or []
            leaves = [tuple(leaf) for leaf in domain if isinstance(leaf, list | tuple) and len(leaf) == 3]
            wanted = {value for field, operator, value in leaves if (field, operator) == ("model", "=")}
            return [number for number, name in enumerate(MODELS, start=1) if name in wanted]
        if method not in METHODS:
            raise OdooError("builtins.AttributeError",
                            f"The method '{method}' does not exist on the model '{model}'")
        try:
            return self._orm(model, method, args, kwargs, active_test=context.get("active_test", True))
        except UnknownModel:
            raise OdooError("builtins.KeyError", repr(model)) from None
        except MissingError as exc:
            raise OdooError("odoo.exceptions.MissingError", str(exc)) from None
        except (DomainError, ValueError) as exc:
            raise OdooError("builtins.ValueError", str(exc)) from None
        except TypeError as exc:
            raise OdooError("builtins.TypeError", str(exc)) from None

    def _orm(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any],
             active_test: bool) -> Any:
        store = self.store
        if method in ("search_read", "search", "search_count"):
            names = ("domain", "fields", "offset", "limit", "order") if method == "search_read" else (
                ("domain", "offset", "limit", "order") if method == "search" else ("domain",))
            params = {**dict(zip(names, args, strict=False)), **kwargs}
            unknown = set(params) - set(names)
            if unknown:
                raise TypeError(f"{method}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
            domain = params.pop("domain", None)
            if method == "search_count":
                return len(store.search_read(model, domain, ["id"], active_test=active_test))
            fields = params.pop("fields", None) if method == "search_read" else ["id"]
            rows = store.search_read(model, domain, fields, offset=params.get("offset") or 0,
                                     limit=params.get("limit"), order=params.get("order"),
                                     active_test=active_test)
            if method == "search":
                return [row["id"] for row in rows]
            if model == "res.partner" and rows and "email" in rows[0] and self.faults.take("malformed"):
                rows[0]["email"] = MALFORMED_EMAIL
            return rows
        if method == "read":
            ids, fields = (args + [None, None])[:2]
            return store.read(model, ids, kwargs.get("fields", fields), kwargs.get("load", "_classic_read"))
        if method == "create":
            # ``create(vals)`` -> id; ``create([vals, ...])`` -> ids (the ORM's model_create_multi)
            values = args[0] if args else kwargs.get("vals_list", kwargs.get("vals"))
            ids = store.create(model, values if isinstance(values, list) else [values])
            return ids if isinstance(values, list) else ids[0]
        if method == "fields_get":
            return store.fields_get(model)
        if method == "unlink":
            # ORM ``unlink()``: deletes the records, True; MissingError for ids that do not exist
            # (https://www.odoo.com/documentation/17.0/developer/reference/backend/orm.html#odoo.models.Model.unlink)
            return store.unlink(model, args[0] if args else kwargs.get("ids"))
        ids, values = (args + [None, None])[:2]
        return store.write(model, ids, kwargs.get("vals", values))

    def _check_db(self, db: Any) -> None:
        if db != self.database:
            raise OdooError("psycopg2.OperationalError",
                            f'connection to server failed: FATAL:  database "{db}" does not exist')

    def _valid(self, login: Any, password: Any) -> bool:
        return (isinstance(login, str) and isinstance(password, str)
                and secrets.compare_digest(login.encode(), self.login_name.encode())
                and secrets.compare_digest(password.encode(), self.password.encode()))


def build_app(rpc: OdooRpc) -> FastAPI:
    app = FastAPI(title="Local Odoo (external JSON-RPC API subset)")
    faults = rpc.faults

    @app.middleware("http")
    async def _inject_faults(request: Request, call_next):
        if request.url.path == "/jsonrpc" and (error := faults.take_error()):
            status, headers = error
            return Response(f"<h1>{status}</h1>", status_code=status, headers=headers, media_type="text/html")
        return await call_next(request)

    @app.post("/web/webclient/version_info")
    async def version_info(request: Request) -> JSONResponse:
        """The web client's version route (``type="json"``), which odoorpc calls first
        (https://github.com/odoo/odoo/blob/17.0/addons/web/controllers/webclient.py: ``version_info``)."""
        try:
            request_id = (json.loads(await request.body()) or {}).get("id")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            request_id = None
        return JSONResponse({"jsonrpc": "2.0", "id": request_id, "result": VERSION_INFO})

    @app.post("/xmlrpc/2/{service}")
    async def xmlrpc_endpoint(service: str, request: Request) -> Response:
        """Odoo's XML-RPC endpoints, the ones its External API documentation uses in every example
        (https://www.odoo.com/documentation/17.0/developer/reference/external_api.html): ``common``
        and ``object``; a failure is an XML-RPC fault (``AccessDenied`` has fault code 3, as in Odoo)."""
        try:
            params, method = xmlrpc_loads(await request.body())
            result = rpc.call(service, str(method), list(params))
            content = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
        except OdooError as error:
            code = 3 if error.name == "odoo.exceptions.AccessDenied" else 1
            content = xmlrpc.client.dumps(xmlrpc.client.Fault(code, f"{error.name}: {error.message}"))
        except (ExpatError, ValueError, DefusedXmlException) as exc:
            content = xmlrpc.client.dumps(xmlrpc.client.Fault(1, f"invalid XML-RPC request: {exc}"))
        return Response(content, media_type="text/xml")

    @app.post("/jsonrpc")
    async def jsonrpc(request: Request) -> Response:
        """Odoo's JSON-RPC endpoint of the External API: services ``common`` and ``object``
        (https://www.odoo.com/documentation/17.0/developer/reference/external_api.html; the dispatcher:
        https://github.com/odoo/odoo/blob/17.0/odoo/http.py)."""
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            error = OdooError("werkzeug.exceptions.BadRequest", f"Invalid JSON data: {exc}")
            return JSONResponse(rpc_error(None, error))
        request_id = body.get("id") if isinstance(body, dict) else None
        params = body.get("params") if isinstance(body, dict) else None
        if not isinstance(params, dict) or body.get("method") != "call":
            error = OdooError("werkzeug.exceptions.BadRequest", "Invalid JSON-RPC request: expected "
                              '{"jsonrpc": "2.0", "method": "call", "params": {"service", "method", "args"}}')
            return JSONResponse(rpc_error(request_id, error))
        try:
            result = rpc.call(str(params.get("service")), str(params.get("method")),
                              list(params.get("args") or []))
        except OdooError as error:
            return JSONResponse(rpc_error(request_id, error))
        reply = {"jsonrpc": "2.0", "id": request_id, "result": result}
        content = json.dumps(reply, ensure_ascii=False).encode()
        if faults.take("truncate"):
            content = content[: len(content) // 2]
        return Response(content, media_type="application/json")

    @app.post("/_admin/faults")
    async def set_faults(request: Request) -> JSONResponse:
        """Local extension: arm faults, e.g. ``{"fail": 2, "fail_status": 503}`` (needs the API password)."""
        if request.headers.get("x-admin-password") != rpc.password:
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            return JSONResponse(vars(faults.update(**(await request.json()))))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return app
