"""Odoo connector: ``res.partner`` over Odoo's external JSON-RPC API (``POST /jsonrpc``), via requests.

Protocol (Odoo's documented External API): ``common.login(db, login, password)`` -> uid, then every
call is ``object.execute_kw(db, uid, password, model, method, args, kwargs)``; the password may be an
Odoo API key. Errors arrive with HTTP 200 as a JSON-RPC ``error`` object whose ``data.name`` is the
server-side exception (``odoo.exceptions.AccessDenied``...) -- they become :class:`ConnectorError`.
HTTP-level failures (5xx, 429, connection errors) are retried by the shared session.

Incremental pull -- keyset, not offset: Odoo domains are boolean expressions, so the connector asks
for ``write_date > W  OR  (write_date = W AND id > I)`` ordered ``write_date asc, id asc`` with a
``limit``. ``(W, I)`` is the last row delivered, so each page's cursor ``od1|<write_date>|<id>`` resumes
exactly after it; rows edited during a run move *behind* the position and are read again later in the
same run -- never skipped, with no tie-group or offset-shift problems (``write_date`` has second
precision, so ties are common after imports). Archived partners are read too (``active_test: False``)
and come out as ``deleted`` records, so the hub learns about archiving.

Push: ``search_read`` 100 partners a call, then ``write`` only the values that differ plus the golden
id in the custom field ``x_crm_golden_id`` (option ``golden_id_field``). Odoo stamps ``write_date`` on every
``write``, even one that changes nothing, so comparing first is what keeps pushes idempotent and
stops them re-triggering the next incremental pull.

Erasure (:meth:`OdooConnector.delete_one`): ``unlink`` the partner (option ``erasure: unlink``, the
default), or ``archive`` it with its personal fields emptied (``erasure: archive``: for partners Odoo
must keep, e.g. those invoices point to, which ``unlink`` refuses).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from connectors.base import ConnectorError, Page, PushResult, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.fixed_width_time import strptime
from connectors.http import build_session, checked_request, json_body, session_settings
from connectors.push_values import desired_values
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import OdooOptions

CURSOR_VERSION = "od1"
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"
#: Fields read from ``res.partner``; boolean fields are the only ones where ``False`` is a value.
PARTNER_FIELDS = ("name", "is_company", "active", "parent_id", "company_name", "email", "phone", "mobile",
                  "street", "zip", "city", "country_id", "vat", "write_date")
BOOLEAN_FIELDS = frozenset({"is_company", "active"})
MULTI_VALUE_FIELDS = ("email", "phone", "mobile")
#: What ``erasure: archive`` empties (``name`` cannot be empty: it becomes ERASED_NAME).
ERASED_FIELDS = ("email", "phone", "mobile", "street", "street2", "zip", "city", "country_id", "vat",
                 "company_name", "ref")
ERASED_NAME = "[erased]"
#: Partner fields a push may write as they are; derived keys are translated in :meth:`_vals`.
#: Partners read by one ``search_read`` when pushing.
READ_BATCH = 100
WRITABLE_FIELDS = frozenset({"email", "phone", "mobile", "street", "zip", "city", "vat"})


@dataclass(frozen=True, order=True)
class Position:
    """``(write_date, id)`` of the last partner delivered; the cursor's content."""

    write_date: str
    id: int

    def encode(self) -> str:
        return f"{CURSOR_VERSION}|{self.write_date}|{self.id}"

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            version, write_date, last_id = cursor.split("|")
            if version != CURSOR_VERSION:
                raise ValueError(f"unknown cursor version {version!r}")
            strptime(write_date, ODOO_DATETIME)
            return cls(write_date, int(last_id))
        except ValueError as exc:
            expected = f"'{CURSOR_VERSION}|YYYY-MM-DD HH:MM:SS|<id>' or none for a full refresh"
            raise ValueError(f"invalid cursor {cursor!r} ({exc}); expected {expected}") from None

    def domain(self) -> list[Any]:
        """Everything strictly after this position in ``write_date, id`` order (Polish notation)."""
        return ["|", ["write_date", ">", self.write_date],
                "&", ["write_date", "=", self.write_date], ["id", ">", self.id]]


def position_of(row: Any) -> Position | None:
    """A row's paging key, or ``None`` when its id or ``write_date`` is unusable."""
    if not isinstance(row, Mapping):
        return None
    try:
        write_date = str(row["write_date"])
        strptime(write_date, ODOO_DATETIME)
        record_id = row["id"]
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            return None
        return Position(write_date, record_id)
    except (KeyError, ValueError):
        return None


class OdooConnector(SourceConnector):
    """Partners of an Odoo database; credentials: login + password (or API key), database in ``extra``.

    Options: :class:`schemas.source_options.OdooOptions`.
    Each row gets derived keys before mapping: ``record_type``, ``person_name``/``company_name`` (the
    partner ``name`` split by ``is_company``; a contact's company from ``parent_id`` or ``company_name``),
    ``country_code`` (ISO code of ``country_id`` from ``res.country``), ``updated_utc`` and ``deleted``.
    """

    default_mapping = {
        "id": "source_id",
        "record_type": "record_type",
        "person_name": "full_name",
        "company_name": "organization_name",
        "email": "email",
        "phone": "phone",
        "mobile": "phone",
        "street": "street",
        "zip": "postal_code",
        "city": "city",
        "country_code": "country",
        "vat": "tax_id",
        "updated_utc": "updated_at",
        "deleted": "deleted",
    }

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        options = self.options = OdooOptions.for_source(config.name, config.options)
        extra = self.credentials.extra
        self.database = options.database or extra.get("database") or self.credentials.schema
        self.model = options.model
        self.extra_domain = list(options.domain)
        self.golden_id_field = options.golden_id_field
        self.push_fields = options.push_fields
        self.erasure = options.erasure
        # ``schema`` may carry the database name, so it is not part of the URL here.
        self.url = replace(self.credentials, schema=None).base_url().rstrip("/") + "/jsonrpc"
        self.session = build_session(**session_settings(options))
        self._ids = itertools.count(1)
        self._uid: int | None = None
        self._countries: dict[int, str] | None = None

    # -- check -----------------------------------------------------------------------------------

    def check(self) -> None:
        """Log in and read one partner with the golden-id field, which proves the custom field exists."""
        self._execute("check", "search_read", [[]], {"fields": [self.golden_id_field], "limit": 1})

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            position = Position.decode(cursor) if cursor else None
        except ValueError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None
        fields = [*PARTNER_FIELDS, self.golden_id_field]
        for page_no in itertools.count(1):
            domain = [*self.extra_domain, *(position.domain() if position else [])]
            rows = self._execute("pull", "search_read", [domain], {
                "fields": fields, "limit": self.config.page_size, "order": "write_date asc, id asc",
                "context": {"active_test": False}}, page=page_no)
            if not isinstance(rows, list):
                raise ConnectorError(self.name, "pull", f"page {page_no}: search_read answered "
                                     f"{type(rows).__name__}, expected a list of partners")
            if not rows:
                return
            keys = [key for row in rows if (key := position_of(row))]
            if not keys:
                raise ConnectorError(self.name, "pull", f"page {page_no}: no partner has a usable id and "
                                     "write_date, cannot page further")
            position = max(keys)
            yield self._page(rows, position.encode())
            if len(rows) < self.config.page_size:
                return

    def _page(self, rows: list[Any], cursor: str) -> Page:
        objects = [row for row in rows if isinstance(row, Mapping)]
        page = self.to_page([self.prepare_row(row) for row in objects], cursor)
        page.quarantined.extend(
            QuarantinedRecord(source_system=self.name, source_id=None,
                              reason=f"partner is not a JSON object but {type(row).__name__}",
                              payload={"value": row})
            for row in rows if not isinstance(row, Mapping))
        return page

    def prepare_row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The partner with Odoo's ``False`` for "empty" turned into ``None`` plus the derived keys."""
        clean = without_false(row)
        is_company = clean.get("is_company") is True
        parent = clean.get("parent_id")
        parent_name = parent[1] if isinstance(parent, list) and len(parent) == 2 else None
        country = clean.get("country_id")
        write_date = clean.get("write_date")
        return {
            **clean,
            # Users type several addresses/numbers into one field, comma-separated (Odoo's email_split).
            **{key: split_multi(clean[key]) for key in MULTI_VALUE_FIELDS if isinstance(clean.get(key), str)},
            "record_type": "organization" if is_company else "person",
            "person_name": None if is_company else clean.get("name"),
            "company_name": clean.get("name") if is_company else (parent_name or clean.get("company_name")),
            "country_code": self._country_code(country) if country else None,
            "updated_utc": f"{write_date}+00:00" if isinstance(write_date, str) else write_date,
            "deleted": clean.get("active") is False,
        }

    def _country_code(self, country: Any) -> str:
        """``[id, "Germany"]`` -> ``"DE"`` via ``res.country``; the name itself if the id is unknown."""
        if not (isinstance(country, list) and country and isinstance(country[0], int)):
            return str(country)
        codes = self.countries()
        if country[0] not in codes:
            codes = self.countries(refresh=True)
        return codes.get(country[0]) or str(country[1] if len(country) > 1 else country[0])

    def countries(self, refresh: bool = False) -> dict[int, str]:
        if self._countries is None or refresh:
            rows = self._execute("pull", "search_read", [[]], {"fields": ["code"]}, model="res.country")
            self._countries = {r["id"]: r["code"] for r in rows if isinstance(r, Mapping) and r.get("code")}
        return self._countries

    # -- push ------------------------------------------------------------------------------------

    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        """One ``search_read`` for up to 100 partners, then a ``write`` per distinct set of values
        (Odoo's ``write`` takes many ids with the same values; the golden ids differ, so mostly one per
        changed partner). Ids the read did not find, and a group whose call fails, go one by one
        through :meth:`push_one`, so a failing partner still fails alone with Odoo's own error."""
        result = PushResult()
        for start in range(0, len(updates), READ_BATCH):
            chunk = updates[start:start + READ_BATCH]
            found, writes = self._plan_chunk(chunk)
            alone = [u for u in chunk if u.source_id not in found]
            done: set[str] = set()
            for vals, group in writes.items():
                try:
                    self._execute("push", "write", [[int(u.source_id) for u in group], dict(vals)])
                except ConnectorError:
                    alone += group
                    continue
                done.update(u.source_id for u in group)
            part = super().push(alone)
            result.failed.update(part.failed)
            ok = done | (set(found) - {u.source_id for u in alone}) | set(part.pushed)
            result.pushed += [u.source_id for u in chunk if u.source_id in ok]
        return result

    def _plan_chunk(self, chunk: Sequence[PushUpdate]) -> tuple[set[str], dict[tuple, list[PushUpdate]]]:
        """The ids found by one read, and the partners to write grouped by their values."""
        ids = [int(u.source_id) for u in chunk if str(u.source_id).isdigit()]
        if not ids:
            return set(), {}
        fields = [*PARTNER_FIELDS, self.golden_id_field]
        try:
            rows = self._execute("push", "search_read", [[["id", "in", ids]]],
                                 {"fields": fields, "context": {"active_test": False}})
        except ConnectorError:
            return set(), {}
        by_id = {str(r["id"]): r for r in rows or [] if isinstance(r, Mapping) and "id" in r}
        found: set[str] = set()
        writes: dict[tuple, list[PushUpdate]] = {}
        for update in chunk:
            row = by_id.get(str(update.source_id))
            if row is None:
                continue
            try:
                vals = self._push_vals(update, row)
            except ConnectorError:
                continue  # push_one reports it with the reason
            found.add(update.source_id)
            if vals:
                writes.setdefault(tuple(sorted(vals.items())), []).append(update)
        return found, writes

    def _push_vals(self, update: PushUpdate, row: Mapping[str, Any]) -> dict[str, Any]:
        """The ``write`` values for ``update`` against the partner as read (empty: nothing to write)."""
        current = {**self.prepare_row(row), **without_false(row)}  # derived keys + stored values
        vals = self._vals(current, desired_values(self.mapping, update.fields)) if self.push_fields else {}
        if current.get(self.golden_id_field) != update.golden_id:
            vals[self.golden_id_field] = update.golden_id
        return vals

    def push_one(self, update: PushUpdate) -> None:
        if not str(update.source_id).isdigit():
            raise ConnectorError(self.name, "push", "Odoo partner ids are integers", update.source_id)
        partner_id = int(update.source_id)
        fields = [*PARTNER_FIELDS, self.golden_id_field]
        rows = self._execute("push", "read", [[partner_id]], {"fields": fields}, record_id=update.source_id)
        if not (isinstance(rows, list) and rows and isinstance(rows[0], Mapping)):
            raise ConnectorError(self.name, "push", f"read answered {rows!r}", update.source_id)
        vals = self._push_vals(update, rows[0])
        if vals:
            self._execute("push", "write", [[partner_id], vals], record_id=update.source_id)

    def _vals(self, current: Mapping[str, Any], desired: Mapping[str, str]) -> dict[str, Any]:
        """The ``write`` values that differ from ``current`` (``desired``: source keys -> text)."""
        vals: dict[str, Any] = {}
        is_company = current.get("record_type") == "organization"
        for key, text in desired.items():
            if key in WRITABLE_FIELDS:
                target = key
            elif key == "person_name" and not is_company or key == "company_name" and is_company:
                target = "name"
            elif key == "company_name" and not current.get("parent_id"):
                target = "company_name"
            elif key == "country_code":
                if current.get("country_code") != text.upper():
                    vals["country_id"] = self._country_id(text.upper())
                continue
            else:
                continue  # read-only or derived (id, write_date, record_type, deleted ...)
            if current.get(target) != text:
                vals[target] = text
        return vals

    def _country_id(self, code: str) -> int:
        for refresh in (False, True):
            for country_id, known in self.countries(refresh=refresh).items():
                if known == code:
                    return country_id
        raise ConnectorError(self.name, "push", f"no res.country with code {code!r}")

    # -- erasure ---------------------------------------------------------------------------------

    def delete_one(self, source_id: str) -> None:
        if not str(source_id).isdigit():
            raise ConnectorError(self.name, "delete", "Odoo partner ids are integers", source_id)
        partner_id = int(source_id)
        found = self._execute("delete", "search", [[["id", "=", partner_id]]],
                              {"context": {"active_test": False}}, record_id=source_id)
        if not found:
            return  # gone already
        if self.erasure == "archive":
            vals = {**dict.fromkeys(ERASED_FIELDS, False), "name": ERASED_NAME, "active": False,
                    self.golden_id_field: False}
            self._execute("delete", "write", [[partner_id], vals], record_id=source_id)
        else:
            self._execute("delete", "unlink", [[partner_id]], record_id=source_id)

    # -- JSON-RPC ----------------------------------------------------------------------------------

    def _execute(self, operation: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None,
                 *, model: str | None = None, page: int | None = None, record_id: str | None = None) -> Any:
        uid = self._login(operation)
        return self._call(operation, "object", "execute_kw",
                          [self.database, uid, self.credentials.password or "", model or self.model, method,
                           args, kwargs or {}], page=page, record_id=record_id)

    def _login(self, operation: str) -> int:
        if self._uid is None:
            uid = self._call(operation, "common", "login",
                             [self.database, self.credentials.login or "", self.credentials.password or ""])
            if not isinstance(uid, int) or isinstance(uid, bool):
                raise ConnectorError(self.name, operation,
                                     f"login refused for user {self.credentials.login!r} on database "
                                     f"{self.database!r} (wrong login or password/API key)")
            self._uid = uid
        return self._uid

    def _call(self, operation: str, service: str, method: str, args: list[Any], *, page: int | None = None,
              record_id: str | None = None) -> Any:
        """One JSON-RPC call through the retrying session; errors of any layer -> ConnectorError."""
        where = f"page {page}: " if page is not None else ""
        what = f"{service}.{method}" + (f" {args[3]}.{args[4]}" if method == "execute_kw" else "")
        body = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                "params": {"service": service, "method": method, "args": args}}
        response = checked_request(self.name, operation, what, lambda: self.session.post(self.url, json=body),
                                   where=where, record_id=record_id)
        reply = json_body(self.name, operation, what, response, where=where, record_id=record_id)
        if not isinstance(reply, Mapping) or ("result" not in reply and "error" not in reply):
            raise ConnectorError(self.name, operation, f"{where}{what}: not a JSON-RPC response: "
                                 f"{str(reply)[:200]}", record_id)
        if reply.get("error"):
            raise ConnectorError(self.name, operation, f"{where}{what}: {odoo_error(reply['error'])}",
                                 record_id)
        return reply["result"]


def without_false(row: Mapping[str, Any]) -> dict[str, Any]:
    """Odoo reads an empty non-boolean field as ``False``; the canonical side wants ``None``."""
    return {key: (None if value is False and key not in BOOLEAN_FIELDS else value)
            for key, value in row.items()}


def split_multi(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def odoo_error(error: Any) -> str:
    """``odoo.exceptions.AccessDenied: Access Denied`` from Odoo's JSON-RPC error object."""
    if not isinstance(error, Mapping):
        return str(error)[:200]
    data = error.get("data") if isinstance(error.get("data"), Mapping) else {}
    name = data.get("name") or error.get("message") or "error"
    message = data.get("message") or error.get("message") or ""
    return f"{name}: {message}".strip()
