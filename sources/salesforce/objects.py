"""The two Salesforce objects the hub reads (Account, Contact): their fields, record ids, and how flat seed
rows become records in Salesforce's own shape.

Record ids follow Salesforce: a 3-character key prefix naming the object (``001`` Account, ``003``
Contact), a 12-character body, and the 3-character case-safe suffix that makes the 18-character id.
Countries use the ISO codes of *State and Country Picklists* (``MailingCountryCode``), the tax number
is a custom field, and the hub's golden id lives in the custom field ``CRM_Golden_Id__c``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

KEY_PREFIXES = {"Account": "001", "Contact": "003"}
OBJECT_OF_PREFIX = {prefix: name for name, prefix in KEY_PREFIXES.items()}
GOLDEN_ID_FIELD = "CRM_Golden_Id__c"
TAX_ID_FIELD = "Tax_Id__c"

#: Fields the server maintains; a client can read but never write them.
SYSTEM_FIELDS = ("Id", "CreatedDate", "SystemModstamp")
OBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    "Account": (
        "Name",
        "Phone",
        "BillingStreet",
        "BillingCity",
        "BillingPostalCode",
        "BillingCountryCode",
        TAX_ID_FIELD,
        "Website",
        GOLDEN_ID_FIELD,
    ),
    "Contact": (
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "MailingStreet",
        "MailingCity",
        "MailingPostalCode",
        "MailingCountryCode",
        "Birthdate",
        "AccountId",
        GOLDEN_ID_FIELD,
    ),
}
#: Salesforce refuses to save a record without these.
REQUIRED_FIELDS = {"Account": ("Name",), "Contact": ("LastName",)}
#: Fields the server accepts as upsert's externalIDFieldName besides ``Id``.
EXTERNAL_ID_FIELDS = frozenset({GOLDEN_ID_FIELD})

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?")


def id18(id15: str) -> str:
    """Salesforce's case-safe suffix: one letter per 5-character chunk encoding which chars are upper case."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def record_id(sobject: str, number: int) -> str:
    """The ``number``-th record id of an object; digits keep ids in creation order when sorted."""
    return id18(f"{KEY_PREFIXES[sobject]}5g{number:010d}")


def normalise_id(value: str) -> str | None:
    """A 15- or 18-character id as the 18-character form, or ``None`` when it is not an id."""
    text = (value or "").strip()
    if not _ID.fullmatch(text):
        return None
    return id18(text[:15]) if len(text) == 15 or id18(text[:15]) == text else None


def object_of(record_id_: str) -> str | None:
    return OBJECT_OF_PREFIX.get(record_id_[:3])


def stamp(moment: datetime) -> str:
    """Salesforce's dateTime text: UTC with milliseconds (``2024-03-01T08:00:00.000Z``)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def seed_id(row: Mapping[str, str | None], sobject: str) -> str:
    """The record id of a seed row: its ``source_id`` when that is a Salesforce id of the right object,
    else ``source_id`` as a number (``1001`` -> the 1001st record of the object)."""
    source_id = (row.get("source_id") or "").strip()
    given = normalise_id(source_id)
    if given:
        if object_of(given) != sobject:
            raise ValueError(f"id {source_id!r} is not a {sobject} id (key prefix {KEY_PREFIXES[sobject]})")
        return given
    if source_id.isdigit() and len(source_id) <= 10:
        return record_id(sobject, int(source_id))
    raise ValueError(f"source_id must be a Salesforce id or a number, got {source_id!r}")


def from_flat(row: Mapping[str, str | None]) -> tuple[str, str, dict[str, str | None], datetime | None]:
    """A flat row -> (object, id, fields, its ``updated_at`` if valid). Values are kept as given: the
    hub, not the local org, decides what is malformed. Extra e-mails/phones of a ``;`` list are not
    part of this org's data (a Contact has one Email, we keep one Phone)."""
    record_type = (row.get("record_type") or "person").strip()
    if record_type not in ("person", "organization"):
        raise ValueError(f"record_type must be person or organization, got {record_type!r}")
    phone = _first(row.get("phone"))
    if record_type == "organization":
        sobject = "Account"
        fields = {
            "Name": row.get("organization_name") or row.get("full_name"),
            "Phone": phone,
            "BillingStreet": row.get("street"),
            "BillingCity": row.get("city"),
            "BillingPostalCode": row.get("postal_code"),
            "BillingCountryCode": row.get("country"),
            TAX_ID_FIELD: row.get("tax_id"),
            "Website": None,
        }
    else:
        sobject = "Contact"
        family = row.get("family_name") or row.get("full_name")
        fields = {
            "FirstName": row.get("given_name"),
            "LastName": family,
            "Email": _first(row.get("email")),
            "Phone": phone,
            "MailingStreet": row.get("street"),
            "MailingCity": row.get("city"),
            "MailingPostalCode": row.get("postal_code"),
            "MailingCountryCode": row.get("country"),
            "Birthdate": row.get("date_of_birth"),
        }
    try:
        updated = parse_datetime(row["updated_at"]) if row.get("updated_at") else None
    except ValueError:
        updated = None  # SystemModstamp is always valid in Salesforce: the import time is used instead
    return sobject, seed_id(row, sobject), {k: (v or None) for k, v in fields.items()}, updated


def _first(value: str | None) -> str | None:
    parts = [part.strip() for part in (value or "").split(";") if part.strip()]
    return parts[0] if parts else None
