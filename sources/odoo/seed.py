"""Flat-format rows -> ``res.partner`` values in Odoo's own shape.

Odoo keeps one ``name`` per partner (no first/last split), a company flag, one e-mail field (several
addresses typed comma-separated, as users do), ``phone`` and ``mobile``, and the country as a link to
``res.country``. A contact whose company is in the same batch is linked with ``parent_id``; otherwise
the company's name goes to ``company_name``, the field Odoo has for exactly that. ``res.partner`` has
no birth date, so that flat column is not stored. ``write_date`` is managed by Odoo and can never be
invalid: a row whose ``updated_at`` does not parse gets the seeding time instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sources.odoo.store import now_utc, odoo_datetime

#: English country names for the codes the generator uses (others are named by their code).
COUNTRY_NAMES = {"BG": "Bulgaria", "DE": "Germany", "AT": "Austria", "CH": "Switzerland",
                 "GB": "United Kingdom", "US": "United States", "TH": "Thailand", "VN": "Vietnam",
                 "TW": "Taiwan", "HK": "Hong Kong", "IR": "Iran", "CN": "China", "FR": "France"}


def partner_id_of(row: Mapping[str, str]) -> int:
    source_id = (row.get("source_id") or "").strip()
    if not source_id.isdigit() or int(source_id) == 0:
        raise ValueError(f"Odoo partner ids are positive integers, got source_id {source_id!r}")
    return int(source_id)


def partner_from_flat(row: Mapping[str, str], country_id: int | None,
                      companies: Mapping[str, int]) -> dict[str, Any]:
    """One flat row as ``res.partner`` column values (``companies``: organization name -> partner id)."""
    value = lambda key: (row.get(key) or "").strip()  # noqa: E731
    is_company = value("record_type") == "organization"
    if is_company:
        name = value("organization_name") or value("full_name")
    else:
        name = value("full_name") or " ".join(p for p in (value("given_name"), value("family_name")) if p)
    company = "" if is_company else value("organization_name")
    emails, phones = _split(value("email")), _split(value("phone"))
    try:
        stamp = odoo_datetime(value("updated_at")) if value("updated_at") else now_utc()
    except ValueError:
        stamp = now_utc()
    parent = companies.get(company) if company else None
    return {
        "id": partner_id_of(row),
        "name": name or None,
        "is_company": int(is_company),
        "type": "contact",
        "parent_id": parent,
        "company_name": (company or None) if parent is None else None,
        "email": ", ".join(emails) or None,
        "phone": phones[0] if phones else None,
        "mobile": ", ".join(phones[1:]) or None,
        "street": value("street") or None,
        "zip": value("postal_code") or None,
        "city": value("city") or None,
        "country_id": country_id,
        "vat": value("tax_id") or None,
        "create_date": stamp,
        "write_date": stamp,
    }


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]
