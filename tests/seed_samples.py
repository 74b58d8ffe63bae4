"""Hand-made flat rows in several scripts that the connector suites seed their local systems with.

Every suite gets the same customers (Bulgarian, Thai, Chinese, Vietnamese, German, Persian, English; one
organisation or two; one malformed e-mail) so that a difference between suites is a difference between
the systems, not between the data. Row n is modified at 10:00:0(n-1) UTC, except Jürgen Müller (row 5),
written with a +02:00 offset so that the stored order differs from the written one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

IVAN = dict(given_name="Иван", family_name="Петров", email="ivan.petrov@example.bg", phone="088 123 4567",
            street="ул. Витоша 12", postal_code="1000", city="София", country="BG",
            date_of_birth="1980-05-17")
SOMCHAI = dict(given_name="สมชาย", family_name="ใจดี", email="somchai@example.co.th", phone="081 234 5678",
               city="กรุงเทพมหานคร", country="TH")
CHEN = dict(given_name="志明", family_name="陳", email="chen.zm@example.com.tw", phone="0912 345 678",
            city="台北市", country="TW")
NGUYEN = dict(given_name="Văn An", family_name="Nguyễn", email="an.nguyen@example.vn", phone="091 234 56 78",
              city="Hà Nội", country="VN")
JURGEN = dict(given_name="Jürgen", family_name="Müller", email="J.Mueller@Example.de;juergen@work.example.de",
              phone="030 1234567;0171 1234567", street="Hauptstraße 5", postal_code="10115", city="Berlin",
              country="DE")
MUELLER_BAU = dict(record_type="organization", organization_name="Müller Bau GmbH",
                   email="info@muellerbau.example.de", country="DE", tax_id="DE123456789")
TSMC = dict(record_type="organization", organization_name="台積電股份有限公司",
            email="contact@tsmc.example.com.tw", city="新竹市", country="TW")
REZAEI = dict(given_name="محمد", family_name="رضایی", email="m.rezaei@example.ir", country="IR")
SMITH = dict(given_name="john", family_name="smith", email="john.smith@example.com", phone="(202) 555-0143",
             country="US")
BROKEN_MAIL = dict(given_name="Broken", family_name="Mail", email="broken@@example", country="GB")
OLIVIA = dict(given_name="Olivia", family_name="Brown", email="olivia@example.co.uk", country="GB")

#: A shop: one organisation, a lower-case US customer; the malformed e-mail is row 9.
SHOP_CUSTOMERS = (IVAN, SOMCHAI, CHEN, NGUYEN, JURGEN, MUELLER_BAU, REZAEI, SMITH, BROKEN_MAIL, OLIVIA)
#: A CRM suite: two organisations (Accounts), the rest Contacts; the malformed e-mail is row 9.
CRM_CUSTOMERS = (IVAN, SOMCHAI, CHEN, NGUYEN, JURGEN, {**MUELLER_BAU, "phone": "030 7654321"}, TSMC, REZAEI,
                 BROKEN_MAIL, OLIVIA)


def flat_record(system: str, source_id: str, updated_at: str, **values: str) -> dict[str, str]:
    return {"source_system": system, "source_id": source_id, "record_type": "person",
            "updated_at": updated_at, **values}


def seed_rows(
    system: str,
    customers: tuple[Mapping[str, Any], ...],
    source_id: Callable[[int], str] = str,
    jurgen_written_at: str = "2024-01-01T10:00:04+02:00",
    **drop: tuple[str, ...],
) -> list[dict[str, str]]:
    """Rows 1..n of ``customers``; ``drop={"date_of_birth": (1,)}`` leaves a field out of those rows
    (a system without that field)."""
    rows = []
    for number, values in enumerate(customers, start=1):
        updated_at = jurgen_written_at if values is JURGEN else f"2024-01-01T10:00:0{number - 1}Z"
        kept = {k: v for k, v in values.items() if number not in drop.get(k, ())}
        rows.append(flat_record(system, source_id(number), updated_at, **kept))
    return rows


def defect_only_in_full_name(row: Mapping[str, str]) -> bool:
    """A generated malformed person whose defect (an overlong name) sits in ``full_name`` next to a
    family name: systems that store first and last name only (Salesforce, Shopify) never see it."""
    return row["record_type"] == "person" and bool(row["family_name"]) and len(row["full_name"]) > 255
