"""``POST /admin/api/<version>/graphql.json``: Shopify's GraphQL Admin API over the local store.

Executed by graphql-core against :data:`sources.shopify.graphql_schema.SDL`. Shopify's conventions:
global ids ``gid://shopify/Customer/<n>``, timestamps in UTC, ``first``/``after`` cursor paging with
opaque cursors (``first`` at most 250, required), the customer search syntax in ``query`` (the part
integrations use: ``updated_at``/``created_at`` with ``:>``, ``:>=``, ``:<``, ``:<=``, ``id``, ``email``,
joined by ``AND``), ``userErrors`` in mutation payloads, and the calculated-cost rate limit reported in
``extensions.cost`` (:mod:`sources.shopify.graphql_cost`). Bulk operations (a whole export as JSONL):
:mod:`sources.shopify.bulk`.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)

from sources.shopify.bulk import BulkOperations
from sources.shopify.graphql_cost import CostBucket, requested_cost
from sources.shopify.graphql_schema import SDL
from sources.shopify.store import UTC_FORMAT, ShopifyStore

SCHEMA = build_schema(SDL)
MAX_FIRST = 250
ALL = 2**31 - 1
TERM = re.compile(r"(\w+):(>=|<=|>|<)?('[^']*'|\"[^\"]*\"|\S+)")
SORT_COLUMNS = {"ID": "id", "UPDATED_AT": "updated_at", "CREATED_AT": "created_at"}
GID = re.compile(r"^gid://shopify/Customer/(\d+)$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CAMEL_TO_STORE = {"firstName": "first_name", "lastName": "last_name", "email": "email",
                  "phone": "phone", "note": "note"}


def run_graphql(store: ShopifyStore, bucket: CostBucket, token: str, body: Any, shop: dict,
                bulk: BulkOperations | None = None, base_url: str = "") -> dict:
    """One GraphQL request -> Shopify's response body (``data``/``errors``/``extensions``), always 200.

    ``bulk`` holds the shop's bulk operations; ``base_url`` is where their result files are served."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "Parameter Missing or Invalid"}]}
    variables = body.get("variables") or {}
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return {"errors": [exc.formatted]}
    errors = validate(SCHEMA, document)
    if errors:
        return {"errors": [e.formatted for e in errors]}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    cost = sum(requested_cost(op, variables) for op in operations)
    if cost > bucket.size:
        return {"errors": [{"message": f"Query cost is {cost}, which exceeds the single query max cost "
                            f"limit ({bucket.size}).", "extensions": {"code": "MAX_COST_EXCEEDED"}}]}
    allowed, status = bucket.take(token, cost)
    extensions = {"cost": {"requestedQueryCost": cost, "actualQueryCost": cost if allowed else None,
                           "throttleStatus": status}}
    if not allowed:
        return {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": extensions}
    root = Root(store, shop, bulk or BulkOperations(), base_url)
    result = execute(SCHEMA, document, root_value=root, variable_values=variables,
                     operation_name=body.get("operationName"))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [e.formatted for e in result.errors]
    answer["extensions"] = extensions
    return answer


class Root:
    """Root resolvers (graphql-core's default resolver reads attributes/keys, so these are methods)."""

    def __init__(self, store: ShopifyStore, shop: dict, bulk: BulkOperations | None = None,
                 base_url: str = "", unpaged: bool = False):
        self.store, self._shop = store, shop
        self.bulk, self.base_url = bulk or BulkOperations(), base_url
        #: inside a bulk operation connections are read whole, without ``first``
        self.unpaged = unpaged

    def currentBulkOperation(self, info, type: str = "QUERY") -> dict | None:  # noqa: N802, A002
        return self.bulk.current(self.base_url) if type == "QUERY" else None

    def bulkOperationRunQuery(self, info, query: str) -> dict:  # noqa: N802 - Shopify's name
        return self.bulk.run_query(query, self._run_unpaged)

    def _run_unpaged(self, query: str) -> tuple[dict | None, list[str]]:
        """The bulk query executed over every row: (data, error messages)."""
        try:
            document = parse(query)
        except GraphQLError as exc:
            return None, [exc.message]
        errors = validate(SCHEMA, document)
        if errors:
            return None, [e.message for e in errors]
        unpaged = Root(self.store, self._shop, self.bulk, self.base_url, unpaged=True)
        result = execute(SCHEMA, document, root_value=unpaged)
        return result.data, [e.message for e in result.errors or []]

    def shop(self, info) -> dict:
        return self._shop

    def customer(self, info, id: str) -> dict | None:  # noqa: A002 - Shopify's argument name
        match = GID.match(id)
        found = self.store.get_customer(int(match.group(1))) if match else None
        return customer_node(self.store, found) if found else None

    def customers(self, info, first: int | None = None, after: str | None = None, query: str | None = None,
                  sortKey: str = "ID", reverse: bool = False) -> dict:  # noqa: N803
        if self.unpaged:
            first = ALL
        elif first is None:
            raise GraphQLError("you must provide one of first or last")
        elif not 0 < first <= MAX_FIRST:
            raise GraphQLError(f"The first argument must be between 1 and {MAX_FIRST}")
        column = SORT_COLUMNS.get(sortKey, "id")
        rows = [c for c in self.store.list_customers({}, limit=ALL) if _matches(c, query or "")]
        rows.sort(key=lambda c: (c[column], c["id"]), reverse=reverse)
        keys = [[c[column], c["id"]] for c in rows]
        start = 0
        if after:
            mark = _decode_cursor(after)
            start = next((i for i, k in enumerate(keys) if (k > mark) != reverse and k != mark), len(rows))
        page = rows[start:start + first]
        cursors = [_encode_cursor(keys[start + i]) for i in range(len(page))]
        nodes = [customer_node(self.store, c) for c in page]
        edges = [{"cursor": k, "node": n} for k, n in zip(cursors, nodes, strict=True)]
        return {"nodes": nodes, "edges": edges,
                "pageInfo": {"hasNextPage": start + first < len(rows), "hasPreviousPage": start > 0,
                             "startCursor": cursors[0] if cursors else None,
                             "endCursor": cursors[-1] if cursors else None}}

    def customerUpdate(self, info, input: dict) -> dict:  # noqa: N802, A002 - Shopify's names
        match = GID.match(str(input.get("id") or ""))
        if not match or self.store.get_customer(int(match.group(1))) is None:
            return {"customer": None, "userErrors": [{"field": ["id"], "message": "Customer does not exist"}]}
        customer_id = int(match.group(1))
        errors = _customer_errors(self.store, customer_id, input)
        if errors:
            return {"customer": None, "userErrors": errors}
        changes = {CAMEL_TO_STORE[k]: v for k, v in input.items() if k in CAMEL_TO_STORE}
        if "tags" in input:
            changes["tags"] = ", ".join(input["tags"] or [])
        updated = self.store.update_customer(customer_id, changes)
        return {"customer": customer_node(self.store, updated), "userErrors": []}

    def metafieldsSet(self, info, metafields: list[dict]) -> dict:  # noqa: N802
        """Creates or updates each metafield (all or nothing, at most 25), as Shopify documents."""
        if len(metafields) > 25:
            error = {"field": ["metafields"], "code": "LESS_THAN_OR_EQUAL_TO",
                     "message": "Exceeded the maximum metafields input limit of 25."}
            return {"metafields": None, "userErrors": [error]}
        errors, owners = [], []
        for i, item in enumerate(metafields):
            match = GID.match(item["ownerId"])
            if not match or self.store.get_customer(int(match.group(1))) is None:
                errors.append({"field": ["metafields", str(i), "ownerId"], "code": "INVALID",
                               "message": "Owner does not exist."})
            owners.append(int(match.group(1)) if match else 0)
        if errors:
            return {"metafields": None, "userErrors": errors}
        written = [self._set_metafield(owner, item) for owner, item in zip(owners, metafields, strict=True)]
        return {"metafields": written, "userErrors": []}

    def _set_metafield(self, owner: int, item: dict) -> dict:
        namespace = item.get("namespace") or "app"
        existing = self.store.metafields(owner, namespace, item["key"])
        if existing:
            saved = self.store.update_metafield(owner, existing[0]["id"], item["value"])
        else:
            saved = self.store.create_metafield(owner, namespace, item["key"], item["value"],
                                                item.get("type") or "single_line_text_field")
        return metafield_node(saved)  # type: ignore[arg-type]


def customer_node(store: ShopifyStore, customer: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored customer -> the GraphQL ``Customer`` object (dict keys are the field names)."""
    if customer is None:
        return None
    addresses = [address_node(a) for a in customer["addresses"]]
    default = next((addresses[i] for i, a in enumerate(customer["addresses"]) if a.get("default")),
                   addresses[0] if addresses else None)
    owner = customer["id"]

    def metafield(info, key: str, namespace: str | None = None) -> dict | None:
        found = store.metafields(owner, namespace or "app", key)
        return metafield_node(found[0]) if found else None

    def metafields(info, first: int | None = None, namespace: str | None = None) -> dict:
        found = store.metafields(owner, namespace)
        return {"nodes": [metafield_node(m) for m in found[: first or len(found)]]}

    name = " ".join(p for p in (customer["first_name"], customer["last_name"]) if p)
    return {"id": f"gid://shopify/Customer/{owner}", "legacyResourceId": str(owner),
            "firstName": customer["first_name"], "lastName": customer["last_name"],
            "displayName": name or customer["email"] or "", "email": customer["email"],
            "phone": customer["phone"], "note": customer["note"],
            "tags": [t for t in (customer["tags"] or "").split(", ") if t],
            "state": str(customer["state"]).upper(), "createdAt": utc(customer["created_at"]),
            "updatedAt": utc(customer["updated_at"]), "defaultAddress": default,
            "addresses": lambda info, first=None: addresses[: first or len(addresses)],
            "metafield": metafield, "metafields": metafields}


def address_node(address: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"gid://shopify/MailingAddress/{address.get('id')}?model_name=CustomerAddress",
            "firstName": address.get("first_name"), "lastName": address.get("last_name"),
            "company": address.get("company"), "address1": address.get("address1"),
            "address2": address.get("address2"), "city": address.get("city"),
            "province": address.get("province"), "provinceCode": address.get("province_code"),
            "zip": address.get("zip"), "country": address.get("country"),
            "countryCodeV2": address.get("country_code"), "phone": address.get("phone")}


def metafield_node(metafield: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"gid://shopify/Metafield/{metafield['id']}", "namespace": metafield["namespace"],
            "key": metafield["key"], "value": metafield["value"], "type": metafield["type"],
            "createdAt": utc(metafield["created_at"]), "updatedAt": utc(metafield["updated_at"])}


def utc(stored: str) -> str:
    return f"{stored}Z"


def _customer_errors(store: ShopifyStore, customer_id: int, data: dict) -> list[dict]:
    errors = []
    email = data.get("email")
    if email is not None and not EMAIL.match(email):
        errors.append({"field": ["email"], "message": "Email is invalid"})
    elif email and store.email_owner(email) not in (None, customer_id):
        errors.append({"field": ["email"], "message": "Email has already been taken"})
    phone = data.get("phone")
    if phone is not None and not E164.match(phone):
        errors.append({"field": ["phone"], "message": "Phone is invalid"})
    return errors


def _matches(customer: dict[str, Any], query: str) -> bool:
    """Search-syntax terms (https://shopify.dev/docs/api/usage/search-syntax); ``AND`` is implicit."""
    for name, operator, raw in TERM.findall(query):
        value = raw.strip("'\"")
        if name in ("updated_at", "created_at"):
            bound = _as_utc(value)
            stored = customer[name]
            ok = {">": stored > bound, ">=": stored >= bound, "<": stored < bound,
                  "<=": stored <= bound, "": stored[:10] == bound[:10]}[operator]
        elif name == "id":
            ok = _compare(customer["id"], operator, int(value)) if value.isdigit() else False
        elif name == "email":
            ok = (customer["email"] or "").lower() == value.lower()
        else:
            continue  # Shopify ignores filters it does not know (and says so in a search warning)
        if not ok:
            return False
    return True


def _compare(left: int, operator: str, right: int) -> bool:
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right,
            "": left == right}[operator]


def _as_utc(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(f"Invalid date in search query: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(UTC_FORMAT)


def _encode_cursor(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_cursor(cursor: str) -> list:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor!r}") from None
