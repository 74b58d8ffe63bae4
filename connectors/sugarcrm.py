"""SuiteCRM / SugarCRM connector over the JSON:API "V8" (SuiteCRM 7.10+, ``legacy/Api`` in SuiteCRM 8).

Auth: OAuth2 password grant (``POST /Api/access_token`` with client id/secret and user/password); the
bearer token is renewed shortly before ``expires_in`` runs out, and a ``401`` on a data call (token
revoked or expired early) triggers exactly one re-authentication and retry.

Pull: Accounts (organizations) and Contacts (persons), each module paged by modification time with
the keyset scheme of :mod:`connectors.crm_sync`: ``filter[date_modified][gt]=<second>&sort=date_modified``
for new seconds and ``filter[date_modified][eq]=<second>&filter[id][gt]=<id>&sort=id`` to finish a
second shared by more records than fit a page. SuiteCRM compares filter values with the stored MySQL
``datetime`` text, so the connector sends ``YYYY-MM-DD HH:MM:SS`` (UTC), not the ISO form it receives.

Push: ``PATCH /Api/V8/module`` with a JSON:API body holding only the attributes whose value differs
(read first with ``GET``), plus the golden id custom field (default ``crm_golden_id_c``). SuiteCRM stamps
``date_modified`` on every save, so an update that changes nothing is never sent.

Erasure: ``PATCH`` the record empty, then ``DELETE /Api/V8/module/{module}/{id}``
(:meth:`SugarCrmConnector.delete_one`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

import requests

from connectors.base import ConnectorError, Page, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.crm_sync import (
    RECORD_TYPES,
    Batch,
    ModulePages,
    StuckCursorError,
    decode_cursor,
    erased_attributes,
    primary_fields,
    push_changes,
)
from connectors.http import (
    build_session,
    check_status,
    checked_request,
    json_body,
    session_settings,
    transport,
)
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import SugarCrmOptions

DB_FORMAT = "%Y-%m-%d %H:%M:%S"
TOKEN_MARGIN = 30.0  # renew the token this many seconds before it expires
#: Attributes the hub never writes: identity, bookkeeping, and the keys the connector derives.
READ_ONLY = frozenset({"id", "module", "record_type", "date_entered", "date_modified", "deleted",
                       "created_by", "modified_user_id"})


class SugarCrmConnector(SourceConnector):
    """Accounts and Contacts of a SuiteCRM/SugarCRM instance.

    Credentials: ``login``/``password`` = API user, ``extra.client_id``/``extra.client_secret`` = the
    OAuth2 client; the connection's ``schema`` is the path before ``/Api`` (``legacy`` on SuiteCRM 8).
    Options: :class:`schemas.source_options.SugarCrmOptions`.
    """
    #: SuiteCRM's V8 JSON:API has no bulk update: a few records at once instead.
    push_workers = 4

    default_mapping = {
        "id": "source_id",
        "record_type": "record_type",
        "name": "organization_name",
        "first_name": "given_name",
        "last_name": "family_name",
        "email1": "email",
        "email2": "email",
        "phone_office": "phone",
        "phone_alternate": "phone",
        "phone_work": "phone",
        "phone_mobile": "phone",
        "billing_address_street": "street",
        "billing_address_postalcode": "postal_code",
        "billing_address_city": "city",
        "billing_address_country": "country",
        "primary_address_street": "street",
        "primary_address_postalcode": "postal_code",
        "primary_address_city": "city",
        "primary_address_country": "country",
        "birthdate": "date_of_birth",
        "vat_id_c": "tax_id",
        "date_modified": "updated_at",
    }

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = SugarCrmOptions.for_source(config.name, config.options)
        self.modules = tuple(self.options.modules)
        self.golden_id_field = self.options.golden_id_field
        self.push_fields = self.options.push_fields
        self.page_size = config.page_size
        self.base_url = self.credentials.base_url().rstrip("/")
        self.session = build_session(**session_settings(self.options))
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self._token_expires = 0.0
        self._request_no = 0

    # -- check -----------------------------------------------------------------------------------

    def check(self) -> None:
        self._json("GET", "check", f"/Api/V8/module/{self.modules[0]}", params={"page[size]": 1})

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            positions = decode_cursor(cursor, self.modules)
        except ValueError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None
        pages = ModulePages(self, self.modules, self.page_size, positions)
        try:
            for module, items, page_cursor in pages:
                yield self._page(module, items, page_cursor)
        except StuckCursorError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None

    def after(self, module: str, since: str | None, limit: int) -> Batch:
        params: dict[str, Any] = {"sort": "date_modified", "page[size]": limit, "page[number]": 1}
        if since is not None:
            params["filter[date_modified][gt]"] = since
        return self._list(module, params)

    def tie(self, module: str, since: str, after_id: str | None, limit: int) -> Batch:
        params: dict[str, Any] = {"filter[date_modified][eq]": since, "sort": "id", "page[size]": limit,
                                  "page[number]": 1}
        if after_id is not None:
            params["filter[id][gt]"] = after_id
        return self._list(module, params)

    def key(self, item: Any) -> tuple[str, str] | None:
        """``(date_modified as stored by SuiteCRM, id)`` of a resource, ``None`` if either is unusable."""
        if not isinstance(item, Mapping) or not isinstance(item.get("attributes"), Mapping):
            return None
        record_id, modified = item.get("id"), item["attributes"].get("date_modified")
        if not isinstance(record_id, str) or not record_id or not isinstance(modified, str):
            return None
        try:
            parsed = datetime.fromisoformat(modified)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed.strftime(DB_FORMAT), record_id

    def _list(self, module: str, params: dict[str, Any]) -> Batch:
        self._request_no += 1
        where = f"{module} request {self._request_no}"
        body = self._json("GET", "pull", f"/Api/V8/module/{module}", params=params, where=where)
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            raise ConnectorError(self.name, "pull", f"{where}: expected a JSON:API document with a "
                                 f"\"data\" list, got {type(data if data is not None else body).__name__}")
        links = body.get("links") if isinstance(body.get("links"), Mapping) else {}
        return Batch(rows=data, has_more=bool(links.get("next")))

    def _page(self, module: str, items: list[Any], cursor: str) -> Page:
        rows, bad = [], []
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get("attributes"), Mapping):
                rows.append({**item["attributes"], "id": item.get("id"), "module": module,
                             "record_type": RECORD_TYPES[module]})
            else:
                bad.append(item)
        page = self.to_page(rows, cursor)
        for item in bad:
            is_object = isinstance(item, Mapping)
            page.quarantined.append(QuarantinedRecord(
                source_system=self.name, source_id=str(item["id"]) if is_object and item.get("id") else None,
                reason=f"{module} resource is not a JSON:API object with attributes",
                payload=dict(item) if is_object else {"value": item}))
        return page

    # -- push ------------------------------------------------------------------------------------

    def push_one(self, update: PushUpdate) -> None:
        module, attributes = self._find(update.source_id)
        changes: dict[str, str] = {}
        if self.push_fields:
            desired = self.mapping.to_source(update.fields)
            writable = primary_fields(self.mapping.mapping, attributes) - READ_ONLY
            changes = push_changes(attributes, desired, writable.__contains__)
        if attributes.get(self.golden_id_field) != update.golden_id:
            changes[self.golden_id_field] = update.golden_id
        if changes:
            body = {"data": {"type": module, "id": update.source_id, "attributes": changes}}
            self._json("PATCH", "push", "/Api/V8/module", json=body, record_id=update.source_id)

    # -- erasure ---------------------------------------------------------------------------------

    def delete_one(self, source_id: str) -> None:
        """Empty the record's attributes (``PATCH``), then ``DELETE /Api/V8/module/{module}/{id}``.
        SuiteCRM's delete only sets ``deleted = 1`` and keeps the row until the "Prune Database"
        scheduler job removes it; emptied first, that row no longer holds the person."""
        found = self._locate(source_id)
        if found is None:
            return  # gone already
        module, attributes = found
        blank = erased_attributes(attributes, READ_ONLY | {self.golden_id_field})
        if blank:
            body = {"data": {"type": module, "id": source_id, "attributes": blank}}
            self._json("PATCH", "delete", "/Api/V8/module", json=body, record_id=source_id)
        self._json("DELETE", "delete", f"/Api/V8/module/{module}/{source_id}", record_id=source_id)

    def _find(self, record_id: str) -> tuple[str, Mapping[str, Any]]:
        found = self._locate(record_id)
        if found is None:
            raise ConnectorError(self.name, "push", f"no record with this id in {', '.join(self.modules)}",
                                 record_id)
        return found

    def _locate(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None:
        """The module and current attributes of a record (ids are unique across SuiteCRM modules)."""
        for module in self.modules:
            try:
                body = self._json("GET", "push", f"/Api/V8/module/{module}/{record_id}", record_id=record_id)
            except ConnectorError as exc:
                if " HTTP 404" in str(exc):
                    continue
                raise
            attributes = (body.get("data") or {}).get("attributes") if isinstance(body, Mapping) else None
            if not isinstance(attributes, Mapping):
                raise ConnectorError(self.name, "push", "record is not a JSON:API resource", record_id)
            return module, attributes
        return None

    # -- HTTP ------------------------------------------------------------------------------------

    def _authenticate(self) -> None:
        extra = self.credentials.extra
        form = {"grant_type": "password", "client_id": str(extra.get("client_id", "")),
                "client_secret": str(extra.get("client_secret", "")),
                "username": self.credentials.login or "", "password": self.credentials.password or ""}
        what = "POST /Api/access_token"
        response = checked_request(self.name, "authenticate", what,
                                   lambda: self.session.post(self.base_url + "/Api/access_token", data=form),
                                   message=error_message)
        try:
            body = response.json()
            token, expires_in = str(body["access_token"]), float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ConnectorError(self.name, "authenticate", "token response without access_token/expires_in "
                                 f"({len(response.content)} bytes)") from None
        margin = min(TOKEN_MARGIN, expires_in / 10)  # short-lived tokens must still be usable
        self._token, self._token_expires = token, time.monotonic() + expires_in - margin

    def _json(self, method: str, operation: str, path: str, *, where: str | None = None,
              record_id: str | None = None, **kwargs: Any) -> Any:
        """One authorised call; a 401 renews the token once. Whatever is still wrong -> ConnectorError."""
        prefix = f"{where}: " if where else ""
        what = f"{method} {path}"
        for attempt in (1, 2):
            if self._token is None or time.monotonic() >= self._token_expires:
                with self._token_lock:  # pushes run on a few threads: one token for all of them
                    if self._token is None or time.monotonic() >= self._token_expires:
                        self._authenticate()
            headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/vnd.api+json"}
            send = partial(self.session.request, method, self.base_url + path, headers=headers, **kwargs)
            response = transport(self.name, operation, what, send, where=prefix, record_id=record_id)
            if response.status_code == 401 and attempt == 1:
                self._token = None  # expired or revoked: authenticate again, once
                continue
            break
        check_status(self.name, operation, what, response, where=prefix, record_id=record_id,
                     message=error_message)
        return json_body(self.name, operation, what, response, where=prefix, record_id=record_id)


def error_message(response: requests.Response) -> str:
    """SuiteCRM's ``{"errors": {"detail"}}``, OAuth's ``{"message", "hint"}``, or the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    if isinstance(data, Mapping):
        errors = data.get("errors")
        if isinstance(errors, Mapping) and errors.get("detail"):
            return str(errors["detail"])
        if data.get("message") or data.get("error"):
            hint = f" ({data['hint']})" if data.get("hint") else ""
            return f"{data.get('message') or data.get('error')}{hint}"
    return str(data)[:200]
