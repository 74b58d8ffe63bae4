"""The web shop's REST API, modelled on WooCommerce REST API v3 (``/wp-json/wc/v3``).

Same paths, query parameters, JSON shapes, paging headers (``X-WP-Total``, ``X-WP-TotalPages``,
``Link``) and error bodies (``{"code", "message", "data": {"status"}}``) as WooCommerce, so the connector
would work against a real shop; driven in the tests by WooCommerce's own Python client (``woocommerce``).
Authentication as WooCommerce's ``WC_REST_Authentication``: over HTTPS (here: ``X-Forwarded-Proto:
https`` from a TLS proxy) HTTP Basic or the ``consumer_key``/``consumer_secret`` query string; over plain
HTTP one-legged OAuth 1.0a (``sources/webshop/oauth1.py``). Customers list only by what WooCommerce
offers (``orderby`` id/include/name/registered_date, no "modified since" filter:
https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-customers). The one local extension
is ``/_admin/faults`` (fault injection for the tests). ``customer.*`` webhooks are delivered by
``sources/webshop/webhooks.py``; every request is counted in ``sources/webshop/request_log.py``.
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from sources.webshop.faults import MALFORMED_EMAIL, Faults
from sources.webshop.oauth1 import OAuthError, OAuthVerifier
from sources.webshop.request_log import RequestLog
from sources.webshop.store import ShopStore
from sources.webshop.webhooks import Webhooks

API = "/wp-json/wc/v3"
MAX_PER_PAGE = 100  # WooCommerce's limit
MAX_BATCH = 100  # objects per batch request, WooCommerce's default (woocommerce_rest_batch_items_limit)

# Module level: with postponed annotations FastAPI resolves ``Depends(basic)`` in module globals.
basic = HTTPBasic(auto_error=False)


def link_header(request: Request, page: int, pages: int) -> dict[str, str]:
    """WordPress's ``Link`` header: ``<...page=N>; rel="prev"`` and ``rel="next"`` (without the
    request's OAuth parameters, which are per request)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if not k.startswith("oauth_")]
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1)):
        if 1 <= number <= pages:
            query = urlencode([*[(k, v) for k, v in params if k != "page"], ("page", str(number))])
            base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            links.append(f'<{base}?{query}>; rel="{rel}"')
    return {"Link": ", ".join(links)} if links else {}


class WooError(Exception):
    def __init__(self, status: int, code: str, message: str, **data: Any):
        self.status, self.code, self.message, self.data = status, code, message, data


def woo_error(status: int, code: str, message: str, headers: dict[str, str] | None = None,
              **data: Any) -> JSONResponse:
    """WooCommerce's error body: ``{"code", "message", "data": {"status", ...}}``."""
    return JSONResponse({"code": code, "message": message, "data": {"status": status, **data}},
                        status_code=status, headers=headers)


def build_app(store: ShopStore, faults: Faults, consumer_key: str, consumer_secret: str,
              webhooks: Webhooks | None = None, requests_log: RequestLog | None = None) -> FastAPI:
    app = FastAPI(title="Local web shop (WooCommerce REST API v3 subset)")
    hooks = webhooks or Webhooks()
    log = requests_log if requests_log is not None else RequestLog()

    oauth = OAuthVerifier(consumer_key, consumer_secret)

    def authenticate(
        request: Request,
        credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
        consumer_key_q: Annotated[str | None, Query(alias="consumer_key")] = None,
        consumer_secret_q: Annotated[str | None, Query(alias="consumer_secret")] = None,
    ) -> None:
        """Over HTTPS: Basic auth with the consumer key/secret, or the query-string variant; over HTTP:
        OAuth 1.0a (WooCommerce refuses Basic there: the secret would travel in clear)."""
        if request.headers.get("x-forwarded-proto", request.url.scheme) != "https":
            if "oauth_signature" not in request.query_params:
                raise WooError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
            url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            try:
                # PHP's $_GET: a repeated parameter counts once, its last value (the official Python
                # client repeats every parameter: signed in the URL and appended by requests again)
                oauth.verify(request.method, url, list(request.query_params.items()))
            except OAuthError as exc:
                raise WooError(401, "woocommerce_rest_authentication_error", str(exc)) from None
            return
        key, secret = (credentials.username, credentials.password) if credentials else (consumer_key_q,
                                                                                      consumer_secret_q)
        if key is None:
            raise WooError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if not (secrets.compare_digest(key.encode(), consumer_key.encode())
                and secrets.compare_digest((secret or "").encode(), consumer_secret.encode())):
            raise WooError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")

    authed = [Depends(authenticate)]

    @app.exception_handler(WooError)
    async def _woo_error(request: Request, exc: WooError) -> JSONResponse:
        return woo_error(exc.status, exc.code, exc.message, **exc.data)

    @app.exception_handler(RequestValidationError)
    async def _invalid_param(request: Request, exc: RequestValidationError) -> JSONResponse:
        params = {str(e["loc"][-1]): e["msg"] for e in exc.errors()}
        message = f"Invalid parameter(s): {', '.join(params)}"
        return woo_error(400, "rest_invalid_param", message, params=params)

    @app.middleware("http")
    async def _log_and_inject_faults(request: Request, call_next):
        log.add(request.method, request.url.path, dict(request.query_params))
        if request.url.path.startswith("/wp-json/") and (error := faults.take_error()):
            status, headers = error
            return woo_error(status, "injected_fault", f"injected fault: HTTP {status}", headers=headers)
        return await call_next(request)

    @app.get(f"{API}/customers", dependencies=authed)
    def list_customers(
        page: Annotated[int, Query(ge=1)] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
        offset: Annotated[int | None, Query(ge=0)] = None,
        orderby: Literal["id", "include", "name", "registered_date"] = "name",
        order: Literal["asc", "desc"] = "asc",
        email: str | None = None,
        include: str | None = None,
        request: Request = None,  # type: ignore[assignment] - injected by FastAPI
    ) -> Response:
        """"List all customers" with WooCommerce's parameters: page, per_page (≤ 100), offset, order,
        orderby (id, include, name, registered_date), email, include (ids)
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-customers)."""
        ids = [int(i) for i in include.split(",") if i.strip().isdigit()] if include else None
        customers, total = store.list_customers(page=page, per_page=per_page, offset=offset,
                                                orderby="id" if orderby == "include" else orderby,
                                                order=order, email=email, include=ids)
        body = [customer_json(c) for c in customers]
        if body and faults.take("malformed"):
            body[0]["email"] = MALFORMED_EMAIL
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(math.ceil(total / per_page)),
                   **link_header(request, page, math.ceil(total / per_page))}
        content = json.dumps(body, ensure_ascii=False).encode()
        if faults.take("truncate"):
            content = content[: len(content) // 2]
        return Response(content, media_type="application/json", headers=headers)

    @app.get(f"{API}/customers/{{customer_id}}", dependencies=authed)
    def get_customer(customer_id: int) -> dict[str, Any]:
        """"Retrieve a customer" (https://woocommerce.github.io/woocommerce-rest-api-docs/#retrieve-a-customer)."""
        return customer_json(_existing(store.get_customer(customer_id)))

    @app.put(f"{API}/customers/{{customer_id}}", dependencies=authed)
    async def update_customer(customer_id: int, request: Request) -> dict[str, Any]:
        """"Update a customer" (https://woocommerce.github.io/woocommerce-rest-api-docs/#update-a-customer)."""
        try:
            changes = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError as exc:
            raise WooError(400, "rest_invalid_json", f"Invalid JSON body passed: {exc}") from None
        if not isinstance(changes, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed: expected an object.")
        _check_update(changes)
        updated = customer_json(_existing(store.update_customer(customer_id, changes)))
        hooks.fire("customer.updated", updated)
        return updated

    @app.post(f"{API}/customers/batch", dependencies=authed)
    async def batch_customers(request: Request) -> dict[str, Any]:
        """"Batch update customers": ``{"update": [{"id": .., ...}], "create": [..], "delete": [ids]}``,
        at most 100 objects in all; each item answers the customer or its own ``error``
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#batch-update-customers). Here
        ``update`` and ``delete`` are served; ``create`` items answer an error (the hub never creates)."""
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError as exc:
            raise WooError(400, "rest_invalid_json", f"Invalid JSON body passed: {exc}") from None
        if not isinstance(body, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed: expected an object.")
        items = {key: body.get(key) or [] for key in ("create", "update", "delete")}
        if sum(len(v) for v in items.values() if isinstance(v, list)) > MAX_BATCH:
            raise WooError(413, "woocommerce_rest_request_entity_too_large",
                           f"Unable to accept more than {MAX_BATCH} items for this request.")
        refused = WooError(400, "woocommerce_rest_cannot_create", "Creating customers is not served here.")
        answer = {
            "create": [_item_error(None, refused) for _ in items["create"]],
            "update": _batch_update(store, items["update"]),
            "delete": [_batch_delete(store, item) for item in items["delete"]],
        }
        for kind in ("update", "delete"):
            for done in (item for item in answer[kind] if "error" not in item):
                hooks.fire(f"customer.{kind}d", done)
        return answer

    @app.delete(f"{API}/customers/{{customer_id}}", dependencies=authed)
    def delete_customer(customer_id: int, force: bool = False) -> dict[str, Any]:
        """WooCommerce REST API v3 "Delete a customer": ``DELETE /wp-json/wc/v3/customers/<id>`` with
        ``force=true`` ("Required to be true, as resource does not support trashing"), answering the
        deleted customer; without it 501 ``woocommerce_rest_trash_not_supported``
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#delete-a-customer)."""
        if not force:
            raise WooError(501, "woocommerce_rest_trash_not_supported",
                           "Customers do not support trashing.")
        deleted = customer_json(_existing(store.delete_customer(customer_id)))
        hooks.fire("customer.deleted", deleted)
        return deleted

    @app.post(f"{API}/webhooks", dependencies=authed, status_code=201)
    async def create_webhook(request: Request) -> dict[str, Any]:
        """"Create a webhook": ``name``, ``topic``, ``delivery_url``, ``secret``, ``status``; here the
        ``customer.*`` topics (https://woocommerce.github.io/woocommerce-rest-api-docs/#create-a-webhook)."""
        try:
            body = json.loads(await request.body() or b"{}")
            return _webhook_json(hooks.create(body if isinstance(body, dict) else {}))
        except (json.JSONDecodeError, ValueError) as exc:
            raise WooError(400, "rest_invalid_param", f"Invalid parameter(s): {exc}") from None

    @app.get(f"{API}/webhooks", dependencies=authed)
    def list_webhooks() -> list[dict[str, Any]]:
        """"List all webhooks" (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-webhooks)."""
        return [_webhook_json(h) for h in hooks.list()]

    @app.delete(f"{API}/webhooks/{{webhook_id}}", dependencies=authed)
    def delete_webhook(webhook_id: int, force: bool = False) -> dict[str, Any]:
        """"Delete a webhook", ``force=true`` required (https://woocommerce.github.io/woocommerce-rest-api-docs/#delete-a-webhook)."""
        if not force:
            raise WooError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
        deleted = hooks.delete(webhook_id)
        if deleted is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid webhook ID.")
        return _webhook_json(deleted)

    @app.get(f"{API}/orders", dependencies=authed)
    def list_orders(
        customer: int | None = None,
        after: str | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
    ) -> Response:
        """"List all orders": oldest first; ``after`` (ISO 8601) keeps those created after it
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders)."""
        created_after = parse_gmt("after", after) if after else None
        orders, total = store.list_orders(customer_id=customer, page=page, per_page=per_page,
                                          created_after=created_after)
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(math.ceil(total / per_page))}
        return JSONResponse([order_json(o) for o in orders], headers=headers)

    @app.post("/_admin/faults", dependencies=authed)
    async def set_faults(request: Request) -> dict[str, int]:
        """Local extension: arm faults, e.g. ``{"fail": 2, "fail_status": 503}`` or ``{"throttle": 1}``."""
        try:
            return vars(faults.update(**(await request.json())))
        except (ValueError, TypeError) as exc:
            raise WooError(400, "rest_invalid_param", str(exc)) from None

    return app


def customer_json(customer: dict[str, Any]) -> dict[str, Any]:
    """Stored customer -> WooCommerce customer JSON (the shop runs in GMT, so local dates equal GMT)."""
    return {
        "id": customer["id"],
        "date_created": customer["date_created_gmt"],
        "date_created_gmt": customer["date_created_gmt"],
        "date_modified": customer["date_modified_gmt"],
        "date_modified_gmt": customer["date_modified_gmt"],
        "email": customer["email"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "role": "customer",
        "username": customer["username"],
        "billing": customer["billing"],
        "meta_data": customer["meta_data"],
    }


def order_json(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "date_created": order["date_created_gmt"], "prices_include_tax": True}


def parse_gmt(name: str, value: str) -> str:
    """An ISO 8601 query value -> the stored GMT format, so comparisons are plain string comparisons."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}",
                       params={name: "Invalid date."}) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S")


def _check_update(changes: dict[str, Any]) -> None:
    """Reject what WooCommerce rejects: a syntactically invalid e-mail, a non-object billing/meta."""
    emails = [changes.get("email"), (changes.get("billing") or {}).get("email")]
    for email in emails:
        if email is not None and (not isinstance(email, str) or "@" not in email or " " in email.strip()):
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): email",
                           params={"email": f"{email!r} is not a valid email address."})
    if "billing" in changes and not isinstance(changes["billing"], dict):
        raise WooError(400, "rest_invalid_param", "Invalid parameter(s): billing",
                       params={"billing": "billing is not of type object."})
    if "meta_data" in changes and not (
        isinstance(changes["meta_data"], list) and all(isinstance(m, dict) for m in changes["meta_data"])
    ):
        raise WooError(400, "rest_invalid_param", "Invalid parameter(s): meta_data",
                       params={"meta_data": "meta_data is not of type array of objects."})


def _item_error(item_id: Any, error: WooError) -> dict[str, Any]:
    """One failed item of a batch: WordPress answers its id and the error, the others go on."""
    return {"id": item_id, "error": {"code": error.code, "message": error.message,
                                     "data": {"status": error.status}}}


def _batch_update(store: ShopStore, items: list[Any]) -> list[dict[str, Any]]:
    """The ``update`` items, each answered by its customer or its own error, in order; the valid ones
    are written on one store connection (one commit for the batch, not one per customer)."""
    invalid_id = WooError(400, "woocommerce_rest_customer_invalid_id", "ID is invalid.")
    answers: list[dict[str, Any]] = []
    valid: dict[int, tuple[int, dict[str, Any]]] = {}  # position in answers -> (id, item)
    for item in items:
        if not isinstance(item, dict) or not str(item.get("id", "")).isdigit():
            answers.append(_item_error(item.get("id") if isinstance(item, dict) else None, invalid_id))
            continue
        try:
            _check_update(item)
            valid[len(answers)] = (int(item["id"]), item)
            answers.append({})
        except WooError as error:
            answers.append(_item_error(int(item["id"]), error))
    written = store.update_customers(list(valid.values()))
    for (position, (customer_id, _)), customer in zip(valid.items(), written, strict=True):
        found = customer_json(customer) if customer else None
        answers[position] = found or _item_error(customer_id, WooError(404, "woocommerce_rest_invalid_id",
                                                                        "Invalid resource ID."))
    return answers


def _batch_delete(store: ShopStore, item: Any) -> dict[str, Any]:
    if not str(item).isdigit():
        return _item_error(item, WooError(400, "woocommerce_rest_customer_invalid_id", "ID is invalid."))
    try:
        return customer_json(_existing(store.delete_customer(int(item))))
    except WooError as error:
        return _item_error(int(item), error)


def _webhook_json(hook: dict[str, Any]) -> dict[str, Any]:
    """A webhook as the API shows it: WooCommerce never echoes the secret."""
    return {k: v for k, v in hook.items() if k != "secret"}


def _existing(customer: dict[str, Any] | None) -> dict[str, Any]:
    if customer is None:
        raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
    return customer
