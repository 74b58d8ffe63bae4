"""The org's REST API (``/services/data/vXX.X/``): SOQL query with ``nextRecordsUrl`` paging, sObject
describe, single-record upsert by external id, and sObject Collections (retrieve by ids, upsert up to
200 records with per-record results).

Every call needs ``Authorization: Bearer <access token>`` (or a SOAP session id: the same thing to
Salesforce) and answers errors as Salesforce does, a JSON list of ``{"message", "errorCode"}`` —
401 ``INVALID_SESSION_ID`` without a valid token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sources.salesforce.objects import (
    EXTERNAL_ID_FIELDS,
    OBJECT_FIELDS,
    REQUIRED_FIELDS,
    SYSTEM_FIELDS,
    normalise_id,
)
from sources.salesforce.service import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    MAX_LENGTH,
    MAX_UPSERT_RECORDS,
    Cursor,
    Org,
    UpsertError,
    check_values,
    run_query,
    upsert_record,
)
from sources.salesforce.soap import ApiFault
from sources.salesforce.store import OrgStore

DATA = "/services/data/{version}"
_VERSION = re.compile(r"v\d{2,3}\.0")
_STATUS = {"INVALID_SESSION_ID": 401, "REQUEST_LIMIT_EXCEEDED": 403, "NOT_FOUND": 404}


class RestError(Exception):
    """An error answer: ``[{"message": ..., "errorCode": ...}]`` with ``status``."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status or _STATUS.get(code, 400)

    def response(self) -> JSONResponse:
        return JSONResponse([{"message": self.message, "errorCode": self.code}], status_code=self.status)


def bearer_guard(org: Org) -> Callable[..., str]:
    """A dependency: the request's bearer token must be a live session; the call is counted."""

    def guard(version: str, authorization: str | None = Header(None)) -> str:
        if not _VERSION.fullmatch(version):
            raise RestError("NOT_FOUND", "The requested resource does not exist", 404)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not org.session_valid(token):
            raise RestError("INVALID_SESSION_ID", "Session expired or invalid")
        try:
            org.count_request()
        except ApiFault as fault:
            raise RestError(fault.code, fault.message) from None
        return version

    return guard


def record_json(version: str, sobject: str, row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """A record as REST sends it: ``attributes`` first, date-times as ``2024-03-01T08:00:00.000+0000``."""
    url = f"/services/data/{version}/sobjects/{sobject}/{row['Id']}"
    values = {f: row.get(f) for f in fields}
    for name in ("CreatedDate", "SystemModstamp"):
        value = values.get(name)
        if isinstance(value, str) and value.endswith("Z"):
            values[name] = value[:-1] + "+0000"
    return {"attributes": {"type": sobject, "url": url}, **values}


def _fault(fault: ApiFault) -> RestError:
    return RestError(fault.code, fault.message)


def query_router(org: Org, store: OrgStore) -> APIRouter:
    """SOQL query and its ``nextRecordsUrl`` batches (server-side cursors shared with SOAP queryMore)."""
    router = APIRouter(prefix=DATA, dependencies=[Depends(bearer_guard(org))])

    def page(version: str, cursor: Cursor, batch_size: int) -> dict[str, Any]:
        batch = cursor.rows[cursor.position : cursor.position + batch_size]
        cursor.position += len(batch)
        answer: dict[str, Any] = {"totalSize": len(cursor.rows), "done": cursor.position >= len(cursor.rows)}
        if not answer["done"]:
            with org.lock:
                locator = f"01g5g00000{next(org._locators):08d}-{cursor.position}"
                org.cursors[locator] = cursor
            answer["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}"
        answer["records"] = [record_json(version, cursor.sobject, row, cursor.fields) for row in batch]
        return answer

    def batch_size(options: str | None) -> int:
        match = re.search(r"batchSize=(\d+)", options or "")
        requested = int(match.group(1)) if match else DEFAULT_BATCH_SIZE
        return min(max(requested, org.min_batch_size), MAX_BATCH_SIZE)

    @router.get("/query")
    @router.get("/query/", include_in_schema=False)
    async def query(
        version: str, q: str = Query(...), sforce_query_options: str | None = Header(None)
    ) -> dict[str, Any]:
        """SOQL query, first batch (REST API Developer Guide, "Execute a SOQL Query":
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm);
        ``Sforce-Query-Options: batchSize=n``, 200..2000 (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm)."""
        try:
            cursor = await run_in_threadpool(run_query, store, q)
        except ApiFault as fault:
            raise _fault(fault) from None
        return page(version, cursor, batch_size(sforce_query_options))

    @router.get("/query/{locator}")
    def query_more(
        version: str, locator: str, sforce_query_options: str | None = Header(None)
    ) -> dict[str, Any]:
        """The next batch named by ``nextRecordsUrl`` (same page:
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm)."""
        with org.lock:
            cursor = org.cursors.pop(locator, None)
        if cursor is None:
            raise RestError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return page(version, cursor, batch_size(sforce_query_options))

    return router


def records_router(org: Org, store: OrgStore) -> APIRouter:
    """sObject describe, get, upsert and sObject Collections."""
    router = APIRouter(prefix=DATA, dependencies=[Depends(bearer_guard(org))])

    @router.get("/sobjects/{sobject}/describe")
    @router.get("/sobjects/{sobject}/describe/", include_in_schema=False)
    def describe(version: str, sobject: str) -> dict[str, Any]:
        """Field list of an object ("sObject Describe":
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm)."""
        return describe_object(_known(sobject))

    @router.get("/sobjects/{sobject}/{record_id}")
    def get_record(
        version: str, sobject: str, record_id: str, fields: str | None = Query(None)
    ) -> dict[str, Any]:
        """One record by id, all fields or ``fields`` ("Get Field Values from a Standard Object Record":
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_field_values.htm)."""
        row = store.get(normalise_id(record_id) or "")
        if row is None or row["type"] != _known(sobject):
            raise RestError("NOT_FOUND", "The requested resource does not exist", 404)
        every = ["Id", *OBJECT_FIELDS[sobject], *SYSTEM_FIELDS[1:]]
        names = [f.strip() for f in fields.split(",")] if fields else every
        return record_json(version, sobject, row, names)

    @router.patch("/sobjects/{sobject}/{field}/{value}")
    def upsert_one(
        version: str, sobject: str, field: str, value: str, body: dict[str, Any] = Body(...)
    ) -> JSONResponse:
        """Upsert one record by an external id field or ``Id`` ("Insert or Update (Upsert) a Record
        Using an External ID": https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm):
        201 with ``created: true`` for a new record, 200 for an update."""
        outcome = upsert_json(store, _known(sobject), field, {**body, field: value})
        if not outcome["success"]:
            return JSONResponse(
                [{"message": e["message"], "errorCode": e["statusCode"], "fields": e["fields"]}
                 for e in outcome["errors"]],
                status_code=404 if outcome["errors"][0]["statusCode"] == "NOT_FOUND" else 400,
            )
        return JSONResponse(outcome, status_code=201 if outcome["created"] else 200)

    @router.get("/composite/sobjects/{sobject}")
    def retrieve(version: str, sobject: str, ids: str = Query(...), fields: str = Query(...)) -> list[Any]:
        """Records by id, ``null`` for an id not found ("Get Records Using sObject Collections":
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_retrieve.htm)."""
        names = [f.strip() for f in fields.split(",") if f.strip()]
        unknown = [n for n in names if n not in set(OBJECT_FIELDS[_known(sobject)]) | set(SYSTEM_FIELDS)]
        if unknown:
            raise RestError("INVALID_FIELD", f"No such column '{unknown[0]}' on entity '{sobject}'.")
        rows = [store.get(id_.strip()) for id_ in ids.split(",") if id_.strip()]
        return [record_json(version, sobject, r, names) if r and r["type"] == sobject else None for r in rows]

    @router.patch("/composite/sobjects/{sobject}/{field}")
    def upsert_many(version: str, sobject: str, field: str, body: dict[str, Any] = Body(...)) -> list[Any]:
        """Upsert up to 200 records by an external id field, one result per record in request order
        ("Upsert Records Using sObject Collections":
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm).
        ``allOrNone: false`` (the default) saves every record it can; ``true`` is not imitated."""
        records = body.get("records") or []
        if body.get("allOrNone"):
            raise RestError("INVALID_FIELD", "allOrNone=true is not supported by this local org")
        if len(records) > MAX_UPSERT_RECORDS:
            raise RestError("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records")
        for record in records:
            if (record.get("attributes") or {}).get("type") != sobject:
                raise RestError("INVALID_TYPE", f"every record needs attributes.type = {sobject}")
        return [upsert_json(store, _known(sobject), field, record) for record in records]

    return router


def upsert_json(store: OrgStore, sobject: str, key: str, record: dict[str, Any]) -> dict[str, Any]:
    """One upsert as a REST result: ``{id, success, errors, created}``."""
    values = {k: (None if v is None else str(v)) for k, v in record.items() if k != "attributes"}
    try:
        id_, created = upsert_record(store, sobject, key, lambda: check_values(sobject, values))
    except UpsertError as exc:
        error = {"statusCode": exc.code, "message": exc.message, "fields": exc.fields}
        return {"id": None, "success": False, "errors": [error], "created": False}
    except ApiFault as fault:
        raise _fault(fault) from None
    return {"id": id_, "success": True, "errors": [], "created": created}


def describe_object(sobject: str) -> dict[str, Any]:
    fields = [
        {
            "name": name,
            "type": "id" if name == "Id" else ("datetime" if name in SYSTEM_FIELDS else "string"),
            "length": MAX_LENGTH.get(name, 255 if name not in SYSTEM_FIELDS else 0),
            "nillable": name not in REQUIRED_FIELDS[sobject] and name not in SYSTEM_FIELDS,
            "createable": name not in SYSTEM_FIELDS,
            "updateable": name not in SYSTEM_FIELDS,
            "externalId": name in EXTERNAL_ID_FIELDS,
        }
        for name in ("Id", *OBJECT_FIELDS[sobject], "CreatedDate", "SystemModstamp")
    ]
    return {"name": sobject, "label": sobject, "queryable": True, "updateable": True, "fields": fields}


def _known(sobject: str) -> str:
    if sobject not in OBJECT_FIELDS:
        raise RestError("NOT_FOUND", f"The requested resource does not exist: {sobject}", 404)
    return sobject
