"""The Salesforce REST API and Bulk API 2.0 calls the connector makes, on one configured session.

* ``query``: SOQL over REST, batch after batch through ``nextRecordsUrl`` (``Sforce-Query-Options:
  batchSize``) — for incremental pulls, which need ORDER BY for keyset paging.
* ``bulk_query``: a Bulk API 2.0 query job (create, poll until JobComplete, read the CSV results page by
  page with ``maxRecords`` and the ``Sforce-Locator`` header) — for full pulls, which Salesforce serves
  far cheaper as a job than as thousands of REST batches. Bulk 2.0 does not take ORDER BY.
* ``retrieve`` / ``upsert``: sObject Collections, up to 200 records a call with a result per record.

A 401 (token expired or revoked) fetches a new token once and repeats the call.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import requests

from connectors.base import ConnectorError
from connectors.http import check_status, json_body, transport

#: Salesforce's REST date-times end in ``+0000``; the connector keeps the SOQL literal form (``Z``).
_UTC_SUFFIX = "+0000"


class SalesforceRest:
    def __init__(
        self,
        source: str,
        session: requests.Session,
        token: Callable[[bool], tuple[str, str]],
        api_version: str,
        poll_seconds: float = 1.0,
        job_timeout: float = 600,
    ):
        """``token(renew)`` gives (instance URL, access token), a fresh one when ``renew``."""
        self.source, self.session, self.token, self.version = source, session, token, api_version
        self.poll_seconds, self.job_timeout = poll_seconds, job_timeout

    def call(self, method: str, path: str, operation: str, **kwargs: Any) -> requests.Response:
        """``path`` below the instance URL; renews the token once on 401; errors -> ConnectorError."""
        extra_headers = kwargs.pop("headers", {})
        for renew in (False, True):
            instance, access = self.token(renew)
            headers = {"Authorization": f"Bearer {access}", **extra_headers}
            what = f"{method} {path.split('?')[0]}"
            response = transport(
                self.source, operation, what,
                lambda url=instance + path, h=headers: self.session.request(method, url, headers=h, **kwargs),
            )
            if response.status_code != 401:
                return check_status(self.source, operation, what, response, message=error_text)
        return check_status(self.source, operation, what, response, message=error_text)

    @property
    def data(self) -> str:
        return f"/services/data/v{self.version}"

    def query(self, soql: str, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        options = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        path = f"{self.data}/query?q={quote(soql)}"
        while path:
            answer = json_body(self.source, "query", path, self.call("GET", path, "query", headers=options))
            yield [_plain(record) for record in answer.get("records") or []]
            path = None if answer.get("done") else answer.get("nextRecordsUrl")

    def start_bulk_query(self, soql: str) -> str:
        """Create a Bulk API 2.0 query job and wait until it is JobComplete; returns its id."""
        jobs = f"{self.data}/jobs/query"
        created = self.call("POST", jobs, "bulk_query", json={"operation": "query", "query": soql})
        job_id = str(json_body(self.source, "bulk_query", jobs, created)["id"])
        self._wait(f"{jobs}/{job_id}")
        return job_id

    def bulk_job_exists(self, job_id: str) -> bool:
        """Whether Salesforce still keeps the job's results (it deletes jobs after 7 days)."""
        try:
            self.call("GET", f"{self.data}/jobs/query/{job_id}", "bulk_query")
        except ConnectorError as exc:
            if "HTTP 404" in str(exc):
                return False
            raise
        return True

    def bulk_results(
        self, job_id: str, page_size: int, locator: str = ""
    ) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """(rows, locator of the next page or None after the last) of a complete query job, from
        ``locator`` on; empty CSV cells are nulls."""
        while True:
            params = f"?maxRecords={page_size}" + (f"&locator={quote(locator)}" if locator else "")
            response = self.call("GET", f"{self.data}/jobs/query/{job_id}/results{params}", "bulk_query")
            rows = [
                {k: (v if v != "" else None) for k, v in row.items()}
                for row in csv.DictReader(io.StringIO(response.text))
            ]
            locator = response.headers.get("Sforce-Locator", "null")
            if locator in ("", "null"):
                yield rows, None
                return
            yield rows, locator

    def _wait(self, path: str) -> None:
        deadline = time.monotonic() + self.job_timeout
        for attempt in itertools.count():
            job = json_body(self.source, "bulk_query", path, self.call("GET", path, "bulk_query"))
            if job.get("state") == "JobComplete":
                return
            if job.get("state") in ("Aborted", "Failed") or time.monotonic() > deadline:
                message = job.get("errorMessage") or f"job {job.get('id')} is {job.get('state')}"
                raise ConnectorError(self.source, "bulk_query", message)
            time.sleep(min(0.05 * 2**attempt, self.poll_seconds))  # small jobs finish in moments

    def retrieve(self, sobject: str, ids: list[str], fields: list[str]) -> list[dict[str, Any] | None]:
        path = f"{self.data}/composite/sobjects/{sobject}?ids={','.join(ids)}&fields={','.join(fields)}"
        answer = json_body(self.source, "retrieve", path, self.call("GET", path, "retrieve"))
        return [_plain(record) if record else None for record in answer]

    def upsert(self, sobject: str, key: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per-record results ``{id, success, errors, created}`` in request order (allOrNone false)."""
        path = f"{self.data}/composite/sobjects/{sobject}/{key}"
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": sobject}, **record} for record in records],
        }
        return json_body(self.source, "upsert", path, self.call("PATCH", path, "upsert", json=body))


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A REST record as ``{field: text or None}``, date-times in SOQL's ``...Z`` form."""
    values: dict[str, Any] = {}
    for name, value in record.items():
        if name == "attributes":
            continue
        text = None if value is None or value == "" else str(value)
        if text and text.endswith(_UTC_SUFFIX) and "T" in text:
            text = text[: -len(_UTC_SUFFIX)] + "Z"
        values[name] = text
    return values


def error_text(response: requests.Response) -> str:
    """Salesforce's REST errors: ``[{"errorCode": ..., "message": ...}]``."""
    try:
        errors = response.json()
        return "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors)
    except (ValueError, AttributeError, TypeError):
        return response.text[:200]
