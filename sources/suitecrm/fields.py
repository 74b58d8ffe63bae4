"""SuiteCRM's Accounts and Contacts as the local system stores them: field names, dates, seeding.

Field names are SuiteCRM's own vardefs (``billing_address_city``, ``primary_address_city``, ``email1``);
fields ending in ``_c`` are custom fields an admin adds in Studio (the golden id, a VAT number).
Dates are stored like SuiteCRM's MySQL ``datetime`` columns (``YYYY-MM-DD HH:MM:SS``, UTC) and shown
by the API in ISO 8601 (``DateTime::ATOM``). A value MySQL could not store becomes MySQL's zero date,
which SuiteCRM renders as ``-0001-11-30T00:00:00+00:00``: the connector must quarantine it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sources.mysql_time import DB_FORMAT, ZERO_DATE, db_datetime

GOLDEN_ID_FIELD = "crm_golden_id_c"
ZERO_DATE_ATOM = "-0001-11-30T00:00:00+00:00"  # what PHP's strtotime/date make of MySQL's zero date
SYSTEM_FIELDS = ("date_entered", "date_modified", "deleted")

#: module name (URL, PATCH ``type``) -> bean object name (``type`` of returned resources)
OBJECT_NAMES = {"Accounts": "Account", "Contacts": "Contact"}
MODULE_FIELDS: dict[str, tuple[str, ...]] = {
    "Accounts": ("name", "email1", "email2", "phone_office", "phone_alternate", "billing_address_street",
                 "billing_address_city", "billing_address_postalcode", "billing_address_country", "website",
                 "vat_id_c", GOLDEN_ID_FIELD, *SYSTEM_FIELDS),
    "Contacts": ("first_name", "last_name", "email1", "email2", "phone_work", "phone_mobile",
                 "primary_address_street", "primary_address_city", "primary_address_postalcode",
                 "primary_address_country", "birthdate", GOLDEN_ID_FIELD, *SYSTEM_FIELDS),
}
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$")  # SuiteCRM ids are char(36)


def atom(value: str) -> str:
    """Stored datetime -> what the API shows (PHP ``date(DateTime::ATOM, strtotime(...))``)."""
    if value == ZERO_DATE:
        return ZERO_DATE_ATOM
    try:
        return datetime.strptime(value, DB_FORMAT).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    except ValueError:
        return value


def record_from_flat(row: Mapping[str, str]) -> tuple[str, str, dict[str, Any]]:
    """A flat row as ``(module, id, attributes)``; values are stored as typed (bad ones stay bad).

    SuiteCRM's legacy fields hold two e-mails and two phones per record; further ones are not kept.

    ``ValueError`` when the row cannot be a SuiteCRM record at all (its id does not fit ``char(36)``).
    """
    record_id = (row.get("source_id") or "").strip()
    if not ID_PATTERN.match(record_id):
        raise ValueError(f"SuiteCRM ids are up to 36 letters, digits, '-', '_' or '.', got {record_id!r}")
    value = lambda key: (row.get(key) or "").strip()  # noqa: E731 - a local reader
    emails = [part.strip() for part in value("email").split(";") if part.strip()]
    phones = [part.strip() for part in value("phone").split(";") if part.strip()]
    modified = db_datetime(value("updated_at"))
    common = {"email1": emails[0] if emails else "", "email2": emails[1] if len(emails) > 1 else "",
              GOLDEN_ID_FIELD: "", "date_entered": modified, "date_modified": modified, "deleted": "0"}
    if value("record_type") == "organization":
        return "Accounts", record_id, {
            **common, "name": value("organization_name") or value("full_name"),
            "phone_office": phones[0] if phones else "",
            "phone_alternate": phones[1] if len(phones) > 1 else "",
            "billing_address_street": value("street"), "billing_address_city": value("city"),
            "billing_address_postalcode": value("postal_code"), "billing_address_country": value("country"),
            "website": "", "vat_id_c": value("tax_id"),
        }
    has_parts = value("given_name") or value("family_name")
    return "Contacts", record_id, {
        **common, "first_name": value("given_name"),
        "last_name": value("family_name") if has_parts else value("full_name"),
        "phone_work": phones[0] if phones else "", "phone_mobile": phones[1] if len(phones) > 1 else "",
        "primary_address_street": value("street"), "primary_address_city": value("city"),
        "primary_address_postalcode": value("postal_code"), "primary_address_country": value("country"),
        "birthdate": value("date_of_birth"),
    }
