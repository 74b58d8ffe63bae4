"""The local SuiteCRM's API, modelled on SuiteCRM's JSON:API "V8" (``/Api/access_token``, ``/Api/V8/module``).

Same paths, parameters and shapes as SuiteCRM 7.10+/8 (``legacy/Api`` in SuiteCRM 8): OAuth2 password
grant at ``POST /Api/access_token`` answering ``{token_type, expires_in, access_token}``; bearer tokens
that expire (then ``401 access_denied``); ``GET /Api/V8/module/{Module}`` with ``filter[field][op]``
(``eq, neq, gt, gte, lt, lte``, AND-ed), ``sort`` on one field (``-`` for descending),
``page[size]``/``page[number]`` and ``meta.total-pages``/``links.next``; ``PATCH /Api/V8/module`` with a
JSON:API body; errors as ``{"errors": {"status", "title", "detail"}}``. As in SuiteCRM, every save
stamps ``date_modified`` (unless the body sets it), even when no value changed. Local extensions:
``POST /_admin/faults`` and ``POST /_admin/expire_tokens``.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sources.mysql_time import DB_FORMAT, now_db
from sources.suitecrm.fields import MODULE_FIELDS, OBJECT_NAMES, atom
from sources.suitecrm.records import Condition, RecordStore
from sources.timestamps import parse_utc
from sources.webshop.faults import MALFORMED_EMAIL, Faults

JSON_API = "application/vnd.api+json"
FILTER_KEY = re.compile(r"^filter\[(\w+)\]\[(\w+)\]$")
FILTER_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
DATE_FIELDS = ("date_entered", "date_modified")


class ApiError(Exception):
    def __init__(self, status: int, detail: str, title: str | None = None):
        self.status, self.detail, self.title = status, detail, title


class OAuthError(Exception):
    """league/oauth2-server's error body: ``{"error", "error_description", "hint", "message"}``."""

    def __init__(self, status: int, error: str, description: str, hint: str = ""):
        self.status, self.error, self.description, self.hint = status, error, description, hint


@dataclass
class OAuthSettings:
    client_id: str
    client_secret: str
    username: str
    password: str
    token_ttl: int = 3600


class TokenIssuer:
    """Bearer tokens in memory (a restart invalidates them, as a key rotation would)."""

    def __init__(self, settings: OAuthSettings):
        self.settings = settings
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def grant(self, form: dict[str, str]) -> dict[str, Any]:
        s = self.settings
        if form.get("grant_type") != "password":
            raise OAuthError(400, "unsupported_grant_type",
                             "The authorization grant type is not supported by the authorization server.")
        if not (secrets.compare_digest(form.get("client_id", ""), s.client_id)
                and secrets.compare_digest(form.get("client_secret", ""), s.client_secret)):
            raise OAuthError(401, "invalid_client", "Client authentication failed")
        if not (secrets.compare_digest(form.get("username", ""), s.username)
                and secrets.compare_digest(form.get("password", ""), s.password)):
            raise OAuthError(400, "invalid_grant", "The user credentials were incorrect.")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + s.token_ttl
            self.issued += 1
        return {"token_type": "Bearer", "expires_in": s.token_ttl, "access_token": token,
                "refresh_token": secrets.token_urlsafe(32)}

    def verify(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise OAuthError(401, "access_denied", "The resource owner or authorization server denied the "
                             "request.", "Missing \"Bearer\" token")
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None:
            raise OAuthError(401, "access_denied", "The resource owner or authorization server denied the "
                             "request.", "Access token could not be verified")
        if expires < time.monotonic():
            raise OAuthError(401, "access_denied", "The resource owner or authorization server denied the "
                             "request.", "Access token has expired")

    def expire_all(self) -> None:
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)


def build_app(store: RecordStore, faults: Faults, tokens: TokenIssuer) -> FastAPI:
    app = FastAPI(title="Local SuiteCRM (JSON:API V8 subset)")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.detail, exc.title)

    @app.exception_handler(OAuthError)
    async def _oauth_error(request: Request, exc: OAuthError) -> JSONResponse:
        body = {"error": exc.error, "error_description": exc.description, "message": exc.description}
        if exc.hint:
            body["hint"] = exc.hint
        return JSONResponse(body, status_code=exc.status)

    @app.middleware("http")
    async def _inject_faults(request: Request, call_next):
        if request.url.path.startswith("/Api/") and (error := faults.take_error()):
            status, headers = error
            return error_response(status, f"injected fault: HTTP {status}", headers=headers)
        return await call_next(request)

    @app.post("/Api/access_token")
    async def access_token(request: Request) -> JSONResponse:
        """OAuth 2.0 password grant of the V8 API
        (https://docs.suitecrm.com/developer/api/developer-setup-guide/json-api/#_authentication)."""
        body = await request.body()
        if request.headers.get("content-type", "").startswith(("application/json", JSON_API)):
            try:
                form = json.loads(body or b"{}")
            except json.JSONDecodeError:
                form = None
            if not isinstance(form, dict):
                raise OAuthError(400, "invalid_request", "The request is missing a required parameter.")
        else:
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
        return JSONResponse(tokens.grant({k: str(v) for k, v in form.items()}))

    @app.get("/Api/V8/module/{module}")
    def list_records(module: str, request: Request) -> Response:
        """"Get module records" with JSON:API paging, filter and sort
        (https://docs.suitecrm.com/developer/api/developer-setup-guide/json-api/#_get_module_records)."""
        tokens.verify(request.headers.get("authorization"))
        fields = module_fields(module)
        params = dict(request.query_params)
        where = [*parse_filter(module, fields, params), Condition("deleted", "<>", "1")]
        order_by, descending = parse_sort(module, fields, params.get("sort"))
        size = positive_int(params, "page[size]")
        number = positive_int(params, "page[number]") or 1
        offset = (number - 1) * size if size else 0
        rows = store.select(module, where, order_by, descending, limit=size, offset=offset)
        body: dict[str, Any] = {"data": [resource(module, rid, attrs) for rid, attrs in rows]}
        if body["data"] and faults.take("malformed"):
            body["data"][0]["attributes"]["email1"] = MALFORMED_EMAIL
        if body["data"] and size:
            total_pages = math.ceil(store.count(module, where) / size)
            body = {"meta": {"total-pages": total_pages, "records-on-this-page": len(rows)}, **body,
                    "links": page_links(request, number, total_pages)}
        content = json.dumps(body, ensure_ascii=False).encode()
        if faults.take("truncate"):
            content = content[: len(content) // 2]
        return Response(content, media_type=JSON_API)

    @app.get("/Api/V8/module/{module}/{record_id}")
    def get_record(module: str, record_id: str, request: Request) -> JSONResponse:
        """"Get a module by ID" (https://docs.suitecrm.com/developer/api/developer-setup-guide/json-api/)."""
        tokens.verify(request.headers.get("authorization"))
        module_fields(module)
        return json_api({"data": resource(module, record_id, existing(store, module, record_id))})

    @app.patch("/Api/V8/module")
    async def update_record(request: Request) -> JSONResponse:
        """"Update a module record": ``PATCH /Api/V8/module`` with a JSON:API resource object
        (https://docs.suitecrm.com/developer/api/developer-setup-guide/json-api/#_update_a_module_record)."""
        tokens.verify(request.headers.get("authorization"))
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"Invalid JSON body: {exc}") from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("attributes", {}), dict):
            raise ApiError(400, "The request body must be {\"data\": {\"type\", \"id\", \"attributes\"}}")
        module, record_id = str(data.get("type", "")), str(data.get("id", ""))
        fields = module_fields(module)
        current = existing(store, module, record_id)
        attributes = data.get("attributes") or {}
        for name in attributes:
            if name not in fields or name == "deleted":
                raise ApiError(400, f"Property {name} in {module} module is invalid")
        updated = {**current, **{k: "" if v is None else str(v) for k, v in attributes.items()}}
        given = attributes.get("date_modified")
        updated["date_modified"] = filter_date(str(given)) if given else now_db()
        store.replace(module, record_id, updated)
        return json_api({"data": resource(module, record_id, updated)})

    @app.delete("/Api/V8/module/{module}/{record_id}")
    def delete_record(module: str, record_id: str, request: Request) -> JSONResponse:
        """SuiteCRM V8 "Delete a record": ``DELETE /Api/V8/module/{module}/{id}`` answers
        ``{"meta": {"message": "Record with id ... is deleted"}, "data": []}``; like SuiteCRM it only
        sets ``deleted = 1`` (the row stays until the "Prune Database" scheduler job), and a deleted
        record is no longer listed or found
        (https://docs.suitecrm.com/developer/api/developer-setup-guide/json-api/#_delete_a_record)."""
        tokens.verify(request.headers.get("authorization"))
        module_fields(module)
        current = existing(store, module, record_id)
        store.replace(module, record_id, {**current, "deleted": "1", "date_modified": now_db()})
        return json_api({"meta": {"message": f"Record with id {record_id} is deleted"}, "data": []})

    @app.post("/_admin/faults")
    async def set_faults(request: Request) -> dict[str, int]:
        """Local extension: arm faults, e.g. ``{"fail": 2, "fail_status": 503}`` or ``{"throttle": 1}``."""
        try:
            return vars(faults.update(**(await request.json())))
        except (ValueError, TypeError) as exc:
            raise ApiError(400, str(exc)) from None

    @app.post("/_admin/expire_tokens")
    def expire_tokens() -> dict[str, bool]:
        """Local extension: every issued token is expired from now on (to exercise re-authentication)."""
        tokens.expire_all()
        return {"expired": True}

    return app


def error_response(status: int, detail: str, title: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": {"status": status, "title": title, "detail": detail}}, status_code=status,
                        headers=headers, media_type=JSON_API)


def json_api(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, media_type=JSON_API)


def module_fields(module: str) -> tuple[str, ...]:
    if module not in MODULE_FIELDS:
        raise ApiError(400, f"Module {module} does not exist")
    return MODULE_FIELDS[module]


def existing(store: RecordStore, module: str, record_id: str) -> dict[str, Any]:
    attributes = store.get(module, record_id)
    if attributes is None or attributes.get("deleted") == "1":
        raise ApiError(404, f"{OBJECT_NAMES[module]} with id {record_id} is not found", "Not Found")
    return attributes


def resource(module: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    shown = {name: atom(value) if name in DATE_FIELDS else value for name, value in attributes.items()}
    return {"type": OBJECT_NAMES[module], "id": record_id, "attributes": shown, "relationships": {}}


def parse_filter(module: str, fields: tuple[str, ...], params: dict[str, str]) -> list[Condition]:
    """``filter[field][op]=value`` pairs, AND-ed as SuiteCRM does (``filter[operator]=or`` is not offered)."""
    operator = params.get("filter[operator]", "and").lower()
    if operator != "and":
        raise ApiError(400, f"Filter operator {operator} is not supported by the local SuiteCRM")
    where = []
    for key, value in params.items():
        if not key.startswith("filter[") or key == "filter[operator]":
            continue
        match = FILTER_KEY.match(key)
        if not match:
            raise ApiError(400, f"Filter parameter {key} must look like filter[field][operator]")
        name, op = match.groups()
        if name != "id" and name not in fields:
            raise ApiError(400, f"Filter field {name} in {OBJECT_NAMES[module]} module is not found")
        if op.lower() not in FILTER_OPS:
            raise ApiError(400, f"Filter operator {op} is invalid")
        value = filter_date(value) if name in DATE_FIELDS else value
        where.append(Condition(name, FILTER_OPS[op.lower()], value))
    return where


def filter_date(value: str) -> str:
    """A date filter value (``2024-01-01 10:00:00`` or ISO 8601 with offset) in the stored format."""
    parsed = parse_utc(value)
    if parsed is None:
        raise ApiError(400, f"Invalid date value {value!r}: expected Y-m-d H:i:s or ISO 8601")
    return parsed.strftime(DB_FORMAT)


def parse_sort(module: str, fields: tuple[str, ...], sort: str | None) -> tuple[str | None, bool]:
    if not sort:
        return None, False
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name != "id" and name not in fields:
        raise ApiError(400, f"Sort field {name} in {OBJECT_NAMES[module]} module is not found")
    return name, descending


def positive_int(params: dict[str, str], key: str) -> int | None:
    if key not in params:
        return None
    try:
        value = int(params[key])
    except ValueError:
        value = 0
    if value < 1:
        raise ApiError(400, f"{key} must be a positive integer")
    return value


def page_links(request: Request, number: int, total_pages: int) -> dict[str, str]:
    """SuiteCRM's pagination links: path plus the same query with another ``page[number]``."""

    def link(page: int) -> str:
        query = {**dict(request.query_params), "page[number]": str(page)}
        return f"{request.url.path}?{urlencode(query, safe='[]')}"

    links = {}
    if number > 1:
        links.update(first=link(1), prev=link(number - 1))
    if number + 1 <= total_pages:
        links.update(next=link(number + 1), last=link(total_pages))
    return links
