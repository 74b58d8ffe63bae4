"""The local vTiger's ``webservice.php``, modelled on vTiger CRM's REST webservices (7.x).

Same operations and shapes as vTiger: ``GET ?operation=getchallenge&username=`` -> ``{token, serverTime,
expireTime}``; ``POST operation=login&username=&accessKey=md5(token + user access key)`` ->
``{sessionName, userId, version, vtigerVersion}``; ``GET ?operation=query&sessionName=&query=<VTQL>``
(at most 100 rows per call); ``GET ?operation=retrieve&id=12x34``; ``POST operation=update&element=<JSON>``
(the *whole* record: fields left out are emptied, mandatory ones must be present, as in vTiger, whose
partial update is ``revise``); ``POST operation=logout``. Every answer is HTTP 200 with
``{"success": true, "result": ...}`` or ``{"success": false, "error": {"code", "message"}}``; sessions
expire (``INVALID_SESSIONID``). Local extensions: ``POST /_admin/faults``, ``POST /_admin/expire_sessions``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sources.mysql_time import now_db
from sources.suitecrm.records import Condition, RecordStore
from sources.vtiger.fields import (
    MANDATORY,
    MAX_QUERY_ROWS,
    MODULE_FIELDS,
    PREFIXES,
    READ_ONLY,
    split_ws_id,
)
from sources.vtiger.vtql import VtqlError, parse
from sources.webshop.faults import MALFORMED_EMAIL, Faults

CHALLENGE_TTL = 300


class WsError(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message


@dataclass
class WsSettings:
    username: str
    access_key: str
    user_id: str = "19x1"
    session_ttl: int = 1800


class Sessions:
    """Challenge tokens and sessions in memory (a restart logs everybody out, as in vTiger)."""

    def __init__(self, settings: WsSettings):
        self.settings = settings
        self._challenges: dict[str, float] = {}
        self._sessions: dict[str, float] = {}
        self._lock = threading.Lock()
        self.logins = 0

    def challenge(self, username: str) -> dict[str, Any]:
        if username != self.settings.username:
            raise WsError("INVALID_USER_CREDENTIALS", "Invalid username or password")
        token = secrets.token_hex(7)
        now = time.time()
        with self._lock:
            self._challenges[token] = now + CHALLENGE_TTL
        return {"token": token, "serverTime": int(now), "expireTime": int(now + CHALLENGE_TTL)}

    def login(self, username: str, access_key: str) -> dict[str, Any]:
        now = time.time()
        with self._lock:
            valid = [token for token, expires in self._challenges.items() if expires > now]
        expected = [hashlib.md5((token + self.settings.access_key).encode()).hexdigest() for token in valid]
        if not valid:
            raise WsError("INVALID_AUTH_TOKEN", "Specified token is invalid or expired")
        if username != self.settings.username or not any(
                secrets.compare_digest(access_key, key) for key in expected):
            raise WsError("INVALID_USER_CREDENTIALS", "Invalid username or password")
        session = secrets.token_hex(13)
        with self._lock:
            self._sessions[session] = now + self.settings.session_ttl
            self.logins += 1
        return {"sessionName": session, "userId": self.settings.user_id, "version": "0.22",
                "vtigerVersion": "7.5.0"}

    def verify(self, session: str | None) -> None:
        if not session:
            raise WsError("AUTHENTICATION_REQUIRED", "Authentication required")
        with self._lock:
            expires = self._sessions.get(session)
        if expires is None or expires < time.time():
            raise WsError("INVALID_SESSIONID", "Session Identifier provided is Invalid")

    def logout(self, session: str) -> None:
        with self._lock:
            self._sessions.pop(session, None)

    def expire_all(self) -> None:
        with self._lock:
            self._sessions = dict.fromkeys(self._sessions, 0.0)


def build_app(store: RecordStore, faults: Faults, sessions: Sessions) -> FastAPI:
    app = FastAPI(title="Local vTiger CRM (webservice.php subset)")

    @app.middleware("http")
    async def _inject_faults(request: Request, call_next):
        if request.url.path == "/webservice.php" and (error := faults.take_error()):
            status, headers = error
            return JSONResponse({"success": False, "error": {"code": "INJECTED_FAULT",
                                                             "message": f"injected fault: HTTP {status}"}},
                                status_code=status, headers=headers)
        return await call_next(request)

    @app.api_route("/webservice.php", methods=["GET", "POST"])
    async def webservice(request: Request) -> Response:
        """vtiger's web service endpoint: getchallenge, login, query (VTQL), retrieve, update, delete
        (https://code.vtiger.com/vtiger/vtigercrm-manual/-/wikis/Webservice-Docs)."""
        params = dict(request.query_params)
        if request.method == "POST":
            body = (await request.body()).decode("utf-8", "replace")
            params.update(parse_qsl(body, keep_blank_values=True))
        try:
            result = dispatch(request.method, params)
        except WsError as exc:
            return JSONResponse({"success": False, "error": {"code": exc.code, "message": exc.message}})
        content = json.dumps({"success": True, "result": result}, ensure_ascii=False).encode()
        if params.get("operation") == "query" and faults.take("truncate"):
            content = content[: len(content) // 2]
        return Response(content, media_type="application/json")

    def dispatch(method: str, params: dict[str, str]) -> Any:
        operation = params.get("operation", "")
        if operation == "getchallenge" and method == "GET":
            return sessions.challenge(params.get("username", ""))
        if operation == "login" and method == "POST":
            return sessions.login(params.get("username", ""), params.get("accessKey", ""))
        if operation not in ("query", "retrieve", "update", "delete", "logout"):
            raise WsError("UNKNOWN_OPERATION", f"Unknown operation requested: {operation!r} ({method})")
        needs_post = operation in ("update", "delete", "logout")
        if needs_post != (method == "POST"):
            verb = "POST" if needs_post else "GET"
            raise WsError("UNKNOWN_OPERATION", f"Operation {operation} requires {verb}")
        sessions.verify(params.get("sessionName"))
        if operation == "query":
            return run_query(store, faults, params.get("query", ""))
        if operation == "retrieve":
            module, _ = record_ref(params.get("id", ""))
            return ws_record(params["id"], existing(store, module, params["id"]))
        if operation == "update":
            return update(store, params.get("element", ""))
        if operation == "delete":
            return delete(store, params.get("id", ""))
        sessions.logout(params["sessionName"])
        return {"message": "successfull"}  # sic, vTiger's wording

    @app.post("/_admin/faults")
    async def set_faults(request: Request) -> Any:
        """Local extension: arm faults, e.g. ``{"fail": 2, "fail_status": 503}`` or ``{"malformed": 1}``."""
        try:
            return vars(faults.update(**(await request.json())))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"success": False, "error": {"code": "INVALID_FAULT", "message": str(exc)}},
                                status_code=400)

    @app.post("/_admin/expire_sessions")
    def expire_sessions() -> dict[str, bool]:
        """Local extension: every session is invalid from now on (to exercise re-login)."""
        sessions.expire_all()
        return {"expired": True}

    return app


def run_query(store: RecordStore, faults: Faults, text: str) -> list[dict[str, Any]]:
    try:
        query = parse(text)
    except VtqlError as exc:
        raise WsError("QUERY_SYNTAX_ERROR", str(exc)) from None
    if query.module not in MODULE_FIELDS:
        raise WsError("ACCESS_DENIED", f"Permission to read {query.module} is denied")
    fields = MODULE_FIELDS[query.module]
    for name in [*(query.fields or []), *(c[0] for c in query.where), query.order_by]:
        if name is not None and name != "id" and name not in fields:
            raise WsError("QUERY_SYNTAX_ERROR", f"Unknown column {name} in {query.module}")
    where = [Condition(name, op, id_value(query.module, value) if name == "id" else value)
             for name, op, value in query.where]
    if query.count:
        return [{"count": str(store.count(query.module, where))}]
    limit = min(query.limit if query.limit is not None else MAX_QUERY_ROWS, MAX_QUERY_ROWS)
    rows = store.select(query.module, where, query.order_by, query.descending, limit=limit,
                        offset=query.offset)
    records = [ws_record(record_id, data, query.fields) for record_id, data in rows]
    email_field = "email1" if query.module == "Accounts" else "email"
    if records and (query.fields is None or email_field in query.fields) and faults.take("malformed"):
        records[0][email_field] = MALFORMED_EMAIL
    return records


def id_value(module: str, value: str) -> int:
    """A webservice id in a WHERE clause -> the crmid it compares by."""
    parsed = split_ws_id(value)
    if not parsed or parsed[0] != module:
        raise WsError("QUERY_SYNTAX_ERROR", f"Id {value!r} is not a {module} id ({PREFIXES[module]}x<crmid>)")
    return parsed[1]


def record_ref(ws_id: str) -> tuple[str, int]:
    parsed = split_ws_id(ws_id)
    if not parsed:
        raise WsError("INVALID_ID_ATTRIBUTE", f"Id specified is incorrect: {ws_id!r}")
    return parsed


def existing(store: RecordStore, module: str, ws_id: str) -> dict[str, Any]:
    data = store.get(module, ws_id)
    if data is None:
        raise WsError("RECORD_NOT_FOUND", "Record you are trying to access is not found")
    return data


def ws_record(ws_id: str, data: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    record = {**data, "id": ws_id}
    return record if fields is None else {name: record.get(name, "") for name in [*fields, "id"]}


def delete(store: RecordStore, ws_id: str) -> dict[str, Any]:
    """vTiger's ``delete`` (POST ``operation=delete&id=<wsid>``), answering ``{"status": "successful"}``
    (https://community.vtiger.com/help/vtigercrm/developers/third-party-app-integration.html, "Delete").
    vTiger moves the record to its Recycle Bin; this local one empties the bin at once."""
    module, _ = record_ref(ws_id)
    existing(store, module, ws_id)
    store.delete(module, ws_id)
    return {"status": "successful"}


def update(store: RecordStore, element_text: str) -> dict[str, Any]:
    """vTiger's ``update``: the element replaces the record (absent fields become empty)."""
    try:
        element = json.loads(element_text)
    except json.JSONDecodeError as exc:
        raise WsError("INVALID_PARAMETER", f"element is not valid JSON: {exc}") from None
    if not isinstance(element, dict) or not element.get("id"):
        raise WsError("MANDATORY_FIELDS_MISSING", "id does not have a value")
    ws_id = str(element["id"])
    module, _ = record_ref(ws_id)
    current = existing(store, module, ws_id)
    updated = {name: current.get(name, "") if name in READ_ONLY else
               ("" if element.get(name) is None else str(element.get(name)))
               for name in MODULE_FIELDS[module]}
    missing = [name for name in MANDATORY[module] if not updated[name].strip()]
    if missing:
        raise WsError("MANDATORY_FIELDS_MISSING", f"{missing[0]} does not have a value")
    updated["modifiedtime"] = now_db()
    store.replace(module, ws_id, updated)
    return ws_record(ws_id, updated)
