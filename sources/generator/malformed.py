"""Deliberately broken rows for quarantine tests: each breaks exactly one rule of ``CustomerRecord``.

They start as ordinary rendered rows (so everything else about them is realistic) and get one defect.
Their ``truth_id`` is ``BAD-<kind>-<n>`` so benchmarks can drop them with one prefix test.
"""

from __future__ import annotations

import random

#: One defect each; the order is the round-robin order, so even a few bad rows cover every kind.
MALFORMED_KINDS = (
    "invalid_email",
    "impossible_date",
    "control_character",
    "overlong_field",
    "missing_name",
    "invalid_phone",
    "invalid_country",
)

BAD_PREFIX = "BAD-"
_NAME_FIELDS = ("given_name", "family_name", "full_name", "organization_name")
_COUNTRY_WORDS = (
    "Deutschland",
    "Thailand",
    "Viet Nam",
    "Taiwan",
    "Iran",
    "България",
    "United Kingdom",
    "USA",
)


def corrupt(rng: random.Random, row: dict[str, str], kind: str, serial: int) -> dict[str, str]:
    """Return ``row`` (modified in place) with one defect of ``kind`` and a ``BAD-`` truth id."""
    if kind == "invalid_email":
        local = row["email"].split("@")[0].split(";")[0] or "customer"
        row["email"] = rng.choice(
            (f"{local}.gmail.com", f"{local}@@mail.com", f"{local}@", f"{local} at home")
        )
    elif kind == "impossible_date":
        year = rng.randint(1950, 2000)
        field = "date_of_birth" if row["record_type"] == "person" else "updated_at"
        row[field] = rng.choice((f"{year}-02-30", f"{year}-13-05", f"{year}-04-31", f"{year}-00-10"))
    elif kind == "control_character":
        field = next((f for f in _NAME_FIELDS if row[f]), "full_name")
        text = row[field] or "x"
        pos = rng.randint(0, len(text))
        row[field] = text[:pos] + rng.choice(("\x01", "\x07", "\x08", "\x1b", "\x7f")) + text[pos:]
    elif kind == "overlong_field":
        field = rng.choice(("street", "full_name"))
        seed = row[field] or row["city"] or "Lorem ipsum"
        row[field] = " ".join([seed] * (520 // max(len(seed), 1) + 2))
    elif kind == "missing_name":
        for field in _NAME_FIELDS:
            row[field] = ""
    elif kind == "invalid_phone":
        row["phone"] = rng.choice(("12", "call me", "+99 12", "000"))
    elif kind == "invalid_country":
        row["country"] = rng.choice(_COUNTRY_WORDS)
    else:
        raise ValueError(f"unknown malformed kind {kind!r}; known: {', '.join(MALFORMED_KINDS)}")
    row["truth_id"] = f"{BAD_PREFIX}{kind}-{serial:06d}"
    return row
