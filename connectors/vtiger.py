"""vTiger CRM connector over ``webservice.php`` (vTiger's REST webservices), on Accounts and Contacts.

Auth: ``getchallenge`` gives a token; ``login`` sends ``accessKey = md5(token + user access key)`` and
returns a ``sessionName`` that every call carries. vTiger answers HTTP 200 even for errors
(``{"success": false, "error": {"code"}}``); an ``INVALID_SESSIONID`` (session expired) triggers exactly
one new login and retry.

Pull: VTQL queries (at most 100 rows each, vTiger's limit) with the keyset scheme of
:mod:`connectors.crm_sync`: ``WHERE modifiedtime > '<second>' ORDER BY modifiedtime`` for new seconds and
``WHERE modifiedtime = '<second>' AND id > '<12x34>' ORDER BY id`` to finish a second shared by more
records than fit a query. Values put into a query are checked against strict patterns first, so a
row's content can never change a query's meaning.

Push: ``retrieve`` the record, then ``update`` with the whole element (vTiger's ``update`` replaces the
record) carrying the changed fields and the golden id custom field (default ``cf_crm_golden_id``). vTiger
stamps ``modifiedtime`` on every update, so an update that changes nothing is never sent.

Erasure: ``update`` the record empty, then ``delete`` it (:meth:`VtigerConnector.delete_one`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC
from typing import Any

from connectors.base import ConnectorError, Page, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.crm_sync import (
    RECORD_TYPES,
    Batch,
    ModulePages,
    decode_cursor,
    erased_attributes,
    primary_fields,
    push_changes,
)
from connectors.http import build_session, checked_request, json_body, session_settings
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import VtigerOptions

MAX_QUERY_ROWS = 100
SESSION_ERRORS = frozenset({"INVALID_SESSIONID", "AUTHENTICATION_REQUIRED"})
MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
WS_ID = re.compile(r"^\d+x\d+$")
READ_ONLY = frozenset({"id", "module", "record_type", "account_no", "contact_no", "createdtime",
                       "modifiedtime", "assigned_user_id"})
#: vTiger refuses to save these empty (the owner, ``assigned_user_id``, is read-only here anyway).
MANDATORY_FIELDS = ("lastname", "accountname")


class VtigerError(ConnectorError):
    """vTiger answered ``success: false``; ``code`` is its error code (``RECORD_NOT_FOUND`` ...)."""

    def __init__(self, system: str, operation: str, code: str, message: str, record_id: str | None = None):
        self.code = code
        super().__init__(system, operation, f"{code}: {message}", record_id)


class VtigerConnector(SourceConnector):
    """Accounts and Contacts of a vTiger CRM.

    Credentials: ``login`` = webservice user, ``password`` = the user's access key (not the login
    password); ``schema`` = path of the CRM when not at the root. Options:
    :class:`schemas.source_options.VtigerOptions`.
    """
    #: vTiger's webservice has no batch update: a few records at once instead.
    push_workers = 4

    default_mapping = {
        "id": "source_id",
        "record_type": "record_type",
        "accountname": "organization_name",
        "firstname": "given_name",
        "lastname": "family_name",
        "email1": "email",
        "email2": "email",
        "email": "email",
        "secondaryemail": "email",
        "phone": "phone",
        "otherphone": "phone",
        "mobile": "phone",
        "bill_street": "street",
        "bill_code": "postal_code",
        "bill_city": "city",
        "bill_country": "country",
        "mailingstreet": "street",
        "mailingzip": "postal_code",
        "mailingcity": "city",
        "mailingcountry": "country",
        "birthday": "date_of_birth",
        "cf_vat_id": "tax_id",
        "modifiedtime": "updated_at",
    }

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = VtigerOptions.for_source(config.name, config.options)
        self.modules = tuple(self.options.modules)
        self.golden_id_field = self.options.golden_id_field
        self.push_fields = self.options.push_fields
        self.page_size = min(config.page_size, MAX_QUERY_ROWS)
        self.endpoint = self.credentials.base_url().rstrip("/") + "/webservice.php"
        self.session = build_session(**session_settings(self.options))
        self._session_name: str | None = None
        self._login_lock = threading.Lock()
        self._request_no = 0

    # -- check -----------------------------------------------------------------------------------

    def check(self) -> None:
        self._login()
        self._call("GET", "check", "query", query=f"SELECT count(*) FROM {self.modules[0]};")

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            positions = decode_cursor(cursor, self.modules)
        except ValueError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None
        try:
            for module, rows, page_cursor in ModulePages(self, self.modules, self.page_size, positions):
                yield self._page(module, rows, page_cursor)
        except ValueError as exc:  # StuckCursorError, or a cursor value that is not vTiger-shaped
            raise ConnectorError(self.name, "pull", str(exc)) from None

    def after(self, module: str, since: str | None, limit: int) -> Batch:
        where = f" WHERE modifiedtime > '{checked(MODIFIED, since)}'" if since is not None else ""
        return self._query(module, f"SELECT * FROM {module}{where} ORDER BY modifiedtime LIMIT 0, {limit};",
                           limit)

    def tie(self, module: str, since: str, after_id: str | None, limit: int) -> Batch:
        where = f"modifiedtime = '{checked(MODIFIED, since)}'"
        if after_id is not None:
            where += f" AND id > '{checked(WS_ID, after_id)}'"
        query = f"SELECT * FROM {module} WHERE {where} ORDER BY id LIMIT 0, {limit};"
        return self._query(module, query, limit)

    def key(self, row: Any) -> tuple[str, str] | None:
        """``(modifiedtime, webservice id)``, ``None`` when either is missing or not vTiger-shaped."""
        if not isinstance(row, Mapping):
            return None
        modified, row_id = row.get("modifiedtime"), row.get("id")
        if not (isinstance(modified, str) and MODIFIED.match(modified) and not modified.startswith("0000")):
            return None
        if not (isinstance(row_id, str) and WS_ID.match(row_id)):
            return None
        return modified, row_id

    def _query(self, module: str, query: str, limit: int) -> Batch:
        self._request_no += 1
        where = f"{module} query {self._request_no}"
        rows = self._call("GET", "pull", "query", where=where, query=query)
        if not isinstance(rows, list):
            raise ConnectorError(self.name, "pull", f"{where}: expected a list of records as result, "
                                 f"got {type(rows).__name__}")
        return Batch(rows=rows, has_more=len(rows) >= limit)

    def _page(self, module: str, rows: list[Any], cursor: str) -> Page:
        objects = [{**row, "module": module, "record_type": RECORD_TYPES[module]}
                   for row in rows if isinstance(row, Mapping)]
        page = self.to_page(objects, cursor)
        for record in page.records:  # vTiger's datetimes carry no offset; the database runs in UTC
            if record.updated_at and record.updated_at.tzinfo is None:
                record.updated_at = record.updated_at.replace(tzinfo=UTC)
        page.quarantined.extend(
            QuarantinedRecord(source_system=self.name, source_id=None,
                              reason=f"{module} record is not a JSON object but {type(row).__name__}",
                              payload={"value": row})
            for row in rows if not isinstance(row, Mapping)
        )
        return page

    # -- push ------------------------------------------------------------------------------------

    def push_one(self, update: PushUpdate) -> None:
        if not WS_ID.match(str(update.source_id)):
            raise ConnectorError(self.name, "push", "vTiger record ids look like 12x34", update.source_id)
        current = self._call("GET", "push", "retrieve", record_id=update.source_id, id=update.source_id)
        if not isinstance(current, Mapping):
            raise ConnectorError(self.name, "push", "retrieve did not return a record", update.source_id)
        changes: dict[str, str] = {}
        if self.push_fields:
            desired = self.mapping.to_source(update.fields)
            writable = primary_fields(self.mapping.mapping, current) - READ_ONLY
            changes = push_changes(current, desired, writable.__contains__)
        if current.get(self.golden_id_field) != update.golden_id:
            changes[self.golden_id_field] = update.golden_id
        if changes:
            element = json.dumps({**current, **changes}, ensure_ascii=False)
            self._call("POST", "push", "update", record_id=update.source_id, element=element)

    # -- erasure ---------------------------------------------------------------------------------

    def delete_one(self, source_id: str) -> None:
        """``update`` the record empty, then ``delete`` it. vTiger's delete moves a record to the
        Recycle Bin, where it stays until an admin empties it; emptied first, what stays holds no
        personal data (``lastname``/``accountname`` are mandatory: they get a placeholder)."""
        if not WS_ID.match(str(source_id)):
            raise ConnectorError(self.name, "delete", "vTiger record ids look like 12x34", source_id)
        try:
            current = self._call("GET", "delete", "retrieve", record_id=source_id, id=source_id)
        except VtigerError as exc:
            if exc.code == "RECORD_NOT_FOUND":
                return  # gone already
            raise
        if not isinstance(current, Mapping):
            raise ConnectorError(self.name, "delete", "retrieve did not return a record", source_id)
        blank = erased_attributes(current, READ_ONLY | {self.golden_id_field}, MANDATORY_FIELDS)
        element = json.dumps({**current, **blank}, ensure_ascii=False)
        self._call("POST", "delete", "update", record_id=source_id, element=element)
        self._call("POST", "delete", "delete", record_id=source_id, id=source_id)

    # -- webservice calls ------------------------------------------------------------------------

    def _login(self) -> None:
        username = self.credentials.login or ""
        challenge = self._send("GET", "authenticate", "getchallenge", {"username": username})
        token = challenge.get("token") if isinstance(challenge, Mapping) else None
        if not isinstance(token, str) or not token:
            raise ConnectorError(self.name, "authenticate", "getchallenge returned no token")
        access_key = hashlib.md5((token + (self.credentials.password or "")).encode(),
                                 usedforsecurity=False).hexdigest()
        result = self._send("POST", "authenticate", "login", {"username": username, "accessKey": access_key})
        session_name = result.get("sessionName") if isinstance(result, Mapping) else None
        if not isinstance(session_name, str) or not session_name:
            raise ConnectorError(self.name, "authenticate", "login returned no sessionName")
        self._session_name = session_name

    def _call(self, method: str, operation: str, ws_operation: str, *, where: str | None = None,
              record_id: str | None = None, **params: str) -> Any:
        """One operation with the session; an expired session means one new login and one retry."""
        for attempt in (1, 2):
            if self._session_name is None:
                with self._login_lock:  # pushes run on a few threads: one login for all of them
                    if self._session_name is None:
                        self._login()
            try:
                session = {**params, "sessionName": self._session_name}
                return self._send(method, operation, ws_operation, session, where=where, record_id=record_id)
            except VtigerError as exc:
                if exc.code not in SESSION_ERRORS or attempt == 2:
                    raise
                self._session_name = None
        raise AssertionError("unreachable")

    def _send(self, method: str, operation: str, ws_operation: str, params: dict[str, Any], *,
              where: str | None = None, record_id: str | None = None) -> Any:
        """GET parameters in the query string, POST ones form-encoded (as vTiger expects)."""
        prefix = f"{where}: " if where else ""
        data = {"operation": ws_operation, **params}
        response = checked_request(
            self.name, operation, ws_operation,
            lambda: self.session.get(self.endpoint, params=data) if method == "GET"
            else self.session.post(self.endpoint, data=data),
            where=prefix, record_id=record_id,
        )
        body = json_body(self.name, operation, ws_operation, response, where=prefix, record_id=record_id)
        if not isinstance(body, Mapping) or "success" not in body:
            raise ConnectorError(self.name, operation, f"{prefix}{ws_operation}: not a vTiger response "
                                 "(no 'success')", record_id)
        if not body["success"]:
            error = body.get("error") if isinstance(body.get("error"), Mapping) else {}
            raise VtigerError(self.name, operation, str(error.get("code", "UNKNOWN")),
                              f"{prefix}{error.get('message', 'no message')}", record_id)
        return body.get("result")


def checked(pattern: re.Pattern[str], value: str | None) -> str:
    """A value for a VTQL literal, refused unless it matches ``pattern`` (no quoting games)."""
    if value is None or not pattern.match(value):
        raise ValueError(f"refusing to put {value!r} into a query (cursor not from this connector?)")
    return value
