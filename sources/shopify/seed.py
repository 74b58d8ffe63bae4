"""Flat-format rows -> Shopify customers in Shopify's own shape.

A Shopify customer has one e-mail and one (E.164-validated) phone; names are ``first_name`` and
``last_name``; the company and the postal data live on the default address, whose ``phone`` is free
text. So a phone as typed goes to the address (Shopify would refuse it on the customer), further
e-mails/phones are kept in ``note`` for lineage, and an organization is a customer without a personal
name whose default address carries the company. ``created_at``/``updated_at`` are set by Shopify and
can be neither invalid nor in the future: an unparsable or future ``updated_at`` becomes the seeding time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from phonenumbers import geocoder

from sources.shopify.store import UTC_FORMAT, now_utc


def customer_id_of(row: Mapping[str, str]) -> int:
    source_id = (row.get("source_id") or "").strip()
    if not source_id.isdigit() or int(source_id) == 0:
        raise ValueError(f"Shopify customer ids are positive integers, got source_id {source_id!r}")
    return int(source_id)


def customer_from_flat(row: Mapping[str, str]) -> dict[str, Any]:
    value = lambda key: (row.get(key) or "").strip()  # noqa: E731
    customer_id = customer_id_of(row)
    emails, phones = _split(value("email")), _split(value("phone"))
    if value("record_type") == "organization":
        first, last, company = "", "", value("organization_name") or value("full_name")
    else:
        first = value("given_name") or ("" if value("family_name") else value("full_name"))
        last, company = value("family_name"), value("organization_name")
    extras = [f"Other e-mails: {', '.join(emails[1:])}" if emails[1:] else "",
              f"Other phones: {', '.join(phones[1:])}" if phones[1:] else ""]
    stamp = shopify_timestamp(value("updated_at"))
    address = {"id": customer_id * 10 + 1, "first_name": first or None, "last_name": last or None,
               "company": company or None, "address1": value("street") or None, "address2": None,
               "city": value("city") or None, "province": None, "zip": value("postal_code") or None,
               "country_code": value("country") or None, "country": country_name(value("country")),
               "country_name": country_name(value("country")), "phone": phones[0] if phones else None,
               "name": " ".join(p for p in (first, last) if p), "default": True}
    has_address = any(address[k] for k in ("company", "address1", "city", "zip", "country_code", "phone"))
    return {
        "id": customer_id,
        "email": emails[0] if emails else None,
        "first_name": first or None,
        "last_name": last or None,
        "phone": None,
        "note": "\n".join(e for e in extras if e) or None,
        "tags": "",
        "created_at": stamp,
        "updated_at": stamp,
        "addresses": [address] if has_address else [],
    }


def country_name(code: str) -> str | None:
    """English country name via libphonenumber's geocoder (the code itself when it knows none)."""
    if not code:
        return None
    example = phonenumbers.example_number(code.upper()) if len(code) == 2 else None
    return (geocoder.country_name_for_number(example, "en") if example else "") or code


def shopify_timestamp(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        moment = None
    if moment is None:
        return now_utc()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(moment.astimezone(UTC), datetime.now(UTC)).strftime(UTC_FORMAT)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]
