"""vTiger's Accounts and Contacts as the local system stores them: field names, ids, seeding.

Field names are vTiger's own (``accountname``, ``bill_city``, ``mailingcity``, ``email``); custom fields
are ``cf_*``. Webservice ids are ``<entity type id>x<crmid>`` (``11x`` Accounts, ``12x`` Contacts); crmids
are unique across modules. ``modifiedtime`` is the database's ``YYYY-MM-DD HH:MM:SS`` (UTC here); a value
the database could not hold becomes MySQL's zero date, which the connector must quarantine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sources.mysql_time import db_datetime

GOLDEN_ID_FIELD = "cf_crm_golden_id"
ADMIN_USER_ID = "19x1"
MAX_QUERY_ROWS = 100  # vTiger answers at most 100 rows per query

PREFIXES = {"Accounts": "11", "Contacts": "12"}
MODULE_FIELDS: dict[str, tuple[str, ...]] = {
    "Accounts": ("accountname", "account_no", "email1", "email2", "phone", "otherphone", "bill_street",
                 "bill_city", "bill_code", "bill_country", "website", "cf_vat_id", GOLDEN_ID_FIELD,
                 "assigned_user_id", "createdtime", "modifiedtime"),
    "Contacts": ("firstname", "lastname", "contact_no", "email", "secondaryemail", "phone", "mobile",
                 "mailingstreet", "mailingcity", "mailingzip", "mailingcountry", "birthday", GOLDEN_ID_FIELD,
                 "assigned_user_id", "createdtime", "modifiedtime"),
}
MANDATORY = {"Accounts": ("accountname", "assigned_user_id"), "Contacts": ("lastname", "assigned_user_id")}
READ_ONLY = ("account_no", "contact_no", "createdtime", "modifiedtime")
WS_ID = re.compile(r"^(\d+)x(\d+)$")


def split_ws_id(ws_id: str) -> tuple[str, int] | None:
    """``"12x34"`` -> ``("Contacts", 34)``; ``None`` for anything else."""
    match = WS_ID.match(str(ws_id).strip())
    if not match:
        return None
    module = next((name for name, prefix in PREFIXES.items() if prefix == match.group(1)), None)
    return (module, int(match.group(2))) if module else None


def record_from_flat(row: Mapping[str, str]) -> tuple[str, str, int, dict[str, Any]]:
    """A flat row as ``(module, webservice id, crmid, fields)``; values are stored as typed.

    The source id is a crmid (digits) or a webservice id of the row's module (``12x34``); anything
    else raises ``ValueError``. vTiger keeps two e-mails and two phones per record; further ones are
    not kept.
    """
    value = lambda key: (row.get(key) or "").strip()  # noqa: E731 - a local reader
    module = "Accounts" if value("record_type") == "organization" else "Contacts"
    source_id = value("source_id")
    parsed = split_ws_id(source_id)
    if source_id.isdigit() and int(source_id) > 0:
        crmid = int(source_id)
    elif parsed and parsed[0] == module:
        crmid = parsed[1]
    else:
        raise ValueError(f"vTiger ids are crmids (digits) or {PREFIXES[module]}x<crmid> for {module}, "
                         f"got {source_id!r}")
    emails = [part.strip() for part in value("email").split(";") if part.strip()]
    phones = [part.strip() for part in value("phone").split(";") if part.strip()]
    first = lambda items: items[0] if items else ""  # noqa: E731
    second = lambda items: items[1] if len(items) > 1 else ""  # noqa: E731
    modified = db_datetime(value("updated_at"))
    common = {"assigned_user_id": ADMIN_USER_ID, "createdtime": modified, "modifiedtime": modified,
              GOLDEN_ID_FIELD: "", "phone": first(phones)}
    if module == "Accounts":
        fields = {**common, "accountname": value("organization_name") or value("full_name"),
                  "account_no": f"ACC{crmid}", "email1": first(emails), "email2": second(emails),
                  "otherphone": second(phones), "bill_street": value("street"), "bill_city": value("city"),
                  "bill_code": value("postal_code"), "bill_country": value("country"), "website": "",
                  "cf_vat_id": value("tax_id")}
    else:
        has_parts = value("given_name") or value("family_name")
        fields = {**common, "firstname": value("given_name"),
                  "lastname": value("family_name") if has_parts else value("full_name"),
                  "contact_no": f"CON{crmid}", "email": first(emails), "secondaryemail": second(emails),
                  "mobile": second(phones), "mailingstreet": value("street"), "mailingcity": value("city"),
                  "mailingzip": value("postal_code"), "mailingcountry": value("country"),
                  "birthday": value("date_of_birth")}
    return module, f"{PREFIXES[module]}x{crmid}", crmid, fields
