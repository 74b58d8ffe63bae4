"""The local store's Admin APIs: Shopify's GraphQL Admin API (``graphql.json``, served by
:mod:`sources.shopify.graphql_api`) and the legacy REST Admin API (version 2024-10), below.

Same paths (``/admin/api/<version>/customers.json``...), ``X-Shopify-Access-Token`` auth, JSON
envelopes (``{"customer": {...}}``, ``{"errors": ...}``), cursor paging in the ``Link`` header
(``page_info``; when it is given only ``limit`` and ``fields`` may accompany it, as Shopify
documents), inclusive ``updated_at_min``, the leaky-bucket rate limit with ``Retry-After`` and
``X-Shopify-Shop-Api-Call-Limit``, and 422 validation errors. Customers are listed in id order.
Local extension: ``POST /_admin/faults`` to inject 5xx/429 answers, a malformed customer, a cut body.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sources.shopify.bucket import LeakyBucket
from sources.shopify.bulk import BulkOperations
from sources.shopify.graphql_api import run_graphql
from sources.shopify.graphql_cost import CostBucket
from sources.shopify.store import UTC_FORMAT, WRITABLE_FIELDS, DuplicateMetafield, ShopifyStore
from sources.webshop.faults import MALFORMED_EMAIL, Faults

PREFIX = "/admin/api/{version}"
VERSION_PATTERN = re.compile(r"^20\d\d-(01|04|07|10)$")
DEFAULT_LIMIT, MAX_LIMIT = 50, 250
ALL = 2**31 - 1  # SQLite LIMIT for "every row": counts and searches look at the whole (local) store
LIST_FILTERS = ("ids", "since_id", "created_at_min", "created_at_max", "updated_at_min", "updated_at_max")
WITH_PAGE_INFO = {"page_info", "limit", "fields"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = ("Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
             "service.")


class ShopifyError(Exception):
    def __init__(self, status: int, errors: Any):
        self.status, self.errors = status, errors


class ShopSettings:
    def __init__(self, name: str, domain: str, timezone: str, access_token: str):
        self.name, self.domain, self.access_token = name, domain, access_token
        self.zone = ZoneInfo(timezone)

    def render(self, utc_text: str) -> str:
        """Stored UTC -> the shop's local time with offset, as Shopify renders every timestamp."""
        try:
            moment = datetime.strptime(utc_text, UTC_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return utc_text
        return moment.astimezone(self.zone).isoformat()

    def parse(self, name: str, value: str) -> str:
        """An ISO 8601 filter value (naive = shop time) -> stored UTC text; 400 if it is no date."""
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ShopifyError(400, {name: f"{name} is not a valid date: {value!r}"}) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC).strftime(UTC_FORMAT)


def build_app(store: ShopifyStore, faults: Faults, shop: ShopSettings, bucket: LeakyBucket,
              points: CostBucket | None = None) -> FastAPI:
    app = FastAPI(title="Local Shopify store (REST and GraphQL Admin API subsets)")
    points = points or CostBucket()
    bulk = BulkOperations()

    @app.exception_handler(ShopifyError)
    async def _shopify_error(request: Request, exc: ShopifyError) -> JSONResponse:
        return JSONResponse({"errors": exc.errors}, status_code=exc.status)

    @app.middleware("http")
    async def _gatekeeper(request: Request, call_next):
        """Faults, then the access token, then the leaky bucket -- for every Admin API request."""
        if not request.url.path.startswith("/admin/"):
            return await call_next(request)
        if error := faults.take_error():
            status, headers = error
            if status == 429:
                headers = {"Retry-After": f"{float(headers['Retry-After']):.1f}"}
            message = THROTTLED if status == 429 else "Service Unavailable"
            return JSONResponse({"errors": message}, status_code=status, headers=headers)
        token = request.headers.get("x-shopify-access-token") or ""
        if not secrets.compare_digest(token.encode(), shop.access_token.encode()):
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        if request.url.path.endswith("/graphql.json"):  # rate-limited by query cost instead
            return await call_next(request)
        allowed, used, retry_after = bucket.take(token)
        limit_header = {"X-Shopify-Shop-Api-Call-Limit": used}
        if not allowed:
            return JSONResponse({"errors": THROTTLED}, status_code=429,
                                headers={**limit_header, "Retry-After": f"{retry_after:.1f}"})
        version = request.url.path.split("/")[3] if request.url.path.count("/") >= 4 else ""
        if not VERSION_PATTERN.match(version):
            return JSONResponse({"errors": "Not Found"}, status_code=404, headers=limit_header)
        response = await call_next(request)
        response.headers.update(limit_header)
        return response

    @app.get(PREFIX + "/shop.json")
    def get_shop() -> dict[str, Any]:
        """"Retrieves the shop's configuration" (https://shopify.dev/docs/api/admin-rest/2024-10/resources/shop#get-shop)."""
        zone = shop.zone.key
        offset = datetime.now(shop.zone).strftime("%z")
        return {"shop": {"id": 548380009, "name": shop.name, "domain": shop.domain,
                         "myshopify_domain": shop.domain, "iana_timezone": zone,
                         "timezone": f"(GMT{offset[:3]}:{offset[3:]}) {zone}", "currency": "EUR"}}

    @app.get(PREFIX + "/customers.json")
    def list_customers(request: Request) -> Response:
        """"Retrieves a list of customers": filters, ``limit``, ``fields``, ``page_info`` paging in the
        ``Link`` header (https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer#get-customers)."""
        query = request.query_params
        limit = _limit(query.get("limit"))
        fields = [f for f in (query.get("fields") or "").split(",") if f]
        if "page_info" in query:
            extra = sorted(set(query) - WITH_PAGE_INFO)
            if extra:
                raise ShopifyError(400, {extra[0]: f"{extra[0]} cannot be passed when page_info is present."})
            cursor = _decode_page_info(query["page_info"])
            filters = cursor["filters"]
        else:
            filters = _filters(query, shop)
            cursor = {"direction": "next", "last_id": None}
        forward = cursor["direction"] == "next"
        rows = store.list_customers(filters, limit=limit + 1,
                                    after_id=cursor.get("last_id") if forward else None,
                                    before_id=None if forward else cursor["first_id"])
        more = len(rows) > limit
        rows = rows[:limit] if forward else rows[-limit:]  # the extra row only tells whether there is more
        body = [_project(customer_json(c, shop), fields) for c in rows]
        if body and faults.take("malformed") and "email" in body[0]:
            body[0]["email"] = MALFORMED_EMAIL
        # Like Shopify: no "previous" on the first page, no "next" on the last one.
        has_previous = more if not forward else "page_info" in query
        has_next = more if forward else True
        links = []
        if rows and has_previous:
            links.append(_link(request, limit, fields, {"direction": "prev", "first_id": rows[0]["id"],
                                                         "filters": filters}, "previous"))
        if rows and has_next:
            links.append(_link(request, limit, fields, {"direction": "next", "last_id": rows[-1]["id"],
                                                         "filters": filters}, "next"))
        content = json.dumps({"customers": body}, ensure_ascii=False).encode()
        if faults.take("truncate"):
            content = content[: len(content) // 2]
        headers = {"Link": ", ".join(links)} if links else {}
        return Response(content, media_type="application/json", headers=headers)

    @app.get(PREFIX + "/customers/count.json")
    def count_customers(request: Request) -> dict[str, int]:
        """"Retrieves a count of customers", with the list's filters (https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer#get-customers-count)."""
        return {"count": len(store.list_customers(_filters(request.query_params, shop), limit=ALL))}

    @app.get(PREFIX + "/customers/search.json")
    def search_customers(request: Request, query: str = "", limit: int | None = None) -> dict[str, Any]:
        """"Searches for customers that match a supplied query": ``field:value`` terms (email, phone,
        first_name, last_name, country) or words matched in name and e-mail
        (https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer#get-customers-search)."""
        found = [c for c in store.list_customers({}, limit=ALL) if _matches(customer_json(c, shop), query)]
        return {"customers": [customer_json(c, shop) for c in found[: _limit(str(limit) if limit else None)]]}

    @app.get(PREFIX + "/customers/{customer_id}.json")
    def get_customer(customer_id: int) -> dict[str, Any]:
        """"Retrieves a single customer" (https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer#get-customers-customer-id)."""
        return {"customer": customer_json(_existing(store.get_customer(customer_id)), shop)}

    @app.put(PREFIX + "/customers/{customer_id}.json")
    async def update_customer(customer_id: int, request: Request) -> dict[str, Any]:
        """"Updates a customer" (https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer#put-customers-customer-id)."""
        changes = (await _body(request)).get("customer")
        if not isinstance(changes, dict):
            raise ShopifyError(400, {"customer": "Required parameter missing or invalid"})
        _existing(store.get_customer(customer_id))
        _validate_customer(changes, customer_id, store)
        updated = store.update_customer(customer_id, {k: changes[k] for k in WRITABLE_FIELDS if k in changes})
        return {"customer": customer_json(_existing(updated), shop)}

    @app.delete(PREFIX + "/customers/{customer_id}.json")
    def delete_customer(customer_id: int) -> dict[str, Any]:
        """REST Admin API "Deletes a customer": ``DELETE /admin/api/<version>/customers/<id>.json``
        answers ``{}``; a customer with orders cannot be deleted (422, "Error deleting customer")
        (https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer#delete-customers-customer-id)."""
        _existing(store.get_customer(customer_id))
        if store.has_orders(customer_id):
            raise ShopifyError(422, {"base": ["Error deleting customer: Customer can't be deleted "
                                              "because they have existing orders"]})
        store.delete_customer(customer_id)
        return {}

    @app.get(PREFIX + "/customers/{customer_id}/metafields.json")
    def list_metafields(customer_id: int, namespace: str | None = None, key: str | None = None) -> dict:
        """"Retrieve a list of metafields from a customer" (https://shopify.dev/docs/api/admin-rest/2024-10/resources/metafield#get-customers-customer-id-metafields)."""
        _existing(store.get_customer(customer_id))
        found = store.metafields(customer_id, namespace, key)
        return {"metafields": [metafield_json(m, shop) for m in found]}

    @app.post(PREFIX + "/customers/{customer_id}/metafields.json", status_code=201)
    async def create_metafield(customer_id: int, request: Request) -> dict:
        """"Creates a new metafield for a customer" (https://shopify.dev/docs/api/admin-rest/2024-10/resources/metafield#post-customers-customer-id-metafields)."""
        _existing(store.get_customer(customer_id))
        data = (await _body(request)).get("metafield")
        if not isinstance(data, dict):
            raise ShopifyError(400, {"metafield": "Required parameter missing or invalid"})
        missing = [k for k in ("namespace", "key", "value", "type") if not data.get(k)]
        if missing:
            raise ShopifyError(422, {k: ["can't be blank"] for k in missing})
        try:
            created = store.create_metafield(customer_id, str(data["namespace"]), str(data["key"]),
                                             str(data["value"]), str(data["type"]))
        except DuplicateMetafield:
            unique = "must be unique within this namespace on this resource"
            raise ShopifyError(422, {"key": [unique]}) from None
        return {"metafield": metafield_json(created, shop)}

    @app.put(PREFIX + "/customers/{customer_id}/metafields/{metafield_id}.json")
    async def update_metafield(customer_id: int, metafield_id: int, request: Request) -> dict:
        """"Updates a metafield" (https://shopify.dev/docs/api/admin-rest/2024-10/resources/metafield#put-customers-customer-id-metafields-metafield-id)."""
        data = (await _body(request)).get("metafield")
        if not isinstance(data, dict) or data.get("value") in (None, ""):
            raise ShopifyError(422, {"value": ["can't be blank"]})
        updated = store.update_metafield(customer_id, metafield_id, str(data["value"])) if store.metafield(
            customer_id, metafield_id) else None
        return {"metafield": metafield_json(_existing(updated), shop)}

    @app.post(PREFIX + "/graphql.json")
    async def graphql(request: Request) -> JSONResponse:
        """The GraphQL Admin API endpoint: ``{"query", "variables", "operationName"}`` -> ``data``,
        ``errors``, ``extensions.cost``; always HTTP 200 for GraphQL-level errors, throttling included
        (https://shopify.dev/docs/api/admin-graphql/2024-10 ,
        https://shopify.dev/docs/api/usage/rate-limits#graphql-admin-api-rate-limits)."""
        token = request.headers.get("x-shopify-access-token") or ""
        info = {"id": "gid://shopify/Shop/548380009", "name": shop.name, "myshopifyDomain": shop.domain,
                "ianaTimezone": shop.zone.key}
        body = await _body(request)
        return JSONResponse(run_graphql(store, points, token, body, info, bulk, str(request.base_url)))

    @app.get("/bulk-operations/{number}.jsonl")
    def bulk_result(number: int) -> Response:
        """A completed bulk operation's JSONL file at the operation's ``url`` (a signed download link at
        Shopify, no access token: https://shopify.dev/docs/api/usage/bulk-operations/queries#download-result-data)."""
        text = bulk.file(number)
        if text is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        return Response(text, media_type="application/jsonl")

    @app.post("/_admin/faults")
    async def set_faults(request: Request) -> JSONResponse:
        """Local extension: arm faults, e.g. ``{"fail": 2, "fail_status": 503}`` (needs the access token)."""
        if request.headers.get("x-shopify-access-token") != shop.access_token:
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        try:
            return JSONResponse(vars(faults.update(**(await request.json()))))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"errors": str(exc)}, status_code=400)

    return app


def customer_json(customer: dict[str, Any], shop: ShopSettings) -> dict[str, Any]:
    """Stored customer -> Shopify's customer resource (the fields integrations read)."""
    addresses = [{**address, "customer_id": customer["id"]} for address in customer["addresses"]]
    default = next((a for a in addresses if a.get("default")), addresses[0] if addresses else None)
    return {
        "id": customer["id"],
        "email": customer["email"],
        "created_at": shop.render(customer["created_at"]),
        "updated_at": shop.render(customer["updated_at"]),
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "state": customer["state"],
        "note": customer["note"],
        "verified_email": customer["verified_email"],
        "tags": customer["tags"],
        "phone": customer["phone"],
        "currency": "EUR",
        "addresses": addresses,
        "default_address": default,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer['id']}",
    }


def metafield_json(metafield: dict[str, Any], shop: ShopSettings) -> dict[str, Any]:
    return {"id": metafield["id"], "namespace": metafield["namespace"], "key": metafield["key"],
            "value": metafield["value"], "type": metafield["type"], "owner_id": metafield["owner_id"],
            "owner_resource": "customer", "description": None,
            "created_at": shop.render(metafield["created_at"]),
            "updated_at": shop.render(metafield["updated_at"]),
            "admin_graphql_api_id": f"gid://shopify/Metafield/{metafield['id']}"}


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ShopifyError(400, {"limit": f"limit must be an integer between 1 and {MAX_LIMIT}"})
    return int(value)


def _matches(customer: dict[str, Any], query: str) -> bool:
    """Shopify's customer search syntax, the part integrations use: ``field:value`` terms and bare
    words, all of which must match (case-insensitive; a bare word matches name or e-mail)."""
    address = customer.get("default_address") or {}
    fields = {"email": customer.get("email"), "phone": customer.get("phone"),
              "first_name": customer.get("first_name"), "last_name": customer.get("last_name"),
              "country": address.get("country_code")}
    for term in query.split():
        name, _, value = term.partition(":")
        if value:
            if str(fields.get(name) or "").casefold() != value.strip('"').casefold():
                return False
        elif not any(term.casefold() in str(fields[f] or "").casefold() for f in ("email", "first_name",
                                                                                  "last_name")):
            return False
    return True


def _filters(query: Any, shop: ShopSettings) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for name in LIST_FILTERS:
        value = query.get(name)
        if value is None or value == "":
            continue
        if name == "ids":
            filters[name] = [int(v) for v in value.split(",") if v.strip().isdigit()]
        elif name == "since_id":
            if not value.isdigit():
                raise ShopifyError(400, {name: "since_id must be an integer"})
            filters[name] = int(value)
        else:
            filters[name] = shop.parse(name, value)
    return filters


def _encode_page_info(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_page_info(token: str) -> dict[str, Any]:
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if cursor["direction"] not in ("next", "prev") or not isinstance(cursor["filters"], dict):
            raise ValueError(cursor)
        int(cursor["last_id"] if cursor["direction"] == "next" else cursor["first_id"])
        return cursor
    except (ValueError, KeyError, TypeError):
        raise ShopifyError(400, {"page_info": "Invalid value."}) from None


def _link(request: Request, limit: int, fields: list[str], cursor: dict[str, Any], rel: str) -> str:
    params = {"limit": limit, **({"fields": ",".join(fields)} if fields else {}),
              "page_info": _encode_page_info(cursor)}
    return f'<{str(request.url.replace(query=""))}?{urlencode(params)}>; rel="{rel}"'


def _project(customer: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in customer.items() if k in fields} if fields else customer


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ShopifyError(400, "Bad Request: invalid JSON") from None
    if not isinstance(data, dict):
        raise ShopifyError(400, "Bad Request: expected a JSON object")
    return data


def _validate_customer(changes: dict[str, Any], customer_id: int, store: ShopifyStore) -> None:
    """Shopify's 422s: an invalid or taken e-mail, a phone that is not E.164."""
    errors: dict[str, list[str]] = {}
    email = changes.get("email")
    if email is not None and not (isinstance(email, str) and EMAIL.match(email)):
        errors["email"] = ["is invalid"]
    elif email and store.email_owner(email) not in (None, customer_id):
        errors["email"] = ["has already been taken"]
    phone = changes.get("phone")
    if phone is not None and not (isinstance(phone, str) and E164.match(phone)):
        errors["phone"] = ["is invalid"]
    if errors:
        raise ShopifyError(422, errors)


def _existing(record: dict[str, Any] | None) -> dict[str, Any]:
    if record is None:
        raise ShopifyError(404, "Not Found")
    return record
