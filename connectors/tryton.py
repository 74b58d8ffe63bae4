"""Tryton connector: parties (``party.party``) with their addresses, contact mechanisms and identifiers,
over Tryton's JSON-RPC (:mod:`connectors.tryton_rpc`), through Tryton's ORM only — no SQL, no DDL.

Pull — incremental by ``COALESCE(write_date, create_date), id``. Tryton leaves ``write_date`` empty on
create, so a cursor on ``write_date`` alone never sees new parties. A Tryton domain cannot order by a
COALESCE, so each page asks two keyset queries — parties edited since the position (by ``write_date,
id``) and parties never edited, created since it (by ``create_date, id``) — and delivers the first
``page_size`` of both in COALESCE order; the cursor ``tr1|<timestamp>|<id>`` is the last one delivered.
Inactive parties are read too and come out as deleted records. Tryton has no person/company flag: a
party with a tax identifier of a company type (VAT and company-register types, option
``organization_identifier_types``) is an organisation, any other a person.

Push — the golden id is a party identifier ``<golden_id_prefix><golden id>`` (type empty), created or
corrected through ``party.party.write``: no custom column in the ERP. ``push_fields`` go through the ORM
too, child records included: e-mails and phones missing from the party become contact mechanisms
(existing ones are never removed), the address fields correct the first address (or create one), the
name is the party name. A push field Tryton has no place for is a configuration error at start.

Erase — Tryton's own erase wizard (``party.erase``), which blanks the party and its children and deletes
what may be deleted; Tryton erases only inactive parties, so the party is deactivated first. Option
``erasure: deactivate`` only deactivates (for deployments where a person runs the wizard).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import ConnectorError, Page, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.http import build_session, session_settings
from connectors.tryton_rpc import TrytonRpc, encode_datetime
from schemas import SourceConfig
from schemas.source_options import TrytonOptions

CURSOR_VERSION = "tr1"
PARTY = "party.party"
#: Read per party; dotted names read the children in the same call (Tryton >= 5.x).
PARTY_FIELDS = (
    "name",
    "active",
    "create_date",
    "write_date",
    "contact_mechanisms.type",
    "contact_mechanisms.value",
    "addresses.street",
    "addresses.postal_code",
    "addresses.city",
    "addresses.country.code",
    "identifiers.type",
    "identifiers.code",
)
EMAIL_TYPES = frozenset({"email"})
PHONE_TYPES = frozenset({"phone", "mobile"})
ADDRESS_PUSH_FIELDS = ("street", "postal_code", "city", "country")
PUSHABLE_FIELDS = frozenset({"full_name", "organization_name", "emails", "phones", *ADDRESS_PUSH_FIELDS})
INACTIVE_TOO = {"active_test": False}
ERASED_NAME = "[erased]"


def is_organization_type(identifier_type: str, configured: list[str] | None) -> bool:
    if configured is not None:
        return identifier_type in configured
    return identifier_type.endswith(("_vat", "_uid", "_businessid", "_orgnr"))


@dataclass(frozen=True, order=True)
class Position:
    """``(COALESCE(write_date, create_date), id)`` of the last party delivered; the cursor's content."""

    moment: datetime
    id: int

    def encode(self) -> str:
        return f"{CURSOR_VERSION}|{self.moment.isoformat()}|{self.id}"

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            version, moment, last_id = cursor.split("|")
            if version != CURSOR_VERSION:
                raise ValueError(f"unknown cursor version {version!r}")
            return cls(datetime.fromisoformat(moment), int(last_id))
        except ValueError as exc:
            raise ValueError(
                f"invalid cursor {cursor!r} ({exc}); expected "
                f"'{CURSOR_VERSION}|<ISO timestamp>|<id>' or none for a full refresh"
            ) from None

    def after(self, field: str) -> list[Any]:
        """Parties strictly after this position on ``field`` then id (a Tryton domain)."""
        moment = encode_datetime(self.moment)
        return ["OR", [field, ">", moment], [[field, "=", moment], ["id", ">", self.id]]]


def position_of(row: Mapping[str, Any]) -> Position:
    return Position(row.get("write_date") or row["create_date"], int(row["id"]))


def _first_address(addresses: list[dict[str, Any]], empty_too: bool = False) -> dict[str, Any]:
    """The party's first filled-in address (Tryton gives every new party an empty one); with
    ``empty_too`` the first address at all when none is filled in (a push fills it)."""
    filled = [a for a in addresses if any(a.get(k) for k in ("street", "postal_code", "city"))]
    return (filled or (addresses if empty_too else []) or [{}])[0]


class TrytonConnector(SourceConnector):
    """Parties of a Tryton database; credentials: login + password, database in options or schema."""

    default_mapping = {
        "id": "source_id",
        "record_type": "record_type",
        "person_name": "full_name",
        "company_name": "organization_name",
        "emails": "emails",
        "phones": "phones",
        "street": "street",
        "postal_code": "postal_code",
        "city": "city",
        "country_code": "country",
        "tax_code": "tax_id",
        "updated_utc": "updated_at",
        "deleted": "deleted",
    }

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = TrytonOptions.for_source(config.name, config.options)
        cannot = sorted(set(config.push_fields) - PUSHABLE_FIELDS)
        if cannot:
            raise ValueError(
                f"source {config.name!r}: Tryton parties have no place for push field(s) "
                f"{', '.join(cannot)}; pushable: {', '.join(sorted(PUSHABLE_FIELDS))}"
            )
        database = self.options.database or self.credentials.schema
        if not database:
            raise ValueError(
                f"source {config.name!r}: no Tryton database (options.database or the connection's schema)"
            )
        rpc_credentials = Credentials(
            host=self.credentials.host,
            port=self.credentials.port,
            login=self.credentials.login,
            password=self.credentials.password,
            extra=self.credentials.extra,
        )
        self.rpc = TrytonRpc(
            config.name, rpc_credentials, database, build_session(**session_settings(self.options))
        )

    def check(self) -> None:
        self.rpc.model("check", PARTY, "search_read", [], 0, 1, None, ["name"])

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            position = Position.decode(cursor) if cursor else None
        except ValueError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None
        size = self.config.page_size
        while True:
            edited = self._search(
                [["write_date", "!=", None], *([position.after("write_date")] if position else [])],
                "write_date",
                size,
            )
            created = self._search(
                [["write_date", "=", None], *([position.after("create_date")] if position else [])],
                "create_date",
                size,
            )
            rows = sorted(edited + created, key=position_of)[:size]
            if not rows:
                return
            position = position_of(rows[-1])
            yield self.to_page([self.prepare_row(row) for row in rows], position.encode())
            if len(edited) < size and len(created) < size and len(rows) == len(edited) + len(created):
                return

    def _search(self, domain: list[Any], order_by: str, limit: int) -> list[dict[str, Any]]:
        rows = self.rpc.model(
            "pull",
            PARTY,
            "search_read",
            domain,
            0,
            limit,
            [[order_by, "ASC"], ["id", "ASC"]],
            list(PARTY_FIELDS),
            context=INACTIVE_TOO,
        )
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) and "id" in r for r in rows):
            raise ConnectorError(self.name, "pull", f"search_read answered {str(rows)[:200]}")
        return rows

    def prepare_row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The party with its children flattened into the keys of :attr:`default_mapping`."""
        mechanisms = row.get("contact_mechanisms.") or []
        addresses = row.get("addresses.") or []
        identifiers = [
            i
            for i in row.get("identifiers.") or []
            if not str(i.get("code") or "").startswith(self.options.golden_id_prefix)
        ]
        typed = [i for i in identifiers if i.get("type")]
        organization = any(
            is_organization_type(i["type"], self.options.organization_identifier_types) for i in typed
        )
        first = _first_address(addresses)
        country = first.get("country.") or {}
        moment = row.get("write_date") or row.get("create_date")
        # Tryton's erase wizard leaves an inactive party without a name: a deletion, not a bad record
        name = row.get("name") or (ERASED_NAME if row.get("active") is False else None)
        return {
            "id": row["id"],
            "record_type": "organization" if organization else "person",
            "person_name": None if organization else name,
            "company_name": name if organization else None,
            "emails": [m["value"] for m in mechanisms if m.get("type") in EMAIL_TYPES and m.get("value")],
            "phones": [m["value"] for m in mechanisms if m.get("type") in PHONE_TYPES and m.get("value")],
            "street": first.get("street"),
            "postal_code": first.get("postal_code"),
            "city": first.get("city"),
            "country_code": country.get("code"),
            "tax_code": typed[0]["code"] if typed else None,
            "golden_id": self._golden_id(row),
            "updated_utc": f"{moment.isoformat()}+00:00" if isinstance(moment, datetime) else None,
            "deleted": row.get("active") is False,
        }

    def _golden_id(self, row: Mapping[str, Any]) -> str | None:
        prefix = self.options.golden_id_prefix
        codes = [
            str(i.get("code")) for i in row.get("identifiers.") or [] if str(i.get("code")).startswith(prefix)
        ]
        return codes[0][len(prefix) :] if codes else None

    # -- push ------------------------------------------------------------------------------------

    def push_one(self, update: PushUpdate) -> None:
        party_id = self._party_id(update.source_id, "push")
        fields = [
            "name",
            "contact_mechanisms.type",
            "contact_mechanisms.value",
            "addresses.street",
            "addresses.postal_code",
            "addresses.city",
            "addresses.country.code",
            "identifiers.code",
        ]
        rows = self.rpc.model(
            "push", PARTY, "read", [party_id], fields, context=INACTIVE_TOO, record_id=update.source_id
        )
        if not rows:
            raise ConnectorError(self.name, "push", "no such party", update.source_id)
        values = {
            **self._golden_id_values(rows[0], update.golden_id),
            **self._field_values(rows[0], update.fields, update.source_id),
        }
        if values:
            self.rpc.model("push", PARTY, "write", [party_id], values, record_id=update.source_id)

    def _golden_id_values(self, party: Mapping[str, Any], golden_id: str) -> dict[str, Any]:
        prefix = self.options.golden_id_prefix
        code = f"{prefix}{golden_id}"
        ours = [i for i in party.get("identifiers.") or [] if str(i.get("code")).startswith(prefix)]
        if any(i["code"] == code for i in ours):
            return {}
        if ours:
            return {"identifiers": [["write", [ours[0]["id"]], {"code": code}]]}
        return {"identifiers": [["create", [{"type": None, "code": code}]]]}

    def _field_values(
        self, party: Mapping[str, Any], fields: Mapping[str, Any], source_id: str
    ) -> dict[str, Any]:
        """The ``write`` values (the party's own fields and its children's actions) for ``fields``."""
        values: dict[str, Any] = {}
        name = fields.get("organization_name") or fields.get("full_name")
        if name and name != party.get("name"):
            values["name"] = name
        mechanisms = party.get("contact_mechanisms.") or []
        have = {str(m.get("value")).casefold() for m in mechanisms}
        new = [{"type": "email", "value": v} for v in fields.get("emails") or [] if v.casefold() not in have]
        new += [{"type": "phone", "value": v} for v in fields.get("phones") or [] if v.casefold() not in have]
        if new:
            values["contact_mechanisms"] = [["create", new]]
        address = self._address_values(party, fields, source_id)
        if address:
            values["addresses"] = [address]
        return values

    def _address_values(
        self, party: Mapping[str, Any], fields: Mapping[str, Any], source_id: str
    ) -> list[Any]:
        wanted = {key: fields[key] for key in ADDRESS_PUSH_FIELDS if fields.get(key)}
        if not wanted:
            return []
        current = _first_address(party.get("addresses.") or [], empty_too=True)
        vals: dict[str, Any] = {}
        for key in ("street", "postal_code", "city"):
            if key in wanted and wanted[key] != current.get(key):
                vals[key] = wanted[key]
        if "country" in wanted and wanted["country"] != (current.get("country.") or {}).get("code"):
            vals["country"] = self._country_id(str(wanted["country"]), source_id)
        if not vals:
            return []
        return ["write", [current["id"]], vals] if current else ["create", [vals]]

    def _country_id(self, code: str, source_id: str) -> int:
        found = self.rpc.model(
            "push",
            "country.country",
            "search",
            [["code", "=", code.upper()]],
            0,
            1,
            None,
            record_id=source_id,
        )
        if not found:
            raise ConnectorError(self.name, "push", f"no country.country with code {code!r}", source_id)
        return int(found[0])

    # -- erasure ---------------------------------------------------------------------------------

    def delete_one(self, source_id: str) -> None:
        party_id = self._party_id(source_id, "delete")
        found = self.rpc.model(
            "delete",
            PARTY,
            "search_read",
            [["id", "=", party_id]],
            0,
            1,
            None,
            ["name", "active"],
            context=INACTIVE_TOO,
            record_id=source_id,
        )
        if not found or (found[0].get("name") is None and found[0].get("active") is False):
            return  # gone or erased already
        if found[0].get("active"):
            self.rpc.model("delete", PARTY, "write", [party_id], {"active": False}, record_id=source_id)
        if self.options.erasure == "erase":
            context = {"active_model": PARTY, "active_id": party_id, "active_ids": [party_id]}
            self.rpc.wizard(
                "delete", "party.erase", {"ask": {"party": party_id}}, "erase", context, record_id=source_id
            )

    def _party_id(self, source_id: str, operation: str) -> int:
        if not str(source_id).isdigit():
            raise ConnectorError(self.name, operation, "Tryton party ids are integers", source_id)
        return int(source_id)
