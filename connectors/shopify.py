"""Shopify connector: customers over the GraphQL Admin API (default, :mod:`connectors.shopify_graphql`)
or, with ``api: rest``, the legacy REST Admin API (``/admin/api/<version>/customers.json``, below).

Auth is the Admin API access token in ``X-Shopify-Access-Token`` (the connection's password). Shopify
rate-limits with a leaky bucket and answers 429 with ``Retry-After: 2.0`` (a decimal, which the shared
:func:`connectors.http.build_session` reads); 5xx, connection errors, back-off, timeouts and
``rate_limit`` are that shared session's too.

Incremental pull: Shopify pages with an opaque ``page_info`` token in the ``Link`` header and forbids
filters next to it, and its ``updated_at_min`` is inclusive with second precision. A *run* therefore
fixes ``updated_at_min = since`` on its first request and then follows ``rel="next"`` links. Before
that first request the connector reads the server's clock (``Date`` of ``GET shop.json``): every
customer changed after that moment has ``updated_at >= started``, whether or not this run saw it, so
the next run may start at ``since = started`` without losing anything (rows changed during a run may
come twice, never zero times). Cursor: ``sh1|<since>|<started>|<page_info>``; inside a run it carries
the next page's token, after the last page it is ``sh1|<started>||`` (a fresh run). A resumed token the
shop no longer accepts (400 on ``page_info``) restarts that run from ``since`` -- duplicates, no loss.

Push: the golden id goes to a customer metafield ``crm_hub.golden_id`` (type ``single_line_text_field``;
options ``golden_id_namespace``/``golden_id_key``) rather than to tags or the note, which staff edit
by hand and which would bump ``updated_at``; metafield writes leave the customer's ``updated_at``
alone, so a push does not re-trigger the next pull. Surviving fields go to the customer's own
top-level fields (``first_name``, ``last_name``, ``email``, ``phone``, ``note``) and only when they
differ; address fields have their own endpoint in Shopify and are not pushed. The golden id is written
first, so a field value the shop refuses (422) does not keep the link from landing; the record is still
reported as failed, with the shop's reason.

Erasure: ``DELETE /customers/{id}.json`` (:meth:`ShopifyConnector.delete_one`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import requests

from connectors.base import ConnectorError, Page, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.fixed_width_time import strptime
from connectors.http import (
    build_session,
    check_status,
    checked_request,
    delete_request,
    json_body,
    session_settings,
    transport,
)
from connectors.push_values import desired_values
from connectors.shopify_graphql import SHOP, ShopifyGraphql
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import ShopifyOptions

DEFAULT_API_VERSION = "2024-10"
MAX_LIMIT = 250  # Shopify's largest page
CURSOR_VERSIONS = ("sh1", "gq1")  # REST page_info tokens, GraphQL endCursors
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: Customer fields a push may write; the rest of the mapping (id, dates, address) is read-only here.
WRITABLE_FIELDS = frozenset({"first_name", "last_name", "email", "phone", "note"})
METAFIELD_TYPE = "single_line_text_field"


@dataclass(frozen=True)
class RunState:
    """Where a pull stands: the run's ``updated_at_min``, its start on the server clock, the next page."""

    since: datetime | None = None
    started: datetime | None = None
    page_info: str | None = None
    VERSION: ClassVar[str] = "sh1"

    def encode(self) -> str:
        parts = [t.astimezone(UTC).strftime(TIME_FORMAT) if t else "" for t in (self.since, self.started)]
        return "|".join([self.VERSION, *parts, self.page_info or ""])

    @classmethod
    def decode(cls, cursor: str) -> RunState:
        """A cursor of the other API (after switching ``api``) keeps its ``since``, drops its page token."""
        try:
            version, since, started, page_info = cursor.split("|")
            if version not in CURSOR_VERSIONS:
                raise ValueError(f"unknown cursor version {version!r}")
            parse = lambda text: strptime(text, TIME_FORMAT).replace(tzinfo=UTC) if text else None  # noqa: E731
            if version != cls.VERSION:
                return cls(parse(since))
            state = cls(parse(since), parse(started), page_info or None)
            if state.page_info and state.started is None:
                raise ValueError("a page token needs the run's start time")
            return state
        except ValueError as exc:
            expected = f"'{cls.VERSION}|<since>|<started>|<page token>' or none for a full refresh"
            raise ValueError(f"invalid cursor {cursor!r} ({exc}); expected {expected}") from None


class GraphqlRunState(RunState):
    """The same run state over GraphQL: the page token is the connection's ``endCursor``."""

    VERSION: ClassVar[str] = "gq1"


class ShopifyConnector(SourceConnector):
    """Customers of a Shopify store; credentials: the Admin API access token as the password.

    Options: :class:`schemas.source_options.ShopifyOptions` (``rate_limit``: Shopify standard plans
    leak 2 requests a second).
    Each row gets a derived ``record_type``: ``organization`` when it has no personal name but its
    default address names a company, else ``person``.
    """
    default_mapping = {
        "id": "source_id",
        "record_type": "record_type",
        "first_name": "given_name",
        "last_name": "family_name",
        "default_address.company": "organization_name",
        "email": "email",
        "phone": "phone",
        "default_address.phone": "phone",
        "default_address.address1": "street",
        "default_address.zip": "postal_code",
        "default_address.city": "city",
        "default_address.province_code": "region",
        "default_address.country_code": "country",
        "updated_at": "updated_at",
    }

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        options = self.options = ShopifyOptions.for_source(config.name, config.options)
        extra = self.credentials.extra
        version = options.api_version or extra.get("api_version") or DEFAULT_API_VERSION
        self.base_url = f"{self.credentials.base_url().rstrip('/')}/admin/api/{version}"
        self.limit = min(config.page_size, MAX_LIMIT)
        self.push_fields = options.push_fields
        self.namespace = options.golden_id_namespace
        self.key = options.golden_id_key
        self.overlap = timedelta(seconds=options.overlap_seconds)
        self.session = build_session(**session_settings(options))
        token = self.credentials.password or extra.get("access_token") or ""
        self.session.headers.update({"X-Shopify-Access-Token": token, "Accept": "application/json"})
        self.graphql = ShopifyGraphql(self) if options.api == "graphql" else None

    # -- check -----------------------------------------------------------------------------------

    def check(self) -> None:
        self.server_time("check")

    def server_time(self, operation: str) -> datetime:
        """The shop's clock: the ``Date`` header of ``GET shop.json`` or of GraphQL ``{ shop { id } }``
        (whole seconds, rounded down)."""
        if self.graphql:
            response = self.graphql.call("ShopClock", SHOP, {}, operation)[1]
        else:
            response = self._request("GET", operation, "/shop.json")
        try:
            return parsedate_to_datetime(response.headers["Date"]).astimezone(UTC)
        except (KeyError, TypeError, ValueError):
            raise ConnectorError(self.name, operation, "shop.json answered without a usable Date header; "
                                 "cannot place the incremental watermark safely") from None

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        state_class = GraphqlRunState if self.graphql else RunState
        try:
            state = state_class.decode(cursor) if cursor else state_class()
        except ValueError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None
        if self.graphql:
            yield from self._pull_graphql(state)
            return
        resumed = state.page_info is not None
        response = self._resume(state) if resumed else None
        if response is None:
            state = RunState(state.since, state.started or self.server_time("pull"))
            first = {"limit": self.limit}
            if state.since:
                first["updated_at_min"] = state.since.strftime(TIME_FORMAT)
            response = self._request("GET", "pull", "/customers.json", params=first, page=1)
        for page_no in itertools.count(1):
            rows = self._customers(response, page_no)
            next_token = page_info_of(response.links.get("next", {}).get("url"))
            after = (RunState(state.since, state.started, next_token) if next_token
                     else RunState(state.started - self.overlap))  # type: ignore[operator]
            if rows or resumed or page_no > 1:  # an empty last page still moves the cursor to the next run
                yield self._page(rows, after.encode())
            if not next_token:
                return
            response = self._request("GET", "pull", "/customers.json", page=page_no + 1,
                                     params={"limit": self.limit, "page_info": next_token})

    def _pull_graphql(self, state: RunState) -> Iterator[Page]:
        """Pages of ``customers(query: "updated_at:>='<since>'", sortKey: UPDATED_AT)``, cursor after each."""
        resumed = state.page_info is not None
        started = state.started or self.server_time("pull")
        if state.since is None and not resumed and self.options.full_pull == "bulk":
            yield from self._pull_bulk(started)
            return
        since = state.since.strftime(TIME_FORMAT) if state.since else None
        pages = self.graphql.pages(since, state.page_info, self.limit)  # type: ignore[union-attr]
        for page_no, (rows, end_cursor) in enumerate(pages, 1):
            after = (GraphqlRunState(state.since, started, end_cursor) if end_cursor
                     else GraphqlRunState(started - self.overlap))
            if rows or resumed or page_no > 1:
                yield self._page(rows, after.encode())

    def _pull_bulk(self, started: datetime) -> Iterator[Page]:
        """A full pull as one bulk operation. Until its last page the cursor says "full pull again" (a
        bulk file cannot be resumed half-way); after it, the next run starts where this one started."""
        options = self.options
        chunks = self.graphql.bulk_rows(  # type: ignore[union-attr]
            self.limit, options.bulk_poll_seconds, options.bulk_timeout_seconds
        )
        restart, done = GraphqlRunState().encode(), GraphqlRunState(started - self.overlap).encode()
        previous: list[Any] | None = None
        for rows in chunks:
            if previous is not None:
                yield self._page(previous, restart)
            previous = rows
        yield self._page(previous or [], done)

    def _resume(self, state: RunState) -> requests.Response | None:
        """The page after a stored token, or ``None`` when the shop rejects the token (run restarts)."""
        params = {"limit": self.limit, "page_info": state.page_info}
        response = transport(self.name, "pull", "GET /customers.json (resume)",
                             lambda: self.session.get(self.base_url + "/customers.json", params=params))
        if response.status_code == 400 and "page_info" in error_message(response):
            return None
        return check_status(self.name, "pull", "GET /customers.json", response, message=error_message)

    def _customers(self, response: requests.Response, page_no: int) -> list[Any]:
        body = self._json(response, "pull", page_no)
        rows = body.get("customers") if isinstance(body, Mapping) else None
        if not isinstance(rows, list):
            raise ConnectorError(self.name, "pull", f"page {page_no}: expected {{\"customers\": [...]}}, "
                                 f"got {str(body)[:120]}")
        return rows

    def _page(self, rows: list[Any], cursor: str) -> Page:
        page = self.to_page([prepare_row(row) for row in rows if isinstance(row, Mapping)], cursor)
        page.quarantined.extend(
            QuarantinedRecord(source_system=self.name, source_id=None,
                              reason=f"customer is not a JSON object but {type(row).__name__}",
                              payload={"value": row})
            for row in rows if not isinstance(row, Mapping))
        for record in page.records:  # the shop renders its own zone; the hub compares in UTC
            if record.updated_at and record.updated_at.tzinfo is not None:
                record.updated_at = record.updated_at.astimezone(UTC)
        return page

    # -- push ------------------------------------------------------------------------------------

    def push_one(self, update: PushUpdate) -> None:
        source_id = str(update.source_id)
        if not source_id.isdigit():
            raise ConnectorError(self.name, "push", "Shopify customer ids are integers", source_id)
        if self.graphql:
            self.graphql.push_one(update)
            return
        path = f"/customers/{source_id}"
        current = self._json(self._request("GET", "push", f"{path}.json", record_id=source_id), "push",
                             record_id=source_id).get("customer") or {}
        self._push_golden_id(path, source_id, update.golden_id)
        desired = desired_values(self.mapping, update.fields) if self.push_fields else {}
        changes = {key: value for key, value in desired.items()
                   if key in WRITABLE_FIELDS and current.get(key) != value}
        if changes:
            self._request("PUT", "push", f"{path}.json", json={"customer": {"id": int(source_id), **changes}},
                          record_id=source_id)

    def _push_golden_id(self, path: str, source_id: str, golden_id: str) -> None:
        params = {"namespace": self.namespace, "key": self.key}
        listed = self._json(self._request("GET", "push", f"{path}/metafields.json", params=params,
                                          record_id=source_id), "push", record_id=source_id)
        wanted = (self.namespace, self.key)
        existing = [m for m in listed.get("metafields") or []
                    if isinstance(m, Mapping) and (m.get("namespace"), m.get("key")) == wanted]
        if not existing:
            body = {"metafield": {"namespace": self.namespace, "key": self.key, "value": golden_id,
                                  "type": METAFIELD_TYPE}}
            self._request("POST", "push", f"{path}/metafields.json", json=body, record_id=source_id)
        elif existing[0].get("value") != golden_id:
            metafield_id = existing[0]["id"]
            body = {"metafield": {"id": metafield_id, "value": golden_id, "type": METAFIELD_TYPE}}
            self._request("PUT", "push", f"{path}/metafields/{metafield_id}.json", json=body,
                          record_id=source_id)

    # -- erasure ---------------------------------------------------------------------------------

    def delete_one(self, source_id: str) -> None:
        """``DELETE /customers/<id>.json`` (its metafields and addresses go with it). Shopify refuses
        to delete a customer who has orders (422): the reason is kept and the erasure stays failed
        until the merchant erases the customer's data from the admin (Shopify's own data-erasure
        request, which also redacts the orders); then ``crmhub erasures --done`` records it."""
        if not str(source_id).isdigit():
            raise ConnectorError(self.name, "delete", "Shopify customer ids are integers", source_id)
        path = f"/customers/{source_id}.json"
        delete_request(self.name, f"DELETE {path}", lambda: self.session.delete(self.base_url + path),
                       record_id=source_id, gone=not_found, message=error_message)

    # -- HTTP ------------------------------------------------------------------------------------

    def _request(self, method: str, operation: str, path: str, *, page: int | None = None,
                 record_id: str | None = None, **kwargs: Any) -> requests.Response:
        """One call through the retrying session; whatever is still wrong afterwards -> ConnectorError."""
        where = f"page {page}: " if page is not None else ""
        what = f"{method} {path}"
        return checked_request(self.name, operation, what,
                               lambda: self.session.request(method, self.base_url + path, **kwargs),
                               where=where, record_id=record_id, message=error_message)

    def _json(self, response: requests.Response, operation: str, page: int | None = None,
              record_id: str | None = None) -> Any:
        where = f"page {page} " if page is not None else ""
        return json_body(self.name, operation, urlsplit(response.url).path, response, where=where,
                         record_id=record_id)


def page_info_of(url: str | None) -> str | None:
    """The ``page_info`` of a ``Link`` URL (used exactly as given, as Shopify requires)."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("page_info")
    return values[0] if values else None


def prepare_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The API customer plus the derived ``record_type`` the default mapping reads."""
    address = row.get("default_address") if isinstance(row.get("default_address"), Mapping) else {}
    is_company = bool(address.get("company")) and not (row.get("first_name") or row.get("last_name"))
    return {**row, "record_type": "organization" if is_company else "person"}


def not_found(response: requests.Response) -> bool:
    """Shopify's 404 body; it is the same for an unknown customer and an unknown path, but the path is
    the one the pull of the same run succeeded on."""
    try:
        return response.json().get("errors") == "Not Found"
    except (ValueError, AttributeError):
        return False


def error_message(response: requests.Response) -> str:
    """Shopify's ``{"errors": "..."}`` or ``{"errors": {"field": ["msg"]}}`` as one line."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return response.text[:200] or response.reason
    if isinstance(errors, Mapping):
        return "; ".join(f"{field} {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                         for field, msgs in errors.items())
    return str(errors)[:200]
