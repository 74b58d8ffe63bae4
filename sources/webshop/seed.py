"""Turn flat-format rows into web-shop customers in WooCommerce's native shape, plus a few orders each.

The shop stores what the customer typed: values are not cleaned here (a bad e-mail stays bad, so the
connector must quarantine it). WooCommerce has one login e-mail and one billing phone, so further
e-mails/phones of a flat row are kept as ``meta_data`` for lineage but are not part of the account.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sources.timestamps import parse_utc
from sources.webshop.store import now_gmt

#: Meta keys the seeding writes (and the connector maps); WooCommerce plugins store such extras as meta.
META_DATE_OF_BIRTH = "date_of_birth"
META_VAT_NUMBER = "vat_number"
META_MORE_EMAILS = "additional_emails"
META_MORE_PHONES = "additional_phones"

CURRENCIES = {"DE": "EUR", "BG": "BGN", "TH": "THB", "VN": "VND", "TW": "TWD", "HK": "HKD", "IR": "IRR",
              "GB": "GBP", "US": "USD"}
ORDER_STATUSES = ("completed", "completed", "completed", "processing", "refunded", "cancelled")


def customer_from_flat(row: Mapping[str, str]) -> dict[str, Any]:
    """One flat row (``source_system`` webshop) as a WooCommerce customer dict; ``ValueError`` if no id."""
    source_id = (row.get("source_id") or "").strip()
    if not source_id.isdigit():
        raise ValueError(f"webshop customer ids are integers, got source_id {source_id!r}")
    value = _reader(row)
    emails = _split(value("email"))
    phones = _split(value("phone"))
    if value("record_type") == "organization":
        first_name, last_name = "", ""
        company = value("organization_name") or value("full_name")
    else:
        first_name = value("given_name") or ("" if value("family_name") else value("full_name"))
        last_name = value("family_name")
        company = value("organization_name")
    modified = gmt_timestamp(value("updated_at"))
    meta = [(META_DATE_OF_BIRTH, value("date_of_birth")), (META_VAT_NUMBER, value("tax_id")),
            (META_MORE_EMAILS, ";".join(emails[2:])), (META_MORE_PHONES, ";".join(phones[1:]))]
    present = [(key, meta_value) for key, meta_value in meta if meta_value]
    email = emails[0] if emails else ""
    return {
        "id": int(source_id),
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "username": email.split("@")[0] if "@" in email else f"customer{source_id}",
        "date_created_gmt": modified,
        "date_modified_gmt": modified,
        "billing": {
            "first_name": first_name, "last_name": last_name, "company": company,
            "address_1": value("street"), "city": value("city"), "postcode": value("postal_code"),
            "country": value("country"), "email": emails[1] if len(emails) > 1 else email,
            "phone": phones[0] if phones else "",
        },
        "meta_data": [{"id": i, "key": k, "value": v} for i, (k, v) in enumerate(present, 1)],
    }


def orders_for(customer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """0-4 orders, deterministic per customer id, so lifetime value is reproducible across restarts."""
    rng = random.Random(customer["id"])
    try:
        created = datetime.fromisoformat(customer["date_created_gmt"])
    except ValueError:  # a corrupted import date (see gmt_timestamp)
        created = datetime(2024, 1, 1)
    currency = CURRENCIES.get(customer["billing"].get("country", ""), "USD")
    return [
        {
            "customer_id": customer["id"],
            "status": rng.choice(ORDER_STATUSES),
            "currency": currency,
            "total": f"{rng.uniform(5, 500):.2f}",
            "date_created_gmt": (created - timedelta(days=rng.randint(0, 365))).strftime("%Y-%m-%dT%H:%M:%S"),
        }
        for _ in range(rng.randint(0, 4))
    ]


def gmt_timestamp(value: str) -> str:
    """ISO 8601 (date, naive = UTC, or with offset) -> WooCommerce GMT format; empty -> now.

    An unparsable value is stored as it is (a corrupted import): silently replacing it would hide the
    defect, while kept as is the connector quarantines the customer with the reason.
    """
    if not value.strip():
        return now_gmt()
    parsed = parse_utc(value)
    return value if parsed is None else parsed.strftime("%Y-%m-%dT%H:%M:%S")


def _reader(row: Mapping[str, str]):
    return lambda key: row.get(key) or ""


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]
