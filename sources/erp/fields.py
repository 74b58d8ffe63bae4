"""The ERP's native customer shape (SAP KNA1-style field names) and how flat seed rows map onto it.

The ERP stores what an ERP would: one e-mail, up to two phones, NAME1/NAME2 whose meaning depends on the
account group, and a change date/time it sets itself. Values are stored as given (the ERP does not
validate e-mails or phones), so malformed customer data reaches the hub and is quarantined there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

NAMESPACE = "urn:crmhub:erp:customer:v1"

#: Customer fields in XSD sequence order (``Customer`` complex type in ``customer.wsdl``).
CUSTOMER_FIELDS = (
    "KUNNR", "KTOKD", "NAME1", "NAME2", "NAME3", "STRAS", "PSTLZ", "ORT01", "LAND1", "TELF1", "TELF2",
    "SMTP_ADDR", "STCD1", "GBDAT", "AEDAT", "AEZET", "ZZ_GOLDEN_ID",
)
#: Fields the server maintains itself; ignored on input.
SERVER_FIELDS = frozenset({"KUNNR", "AEDAT", "AEZET"})
#: Fields a client may write with UpsertCustomer (the store also keeps AEDAT/AEZET).
WRITABLE_FIELDS = tuple(f for f in CUSTOMER_FIELDS if f not in SERVER_FIELDS)

#: What ``BlockCustomer`` in mode ANONYMIZE overwrites; KUNNR, KTOKD and LAND1 stay.
PERSONAL_FIELDS = ("NAME1", "NAME2", "NAME3", "STRAS", "PSTLZ", "ORT01", "TELF1", "TELF2", "SMTP_ADDR",
                   "STCD1", "GBDAT", "ZZ_GOLDEN_ID")

PERSON, ORGANIZATION = "ZPER", "ZORG"
ACCOUNT_GROUPS = {"person": PERSON, "organization": ORGANIZATION}
RECORD_TYPES = {group: record_type for record_type, group in ACCOUNT_GROUPS.items()}

_KUNNR = re.compile(r"[0-9]{1,10}")


def is_customer_number(value: str) -> bool:
    """Whether ``customer_number`` takes ``value``."""
    return _KUNNR.fullmatch(str(value).strip()) is not None


def customer_number(value: str) -> str:
    """SAP's customer number: up to 10 digits, zero-padded to 10 (``4711`` -> ``0000004711``)."""
    text = str(value).strip()
    if not is_customer_number(text):
        raise ValueError(f"ERP customer number must be 1-10 digits, got {value!r}")
    return text.zfill(10)


def change_stamp(moment: datetime) -> str:
    """The sortable UTC text the store orders changes by (microseconds, fixed width)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    """Inverse of :func:`change_stamp`; also accepts any ISO 8601 date-time (naive = UTC)."""
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_flat(row: Mapping[str, str | None]) -> tuple[dict[str, str | None], datetime | None]:
    """One flat-format row -> (native ERP fields incl. AEDAT/AEZET, its ``updated_at`` if valid).

    Persons keep NAME1 = family name, NAME2 = given name, NAME3 = full name; organizations keep the
    company name in NAME1. The ERP holds one e-mail and two phones: further values of a ``;``-joined
    list are not part of this system's data. An impossible ``updated_at`` is kept as text in
    AEDAT/AEZET (as migrated SAP data can hold), while the change order uses the seeding time.
    """
    record_type = (row.get("record_type") or "person").strip()
    if record_type not in ACCOUNT_GROUPS:
        raise ValueError(f"record_type must be person or organization, got {record_type!r}")
    if record_type == "organization":
        name1, name2, name3 = row.get("organization_name") or row.get("full_name"), None, None
    else:
        name1, name2, name3 = row.get("family_name"), row.get("given_name"), row.get("full_name")
    phones = _split(row.get("phone"))
    native = {
        "KUNNR": customer_number(row.get("source_id") or ""),
        "KTOKD": ACCOUNT_GROUPS[record_type],
        "NAME1": name1,
        "NAME2": name2,
        "NAME3": name3,
        "STRAS": row.get("street"),
        "PSTLZ": row.get("postal_code"),
        "ORT01": row.get("city"),
        "LAND1": row.get("country"),
        "TELF1": phones[0] if phones else None,
        "TELF2": phones[1] if len(phones) > 1 else None,
        "SMTP_ADDR": (_split(row.get("email")) or [None])[0],
        "STCD1": row.get("tax_id"),
        "GBDAT": row.get("date_of_birth"),
    }
    changed, native["AEDAT"], native["AEZET"] = _change_time(row.get("updated_at"))
    return {k: (v or None) for k, v in native.items()}, changed


def _change_time(value: str | None) -> tuple[datetime | None, str | None, str | None]:
    """(valid change time or None, AEDAT text, AEZET text) of a flat ``updated_at``."""
    if not value:
        return None, None, None
    try:
        moment = parse_stamp(value)
    except ValueError:
        day, _, clock = value.strip().partition("T")
        return None, day, clock.rstrip("Z") or "00:00:00"
    return moment, *split_stamp(change_stamp(moment))


def split_stamp(stamp: str) -> tuple[str, str]:
    """A change stamp -> SAP's AEDAT (date) and AEZET (time of day), both UTC."""
    moment = parse_stamp(stamp)
    return moment.date().isoformat(), moment.time().isoformat(timespec="microseconds")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]
