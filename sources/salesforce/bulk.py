"""The org's Bulk API 2.0 query jobs: create a job, poll its state, read its results as CSV pages.

As in Salesforce, the query runs when the job is created (a snapshot), the job goes UploadComplete ->
InProgress -> JobComplete as it is polled, rows come in primary-key order (chunked by Id: Bulk API 2.0
does not support ORDER BY or LIMIT), and ``results`` pages with ``maxRecords`` and the
``Sforce-Locator`` header (the text ``null`` on the last page). Empty CSV cells are nulls.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from sources.salesforce.objects import stamp
from sources.salesforce.rest import DATA, RestError, bearer_guard
from sources.salesforce.service import USER_ID, Cursor, Org, run_query
from sources.salesforce.soap import ApiFault
from sources.salesforce.store import OrgStore

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
STATES = ("UploadComplete", "InProgress", "JobComplete")


@dataclass
class QueryJob:
    id: str
    operation: str
    query: str
    cursor: Cursor
    created: str
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    polls: int = 0

    @property
    def state(self) -> str:
        return STATES[min(self.polls, len(STATES) - 1)]

    def info(self, version: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.cursor.sobject,
            "createdById": USER_ID,
            "createdDate": self.created,
            "systemModstamp": self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version[1:]),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
            "numberRecordsProcessed": len(self.cursor.rows) if self.state == "JobComplete" else 0,
        }


def bulk_router(org: Org, store: OrgStore) -> APIRouter:
    router = APIRouter(prefix=f"{DATA}/jobs/query", dependencies=[Depends(bearer_guard(org))])
    jobs: dict[str, QueryJob] = {}
    numbers = itertools.count(1)

    @router.post("")
    async def create(version: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """Create a query job ("Create a Query Job":
        https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm):
        ``operation`` query/queryAll, ``query``, optional ``columnDelimiter`` and ``lineEnding``."""
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise RestError("INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        delimiter, ending = body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")
        if delimiter not in DELIMITERS or ending not in LINE_ENDINGS:
            raise RestError("INVALIDJOB", "InvalidJob : columnDelimiter or lineEnding not valid")
        try:
            cursor = await run_in_threadpool(run_query, store, str(body.get("query") or ""), False)
        except ApiFault as fault:
            raise RestError(fault.code, fault.message) from None
        job = QueryJob(
            f"7505g{next(numbers):013d}", operation, body["query"], cursor, stamp(datetime.now(UTC)),
            delimiter, ending,
        )
        jobs[job.id] = job
        return job.info(version)

    @router.get("/{job_id}")
    def info(version: str, job_id: str) -> dict[str, Any]:
        """Job state ("Get Information About a Query Job":
        https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_one_job.htm)."""
        job = _job(jobs, job_id)
        job.polls += 1
        return job.info(version)

    @router.get("/{job_id}/results")
    def results(
        version: str,
        job_id: str,
        locator: str | None = Query(None),
        max_records: int | None = Query(None, ge=1, alias="maxRecords"),
    ) -> Response:
        """One page of CSV ("Get Results for a Query Job":
        https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm):
        ``locator`` and ``maxRecords`` parameters, ``Sforce-Locator`` / ``Sforce-NumberOfRecords`` headers."""
        job = _job(jobs, job_id)
        if job.state != "JobComplete":
            raise RestError("API_ERROR", f"Query job {job_id} is not complete: {job.state}")
        start = _offset(locator)
        rows = job.cursor.rows[start : start + max_records if max_records else None]
        end = start + len(rows)
        next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.cursor.rows) else "null"
        return Response(
            to_csv(job, rows),
            media_type="text/csv",
            headers={"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(len(rows))},
        )

    return router


def to_csv(job: QueryJob, rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=DELIMITERS[job.delimiter], lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(job.cursor.fields)
    writer.writerows([["" if row.get(f) is None else row[f] for f in job.cursor.fields] for row in rows])
    return out.getvalue()


def _offset(locator: str | None) -> int:
    if not locator:
        return 0
    try:
        return int(base64.b64decode(locator.encode(), validate=True).decode())
    except ValueError:
        raise RestError("INVALID_LOCATOR", f"invalid locator: {locator}") from None


def _job(jobs: dict[str, QueryJob], job_id: str) -> QueryJob:
    job = jobs.get(job_id)
    if job is None:
        raise RestError("NOT_FOUND", f"Job {job_id} not found", 404)
    return job
