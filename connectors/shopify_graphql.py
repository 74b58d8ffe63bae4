"""Shopify's GraphQL Admin API for the Shopify connector (Shopify's current API; REST Admin is legacy).

Transport: ``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``. GraphQL errors
come back with HTTP 200, so every answer's ``errors`` is checked. The rate limit is a bucket of cost
points (https://shopify.dev/docs/api/usage/rate-limits#graphql-admin-api-rate-limits): each answer's
``extensions.cost.throttleStatus`` says how many points remain and how fast they come back. The client
keeps the last status and, before a call, waits until the points the previous call of the same kind
cost are available again; a ``THROTTLED`` answer waits for the missing points and retries.

Pull (https://shopify.dev/docs/api/admin-graphql/2024-10/queries/customers): ``customers(first:,
after:, query: "updated_at:>='<since>'", sortKey: UPDATED_AT)``. A run fixes ``since`` and reads the
server clock first (``Date`` of a ``{ shop { id } }`` call), so the next run may start at that moment
without losing rows changed during the run (same reasoning as the REST pull). Nodes are reshaped into
the REST customer (``first_name``, ``default_address.country_code``...) so mappings work with either
``api``. Cursor: ``gq1|<since>|<started>|<endCursor>``. Each customer costs 2 points (itself and its
default address; the golden-id metafield is not read, as over REST): on a standard plan's 50 points a
second that is about 25 customers a second once the first 1000 points are spent -- Shopify's price for
GraphQL, throttle-bound rather than request-bound.

Full pull as a bulk operation (``full_pull: bulk``, https://shopify.dev/docs/api/usage/bulk-operations/
queries): ``bulkOperationRunQuery`` with the same fields unpaged, ``currentBulkOperation`` polled until
``COMPLETED``, then the JSONL file at its ``url`` read line by line (one customer a line). It costs a few
points instead of two a customer, so a large store's first load is not throttle-bound.

Push: ``metafieldsSet`` for the golden id (does not touch the customer's ``updatedAt``), then
``customerUpdate`` with the changed top-level fields; ``userErrors`` -> the record fails with Shopify's
message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import requests

from connectors.base import ConnectorError, PushUpdate
from connectors.http import checked_request, json_body
from connectors.push_values import desired_values


class ShopEndpoint(Protocol):
    """What the GraphQL calls need of their connector (a protocol, so this module does not import
    :mod:`connectors.shopify`, which imports it)."""

    name: str
    base_url: str
    session: requests.Session

MAX_FIRST = 250
NODE_FIELDS = """
      id firstName lastName email phone note tags createdAt updatedAt
      defaultAddress { company address1 address2 city province provinceCode zip country countryCodeV2
                       phone }"""
THROTTLE_RETRIES = 8
SHOP = "query ShopClock { shop { id } }"
CUSTOMERS = """
query CustomersPage($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {""" + NODE_FIELDS + """
    }
  }
}"""
BULK_CUSTOMERS = "{ customers { edges { node {" + NODE_FIELDS + " } } } }"
RUN_BULK = """
mutation BulkCustomers($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } }
}"""
POLL_BULK = "query BulkStatus { currentBulkOperation { id status errorCode objectCount url } }"
BULK_FAILED = ("FAILED", "CANCELED", "CANCELING", "EXPIRED")
CUSTOMER = """
query PushTarget($id: ID!, $ns: String!, $key: String!) {
  customer(id: $id) { id firstName lastName email phone note metafield(namespace: $ns, key: $key) { value } }
}"""
SET_GOLDEN_ID = """
mutation GoldenId($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field message code } }
}"""
UPDATE = """
mutation PushFields($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id } userErrors { field message } }
}"""
#: REST field (the mapping's names) -> GraphQL CustomerInput field.
INPUT_FIELDS = {"first_name": "firstName", "last_name": "lastName", "email": "email", "phone": "phone",
                "note": "note"}
ADDRESS_FIELDS = {"company": "company", "address1": "address1", "address2": "address2", "city": "city",
                  "province": "province", "province_code": "provinceCode", "zip": "zip",
                  "country": "country", "country_code": "countryCodeV2", "phone": "phone"}


class ShopifyGraphql:
    """GraphQL calls of one connector, paced by the shop's cost-based throttle."""

    def __init__(self, connector: ShopEndpoint):
        self.connector = connector
        self.url = connector.base_url + "/graphql.json"
        self.status: dict[str, float] = {}  # the last throttleStatus
        self.costs: dict[str, float] = {}  # operation name -> its last requested cost

    def call(self, name: str, query: str, variables: dict[str, Any], operation: str,
             record_id: str | None = None) -> tuple[dict[str, Any], Any]:
        """``(data, response)`` of one operation; GraphQL errors -> ConnectorError."""
        c = self.connector
        for _ in range(THROTTLE_RETRIES):
            self._pace(name)
            response = checked_request(
                c.name, operation, f"POST graphql.json {name}",
                lambda: c.session.post(self.url, json={"query": query, "variables": variables}),
                record_id=record_id, message=_http_error)
            body = json_body(c.name, operation, f"graphql.json {name}", response, record_id=record_id)
            self._note_cost(name, body)
            errors = body.get("errors") if isinstance(body, Mapping) else "not a JSON object"
            if not errors:
                return body.get("data") or {}, response
            if not _throttled(errors):
                raise ConnectorError(c.name, operation, f"{name}: {_messages(errors)}", record_id)
        raise ConnectorError(c.name, operation, f"{name}: still throttled after {THROTTLE_RETRIES} waits",
                             record_id)

    def _note_cost(self, name: str, body: Any) -> None:
        cost = body.get("extensions", {}).get("cost") if isinstance(body, Mapping) else None
        if isinstance(cost, Mapping):
            self.costs[name] = float(cost.get("requestedQueryCost") or 0)
            self.status = dict(cost.get("throttleStatus") or {})
            self.status["at"] = time.monotonic()

    def _pace(self, name: str) -> None:
        """Sleep until the points this operation cost last time are back (Shopify's advice)."""
        if not self.status or name not in self.costs:
            return
        rate = float(self.status.get("restoreRate") or 0)
        elapsed = time.monotonic() - self.status["at"]
        available = float(self.status.get("currentlyAvailable") or 0) + elapsed * rate
        missing = self.costs[name] - available
        if missing > 0 and rate > 0:
            time.sleep(missing / rate)

    # -- pull ------------------------------------------------------------------------------------

    def pages(self, since: str | None, after: str | None,
              page_size: int) -> Iterator[tuple[list, str | None]]:
        """``(rows, endCursor or None on the last page)`` from ``after`` on, rows in the REST shape."""
        c = self.connector
        variables: dict[str, Any] = {"first": min(page_size, MAX_FIRST), "after": after,
                                     "query": f"updated_at:>='{since}'" if since else None}
        resuming = after is not None
        while True:
            try:
                data, _ = self.call("CustomersPage", CUSTOMERS, variables, "pull")
            except ConnectorError as exc:
                if not (resuming and "cursor" in str(exc).lower()):
                    raise
                variables["after"] = resuming = None  # a stored cursor the shop no longer takes: the
                continue  # run starts again at its ``since`` (duplicates, never gaps)
            resuming = False
            connection = data.get("customers") or {}
            nodes = connection.get("nodes")
            if not isinstance(nodes, list):
                raise ConnectorError(c.name, "pull", f"expected customers.nodes, got {str(data)[:120]}")
            info = connection.get("pageInfo") or {}
            more = bool(info.get("hasNextPage")) and info.get("endCursor")
            rows = [rest_shape(n) if isinstance(n, Mapping) else n for n in nodes]
            yield rows, info["endCursor"] if more else None
            if not more:
                return
            variables["after"] = info["endCursor"]

    def bulk_rows(self, chunk: int, poll_seconds: float, timeout: float) -> Iterator[list]:
        """Every customer through one bulk operation, ``chunk`` rows (REST shape) at a time."""
        c = self.connector
        data, _ = self.call("BulkCustomers", RUN_BULK, {"query": BULK_CUSTOMERS}, "pull")
        payload = data.get("bulkOperationRunQuery") or {}
        if payload.get("userErrors") or not payload.get("bulkOperation"):
            errors = _messages(payload.get("userErrors"))
            raise ConnectorError(c.name, "pull", f"bulkOperationRunQuery: {errors}")
        gid = payload["bulkOperation"]["id"]
        url = self._completed_url(gid, poll_seconds, timeout)
        if url is None:  # an export of nothing has no file
            return
        # the file is at a signed download link, often another host: the access token stays home
        response = checked_request(c.name, "pull", "GET bulk operation result", lambda: c.session.get(
            url, stream=True, headers={"X-Shopify-Access-Token": None}))
        rows: list = []
        for number, line in enumerate(response.iter_lines(decode_unicode=True), 1):
            if not line:
                continue
            try:
                node = json.loads(line)
            except ValueError:
                message = f"bulk result line {number} is not JSON: {line[:80]!r}"
                raise ConnectorError(c.name, "pull", message) from None
            if isinstance(node, Mapping) and "__parentId" in node:
                continue  # a nested connection's object; the customer fields asked for have none
            rows.append(rest_shape(node) if isinstance(node, Mapping) else node)
            if len(rows) >= chunk:
                yield rows
                rows = []
        if rows:
            yield rows

    def _completed_url(self, gid: str, poll_seconds: float, timeout: float) -> str | None:
        c = self.connector
        deadline = time.monotonic() + timeout
        while True:
            data, _ = self.call("BulkStatus", POLL_BULK, {}, "pull")
            operation = data.get("currentBulkOperation") or {}
            if operation.get("id") != gid:
                raise ConnectorError(c.name, "pull", f"bulk operation {gid} is no longer the current one")
            status = operation.get("status")
            if status == "COMPLETED":
                return operation.get("url")
            if status in BULK_FAILED:
                message = f"bulk operation {gid} {status}: {operation.get('errorCode')}"
                raise ConnectorError(c.name, "pull", message)
            if time.monotonic() > deadline:
                message = f"bulk operation {gid} still {status} after {timeout:.0f} s"
                raise ConnectorError(c.name, "pull", message)
            time.sleep(poll_seconds)

    # -- push ------------------------------------------------------------------------------------

    def push_one(self, update: PushUpdate) -> None:
        c = self.connector
        source_id = str(update.source_id)
        gid = f"gid://shopify/Customer/{source_id}"
        data, _ = self.call("PushTarget", CUSTOMER, {"id": gid, "ns": c.namespace, "key": c.key}, "push",
                            source_id)
        current = data.get("customer")
        if not isinstance(current, Mapping):
            raise ConnectorError(c.name, "push", "no such customer", source_id)
        if (current.get("metafield") or {}).get("value") != update.golden_id:
            metafield = {"ownerId": gid, "namespace": c.namespace, "key": c.key, "value": update.golden_id,
                         "type": "single_line_text_field"}
            data, _ = self.call("GoldenId", SET_GOLDEN_ID, {"metafields": [metafield]}, "push", source_id)
            self._user_errors(data.get("metafieldsSet"), source_id)
        desired = desired_values(c.mapping, update.fields) if c.push_fields else {}
        changes = {INPUT_FIELDS[k]: v for k, v in desired.items()
                   if k in INPUT_FIELDS and current.get(INPUT_FIELDS[k]) != v}
        if changes:
            data, _ = self.call("PushFields", UPDATE, {"input": {"id": gid, **changes}}, "push", source_id)
            self._user_errors(data.get("customerUpdate"), source_id)

    def _user_errors(self, payload: Any, source_id: str) -> None:
        errors = (payload or {}).get("userErrors") if isinstance(payload, Mapping) else None
        if errors:
            text = "; ".join(f"{'.'.join(e.get('field') or [])}: {e.get('message')}" for e in errors)
            raise ConnectorError(self.connector.name, "push", text, source_id)


def rest_shape(node: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL ``Customer`` node -> the REST customer's field names, which mappings use."""
    address = node.get("defaultAddress")
    default = ({rest: address.get(gql) for rest, gql in ADDRESS_FIELDS.items()}
               if isinstance(address, Mapping) else None)
    gid = str(node.get("id") or "")
    return {"id": int(gid.rsplit("/", 1)[-1]) if gid.rsplit("/", 1)[-1].isdigit() else gid,
            "first_name": node.get("firstName"), "last_name": node.get("lastName"),
            "email": node.get("email"), "phone": node.get("phone"), "note": node.get("note"),
            "tags": ", ".join(node.get("tags") or []), "created_at": node.get("createdAt"),
            "updated_at": node.get("updatedAt"), "default_address": default, "admin_graphql_api_id": gid}


def _throttled(errors: Any) -> bool:
    return isinstance(errors, list) and any(
        isinstance(e, Mapping) and (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors)


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(e.get("message") if isinstance(e, Mapping) else e) for e in errors)[:300]
    return str(errors)[:300]


def _http_error(response: Any) -> str:
    try:
        return _messages(response.json().get("errors"))
    except (ValueError, AttributeError):
        return response.text[:200] or response.reason
