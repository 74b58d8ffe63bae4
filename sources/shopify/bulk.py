"""Bulk operations of the local store's GraphQL Admin API: a whole export as one JSONL file.

Shopify's way to read everything (https://shopify.dev/docs/api/usage/bulk-operations/queries): the
client submits a query without paging arguments in ``bulkOperationRunQuery``, polls
``currentBulkOperation`` until its ``status`` is ``COMPLETED``, and downloads the JSONL file at its
``url``. One line per object; a connection nested inside an object is written as lines of their own that
name their parent in ``__parentId``. At most one bulk query runs per shop and app at a time
(``OPERATION_IN_PROGRESS``). Here the file is produced at once and kept in memory; the status moves one
step (``CREATED`` -> ``RUNNING`` -> ``COMPLETED``) at each poll, so a client that does not poll never
gets a URL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DOCS = "https://shopify.dev/docs/api/usage/bulk-operations/queries"
STEPS = ("CREATED", "RUNNING", "COMPLETED")


@dataclass
class BulkOperation:
    number: int
    query: str
    lines: list[str]
    created_at: str
    status: str = "CREATED"
    completed_at: str | None = None
    root_count: int = 0

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.number}"


class BulkOperations:
    """The shop's bulk query operations: run one, report the current one, serve its file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._operations: dict[int, BulkOperation] = {}
        self._current: BulkOperation | None = None

    def run_query(self, query: str, execute: Callable[[str], tuple[dict | None, list[str]]]) -> dict:
        """``bulkOperationRunQuery`` payload; ``execute`` runs the query unpaged -> (data, error messages)."""
        with self._lock:
            running = self._current
            if running is not None and running.status != "COMPLETED":
                message = "A bulk query operation for this app and shop is already in progress"
                return _refused(f"{message}: {running.gid}.", "OPERATION_IN_PROGRESS")
            data, errors = execute(query)
            if errors or data is None:
                return _refused("; ".join(errors) or "Invalid bulk query", "INVALID")
            now = _now()
            operation = BulkOperation(len(self._operations) + 1, query, [], now)
            for root in _roots(data):
                operation.root_count += 1
                operation.lines.extend(json.dumps(line, ensure_ascii=False) for line in _flatten(root, None))
            self._operations[operation.number] = self._current = operation
            return {"bulkOperation": self._node(operation, ""), "userErrors": []}

    def current(self, base_url: str) -> dict[str, Any] | None:
        """``currentBulkOperation``: the latest operation, one status step further at each call."""
        with self._lock:
            operation = self._current
            if operation is None:
                return None
            if operation.status != "COMPLETED":
                operation.status = STEPS[STEPS.index(operation.status) + 1]
                if operation.status == "COMPLETED":
                    operation.completed_at = _now()
            return self._node(operation, base_url)

    def file(self, number: int) -> str | None:
        """The JSONL result of a completed operation, or ``None``."""
        with self._lock:
            operation = self._operations.get(number)
            if operation is None or operation.status != "COMPLETED":
                return None
            return "".join(line + "\n" for line in operation.lines)

    @staticmethod
    def _node(operation: BulkOperation, base_url: str) -> dict[str, Any]:
        done = operation.status == "COMPLETED"
        size = sum(len(line.encode()) + 1 for line in operation.lines)
        return {"id": operation.gid, "status": operation.status, "errorCode": None, "type": "QUERY",
                "createdAt": operation.created_at, "completedAt": operation.completed_at,
                "objectCount": str(len(operation.lines) if done else 0),
                "rootObjectCount": str(operation.root_count if done else 0),
                "fileSize": str(size) if done and operation.lines else None,
                "url": f"{base_url.rstrip('/')}/bulk-operations/{operation.number}.jsonl"
                if done and operation.lines else None,
                "partialDataUrl": None, "query": operation.query}


def _roots(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The objects of the query's top-level connections (``edges { node }`` or ``nodes``)."""
    for value in data.values():
        yield from _connection_nodes(value) or []


def _connection_nodes(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("edges"), list):
        return [edge["node"] for edge in value["edges"] if isinstance(edge, dict) and "node" in edge]
    if isinstance(value.get("nodes"), list) and set(value) <= {"nodes", "pageInfo"}:
        return list(value["nodes"])
    return None


def _flatten(node: dict[str, Any], parent: str | None) -> Iterator[dict[str, Any]]:
    """The node as one line without its nested connections, then their nodes as lines naming it."""
    own = {key: value for key, value in node.items() if _connection_nodes(value) is None}
    if parent is not None:
        own["__parentId"] = parent
    yield own
    for value in node.values():
        for child in _connection_nodes(value) or []:
            yield from _flatten(child, node.get("id"))


def _refused(message: str, code: str) -> dict[str, Any]:
    return {"bulkOperation": None, "userErrors": [{"field": ["query"], "message": message, "code": code}]}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
