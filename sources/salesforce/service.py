"""The Partner API calls of the local org: login, query, queryMore, retrieve, upsert.

Behaviour follows Salesforce's SOAP API documentation where the hub depends on it:

* ``login`` takes the password with the security token appended and returns ``sessionId`` and the
  instance ``serverUrl``; every other call needs ``SessionHeader`` or fails with INVALID_SESSION_ID.
* ``query`` returns the first batch and a ``queryLocator`` while ``done`` is false; ``queryMore``
  continues it. ``QueryOptions.batchSize`` is a request, clamped to [min_batch_size, 2000]
  (Salesforce's minimum is 200; tests lower it). An unknown locator is INVALID_QUERY_LOCATOR.
* ``upsert`` matches on ``Id`` or an external id field (``CRM_Golden_Id__c``), at most 200 records a
  call, and reports per-record ``errors`` instead of failing the whole call.
* ``delete`` moves records to the Recycle Bin (ENTITY_IS_DELETED when one is there already,
  INVALID_CROSS_REFERENCE_KEY for an id the org does not know); ``emptyRecycleBin`` removes records in
  the bin for good; both at most 200 ids a call, with per-record results (SOAP API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_delete.htm and
  .../sforce_api_calls_emptyrecyclebin.htm).
* An org-wide API request limit answers REQUEST_LIMIT_EXCEEDED ("TotalRequests Limit exceeded.").
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from sources.erp.replies import xml_safe
from sources.salesforce import soql
from sources.salesforce.objects import (
    EXTERNAL_ID_FIELDS,
    OBJECT_FIELDS,
    REQUIRED_FIELDS,
    SYSTEM_FIELDS,
    normalise_id,
    object_of,
)
from sources.salesforce.soap import PARTNER_NS, SOBJECT_NS, XSI, ApiFault
from sources.salesforce.store import OrgStore

API_VERSION = "59.0"
MAX_BATCH_SIZE = DEFAULT_BATCH_SIZE = 2000  # SOAP API docs: default and maximum 2,000, minimum 200
MAX_UPSERT_RECORDS = 200
ORG_ID = "00D5g000004XyzAEAS"
USER_ID = "0055g00000AbCdEAAV"
E = ElementMaker(namespace=PARTNER_NS)
S = ElementMaker(namespace=SOBJECT_NS)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_LENGTH = {"FirstName": 40, "LastName": 80, "Name": 255, "Email": 80, "Phone": 40, "Tax_Id__c": 20}


@dataclass
class Cursor:
    """A server-side query cursor (what a queryLocator names)."""

    sobject: str
    fields: list[str]
    rows: list[dict[str, Any]]
    position: int = 0


@dataclass
class Org:
    """Settings and per-process state of the local org (sessions, cursors, API usage)."""

    username: str
    password: str
    security_token: str
    min_batch_size: int = 200
    session_lifetime: timedelta = timedelta(hours=2)
    api_request_limit: int | None = None
    api_requests: int = 0
    sessions: dict[str, datetime] = field(default_factory=dict)
    cursors: dict[str, Cursor] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _locators: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def count_request(self) -> None:
        """Every API call counts against the org's daily limit (SOAP, REST and Bulk alike)."""
        with self.lock:
            self.api_requests += 1
            if self.api_request_limit is not None and self.api_requests > self.api_request_limit:
                raise ApiFault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    def session_valid(self, session: str | None) -> bool:
        with self.lock:
            expires = self.sessions.get((session or "").strip())
        return expires is not None and expires >= datetime.now(UTC)

    def expire_sessions(self) -> None:
        """As when an admin logs the integration user out: every session id becomes invalid."""
        with self.lock:
            self.sessions.clear()


class PartnerService:
    def __init__(
        self,
        org: Org,
        store: OrgStore,
        server_url: Callable[[], str],
        corrupt_next_batch: Callable[[], bool] = lambda: False,
    ):
        self.org, self.store, self.server_url = org, store, server_url
        #: Fault injection hook: when it returns True, the first record of the next batch is corrupted.
        self.corrupt_next_batch = corrupt_next_batch

    def handle(self, header: etree._Element | None, payload: etree._Element) -> etree._Element:
        name = etree.QName(payload)
        if name.namespace != PARTNER_NS or name.localname not in (
            "login",
            "query",
            "queryMore",
            "retrieve",
            "upsert",
            "delete",
            "emptyRecycleBin",
        ):
            raise ApiFault("INVALID_OPERATION", f"unknown operation {name.text}")
        self.org.count_request()
        if name.localname == "login":
            return self.login(payload)
        self._check_session(header)
        return getattr(self, name.localname)(payload, _headers(header))

    def _check_session(self, header: etree._Element | None) -> None:
        session = (
            header.findtext(f"{{{PARTNER_NS}}}SessionHeader/{{{PARTNER_NS}}}sessionId")
            if header is not None
            else None
        )
        if not self.org.session_valid(session):
            raise ApiFault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")

    def login(self, request: etree._Element) -> etree._Element:
        username = _text(request, "username") or ""
        password = _text(request, "password") or ""
        expected = self.org.password + self.org.security_token
        if not (
            secrets.compare_digest(username.encode(), self.org.username.encode())
            and secrets.compare_digest(password.encode(), expected.encode())
        ):
            raise ApiFault(
                "INVALID_LOGIN",
                "Invalid username, password, security token; or user locked out.",
                "LoginFault",
            )
        session = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self.org.lock:
            self.org.sessions[session] = datetime.now(UTC) + self.org.session_lifetime
        server = self.server_url()
        return E.loginResponse(
            E.result(
                E.metadataServerUrl(server.replace("/Soap/u/", "/Soap/m/")),
                E.passwordExpired("false"),
                E.sandbox("false"),
                E.serverUrl(server),
                E.sessionId(session),
                E.userId(USER_ID),
                E.userInfo(
                    E.organizationId(ORG_ID),
                    E.userFullName("CRM Hub Integration"),
                    E.userId(USER_ID),
                    E.userName(self.org.username),
                ),
            )
        )

    def query(self, request: etree._Element, headers: Mapping[str, str]) -> etree._Element:
        cursor = run_query(self.store, _text(request, "queryString") or "")
        return self._batch(E.queryResponse, cursor, headers)

    def queryMore(self, request: etree._Element, headers: Mapping[str, str]) -> etree._Element:  # noqa: N802
        locator = _text(request, "queryLocator") or ""
        with self.org.lock:
            cursor = self.org.cursors.pop(locator, None)
        if cursor is None:
            raise ApiFault("INVALID_QUERY_LOCATOR", "invalid query locator", "InvalidQueryLocatorFault")
        return self._batch(E.queryMoreResponse, cursor, headers)

    def _batch(
        self, wrapper: Callable[..., etree._Element], cursor: Cursor, headers: Mapping[str, str]
    ) -> etree._Element:
        requested = int(headers.get("batchSize") or DEFAULT_BATCH_SIZE)
        size = min(max(requested, self.org.min_batch_size), MAX_BATCH_SIZE)
        batch = [dict(row) for row in cursor.rows[cursor.position : cursor.position + size]]
        cursor.position += len(batch)
        if batch and self.corrupt_next_batch():
            broken = "Email" if cursor.sobject == "Contact" else "BillingCountryCode"
            batch[0][broken] = "not-an-e-mail@@broken" if broken == "Email" else "Deutschland"
        done = cursor.position >= len(cursor.rows)
        locator = None
        if not done:
            with self.org.lock:
                locator = f"01g5g00000{next(self.org._locators):08d}-{cursor.position}"
                self.org.cursors[locator] = cursor
        result = E.result(E.done("true" if done else "false"))
        result.append(E.queryLocator(locator) if locator else _nil(E.queryLocator()))
        result.extend(sobject_element(cursor.sobject, row, cursor.fields, "records") for row in batch)
        result.append(E.size(str(len(cursor.rows))))
        return wrapper(result)

    def retrieve(self, request: etree._Element, headers: Mapping[str, str]) -> etree._Element:
        sobject = _text(request, "sObjectType") or ""
        fields = _check_fields(sobject, [f.strip() for f in (_text(request, "fieldList") or "").split(",")])
        response = E.retrieveResponse()
        for node in request.findall(f"{{{PARTNER_NS}}}ids"):
            id_ = normalise_id(node.text or "")
            row = self.store.get(id_) if id_ else None
            response.append(
                sobject_element(sobject, row, fields, "result")
                if row and row["type"] == sobject
                else _nil(E.result())
            )
        return response

    def upsert(self, request: etree._Element, headers: Mapping[str, str]) -> etree._Element:
        key = _text(request, "externalIDFieldName") or ""
        records = request.findall(f"{{{PARTNER_NS}}}sObjects")
        if len(records) > MAX_UPSERT_RECORDS:
            raise ApiFault("EXCEEDED_ID_LIMIT", f"upsert has a limit of {MAX_UPSERT_RECORDS} records")
        response = E.upsertResponse()
        for node in records:
            try:
                id_, created = self._upsert_one(key, node)
                response.append(E.result(E.created(str(created).lower()), E.id(id_), E.success("true")))
            except UpsertError as exc:
                error = E.errors(
                    *(E.fields(f) for f in exc.fields), E.message(exc.message), E.statusCode(exc.code)
                )
                response.append(E.result(E.created("false"), error, _nil(E.id()), E.success("false")))
        return response

    def delete(self, request: etree._Element, headers: Mapping[str, str]) -> etree._Element:
        return self._per_id(request, "deleteResponse", self.store.recycle)

    def emptyRecycleBin(self, request: etree._Element, headers: Mapping[str, str]) -> etree._Element:  # noqa: N802
        def purge(id_: str) -> str | None:
            return None if self.store.purge(id_) else "INVALID_ID_FIELD"

        return self._per_id(request, "emptyRecycleBinResponse", purge)

    def _per_id(
        self, request: etree._Element, tag: str, action: Callable[[str], str | None]
    ) -> etree._Element:
        """``action`` per id (``None``: done, else the status code), as per-record results."""
        ids = [normalise_id(node.text or "") for node in request.findall(f"{{{PARTNER_NS}}}ids")]
        if len(ids) > MAX_UPSERT_RECORDS:
            raise ApiFault("EXCEEDED_ID_LIMIT", f"{tag[:-8]} has a limit of {MAX_UPSERT_RECORDS} ids")
        response = E(tag)
        for id_ in ids:
            code = action(id_) if id_ else "MALFORMED_ID"
            if code is None:
                response.append(E.result(E.id(id_), E.success("true")))
            else:
                error = E.errors(E.message(f"{code}: {id_ or 'invalid id'}"), E.statusCode(code))
                response.append(E.result(error, _nil(E.id()), E.success("false")))
        return response

    def _upsert_one(self, key: str, node: etree._Element) -> tuple[str, bool]:
        sobject = (node.findtext(f"{{{SOBJECT_NS}}}type") or "").strip()
        return upsert_record(self.store, sobject, key, lambda: _sobject_values(node, sobject))


def run_query(store: OrgStore, text: str, order_by_allowed: bool = True) -> Cursor:
    """A SOQL query of the subset evaluated into a server-side cursor (SOAP, REST and Bulk share it)."""
    try:
        parsed = soql.parse(text)
    except soql.SoqlError as exc:
        raise ApiFault(exc.code, str(exc), "MalformedQueryFault") from None
    fields = _check_fields(parsed.sobject, parsed.fields)
    for name, _ in parsed.order_by:
        _check_fields(parsed.sobject, [name])
    rows = [row for row in store.all(parsed.sobject) if parsed.where(row)]
    if not order_by_allowed:
        if parsed.order_by or parsed.limit is not None:
            raise ApiFault("API_ERROR", "Bulk API 2.0 does not support ORDER BY or LIMIT")
        rows.sort(key=lambda row: row["Id"])  # chunked by primary key
    for name, descending in reversed(parsed.order_by):  # stable sorts: last key first
        rows.sort(key=lambda row, n=name: (row.get(n) is not None, row.get(n) or ""), reverse=descending)
    rows = rows[: parsed.limit] if parsed.limit is not None else rows
    return Cursor(parsed.sobject, fields, rows)


def upsert_record(
    store: OrgStore, sobject: str, key: str, values_of: Callable[[], dict[str, str | None]]
) -> tuple[str, bool]:
    """Upsert one record of ``sobject`` matched on ``key`` (``Id`` or an external id field);
    ``values_of`` reads and checks the request's values (:class:`UpsertError` for a refused record).
    Returns (id, created). Shared by SOAP ``upsert`` and the REST upserts."""
    if sobject not in OBJECT_FIELDS:
        raise ApiFault(
            "INVALID_TYPE", f"sObject type '{sobject}' is not supported.", "InvalidSObjectFault"
        )
    if key != "Id" and key not in EXTERNAL_ID_FIELDS:
        raise ApiFault(
            "INVALID_FIELD",
            f"Field name provided, {key} is not an External ID or indexed field for {sobject}",
            "InvalidFieldFault",
        )
    values = values_of()
    if key == "Id":
        id_ = values.pop("Id", None)
        if id_ is not None and (store.get(id_) or {}).get("type") != sobject:
            raise UpsertError("NOT_FOUND", f"{sobject} {id_} does not exist", ["Id"])
        matches = [id_] if id_ else []
    else:
        values.pop("Id", None)
        if not values.get(key):
            raise UpsertError("MISSING_ARGUMENT", f"{key} not specified", [key])
        matches = store.find(sobject, key, values[key])
    if len(matches) > 1:
        raise UpsertError(
            "DUPLICATE_EXTERNAL_ID",
            f"{key}: more than one record found for external id field: {matches}",
            [key],
        )
    if not matches:
        missing = [f for f in REQUIRED_FIELDS[sobject] if not values.get(f)]
        if missing:
            message = f"Required fields are missing: {missing}"
            raise UpsertError("REQUIRED_FIELD_MISSING", message, missing)
    outcome = store.save(sobject, matches[0] if matches else None, values)
    return outcome.id, outcome.created


class UpsertError(Exception):
    def __init__(self, code: str, message: str, fields: list[str]):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


def sobject_element(sobject: str, row: Mapping[str, Any], fields: list[str], tag: str) -> etree._Element:
    """A record as the Partner API sends it: ``type`` and ``Id`` declared, every field under xsd:any,
    null fields as ``xsi:nil``; characters XML cannot carry (control characters in imported data)
    go out as U+FFFD so one bad record does not break the whole batch."""
    node = E(tag, S.type(sobject))
    node.set(f"{{{XSI}}}type", "sf:sObject")
    node.append(S.Id(row["Id"]))
    for name in fields:
        if name == "Id":
            continue
        value = row.get(name)
        node.append(S(name, xml_safe(str(value))) if value not in (None, "") else _nil(S(name)))
    return node


def _sobject_values(node: etree._Element, sobject: str) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for child in node:
        name = etree.QName(child).localname
        if name in ("type", "fieldsToNull"):
            continue
        nil = child.get(f"{{{XSI}}}nil") in ("true", "1")
        values[name] = None if nil else (child.text or "")
    for child in node.findall(f"{{{SOBJECT_NS}}}fieldsToNull"):
        values[(child.text or "").strip()] = None
    return check_values(sobject, values)


def check_values(sobject: str, values: dict[str, str | None]) -> dict[str, str | None]:
    """Salesforce's field validation of a save: unknown or system fields, lengths, e-mails, ids."""
    for name in values:
        if name not in OBJECT_FIELDS[sobject] and name != "Id":
            code = "INVALID_FIELD_FOR_INSERT_UPDATE" if name in SYSTEM_FIELDS else "INVALID_FIELD"
            raise UpsertError(code, f"Unable to create/update fields: {name}.", [name])
    for name, value in values.items():
        if value and len(value) > MAX_LENGTH.get(name, 255):
            raise UpsertError("STRING_TOO_LONG", f"{name}: data value too large: {value[:20]}...", [name])
        if name == "Email" and value and not _EMAIL.fullmatch(value):
            raise UpsertError("INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {value}", [name])
    if "Id" in values:
        values["Id"] = normalise_id(values["Id"] or "") if values["Id"] else None
        if values["Id"] and object_of(values["Id"]) != sobject:
            raise UpsertError("MALFORMED_ID", f"Id is not a {sobject} id", ["Id"])
    return values


def _check_fields(sobject: str, fields: list[str]) -> list[str]:
    if sobject not in OBJECT_FIELDS:
        raise ApiFault("INVALID_TYPE", f"sObject type '{sobject}' is not supported.", "InvalidSObjectFault")
    known = set(OBJECT_FIELDS[sobject]) | set(SYSTEM_FIELDS)
    for name in fields:
        if name not in known:
            raise ApiFault(
                "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.", "InvalidFieldFault"
            )
    return fields


def _headers(header: etree._Element | None) -> dict[str, str]:
    if header is None:
        return {}
    batch = header.findtext(f"{{{PARTNER_NS}}}QueryOptions/{{{PARTNER_NS}}}batchSize")
    return {"batchSize": batch.strip()} if batch else {}


def _nil(node: etree._Element) -> etree._Element:
    node.set(f"{{{XSI}}}nil", "true")
    return node


def _text(request: etree._Element, name: str) -> str | None:
    value = request.findtext(f"{{{PARTNER_NS}}}{name}")
    return value.strip() if value is not None else None
