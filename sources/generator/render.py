"""How each source system writes a customer: one flat row per (customer, system) with that system's habits.

- ``erp``: native script, proper case, mostly complete.
- ``legacy_db``: ASCII upper-case romanization, given/family sometimes swapped or only a full name.
- ``legacy_csv``: like legacy_db, plus abbreviated streets and legal forms, "FAMILY, GIVEN" full names.
- ``webshop``: whatever the customer typed — native or Latin, lower case, typos, nicknames, NFD input.

Values are always *valid* (see :mod:`.malformed` for the deliberately broken ones); missing means "".
"""

from __future__ import annotations

import random
import time
from datetime import date

from sources.generator.customers import Address, Customer
from sources.generator.flat import FLAT_COLUMNS, TRUTH_COLUMN
from sources.generator.identifiers import PhoneNumber
from sources.generator.locales import Locale
from sources.generator.names import Name
from sources.generator.text import arabic_letters, decompose, legacy_upper, typo

SYSTEMS = ("erp", "webshop", "legacy_db", "legacy_csv")
ROW_COLUMNS = (*FLAT_COLUMNS, TRUTH_COLUMN)

_CSV_ABBREVIATIONS = (
    (" PUBLIC COMPANY LIMITED", " PCL"),
    (" LIMITED PARTNERSHIP", " LP"),
    (" LIMITED", " LTD"),
    (" CORPORATION", " CORP"),
    (" COMPANY", " CO"),
    (" INTERNATIONAL", " INTL"),
    (" HOLDINGS", " HLDGS"),
)


def iso_timestamp(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class Renderer:
    """Renders customers into flat rows; holds the seed's RNG and the two-year ``updated_at`` window."""

    def __init__(self, rng: random.Random, as_of_ts: int, span_seconds: int = 2 * 365 * 86400):
        self.rng = rng
        self.end = as_of_ts
        self.span = span_seconds

    # --- one customer in all its systems ----------------------------------------------------------

    def customer_rows(
        self, c: Customer, systems: tuple[str, ...], duplicate_in: str | None
    ) -> list[dict[str, str]]:
        """Rows of ``c`` in ``systems`` (+ a second row in ``duplicate_in``), with history spread over them.

        If the customer moved, one system (preferably a legacy one) still has the old address, and its
        row is older than the move; the other rows are newer.
        """
        rng = self.rng
        start, end = self.end - self.span, self.end
        move = rng.randint(start + self.span // 4, end - self.span // 8)
        stale = ""
        if (c.old_address is not None or c.old_phone is not None) and len(systems) > 1:
            legacy = [s for s in systems if s.startswith("legacy")]
            stale = rng.choice(legacy or systems[1:])
        rows = []
        for system in systems:
            old = system == stale
            ts = rng.randint(start, move) if old else rng.randint(move, end)
            rows.append(self.row(c, system, ts, old))
        if duplicate_in:
            rows.append(self.row(c, duplicate_in, rng.randint(move, end), False))
        return rows

    def row(self, c: Customer, system: str, ts: int, old: bool) -> dict[str, str]:
        row = getattr(self, f"_{system}")(c, old)
        row["source_system"] = system
        row["source_id"] = ""
        row["updated_at"] = iso_timestamp(ts)
        row["truth_id"] = c.truth_id
        return {column: row[column] for column in ROW_COLUMNS}  # stable column order for every row

    # --- systems ----------------------------------------------------------------------------------

    def _erp(self, c: Customer, old: bool) -> dict[str, str]:
        rnd = self.rng.random
        loc = c.locale
        row = self._address(c.old_address if old and c.old_address else c.address, "native", missing=0.03)
        row["country"] = loc.country
        row["phone"] = self._phones(c, old, 0.15, both=0.5, missing=0.08)
        if c.record_type == "organization":
            row.update(
                record_type="organization",
                given_name="",
                family_name="",
                full_name="",
                organization_name=c.org_native,
                date_of_birth="",
                tax_id=c.tax_id if rnd() < 0.85 else "",
                email=";".join(c.emails) if rnd() < 0.4 else c.emails[0],
            )
            return row
        full = _full(loc, c.given.native, c.family.native, c.suffix)
        emails = c.emails if rnd() < 0.2 else c.emails[-1:] if rnd() < 0.4 else c.emails[:1]
        row.update(
            record_type="person",
            given_name=c.given.native,
            family_name=c.family.native,
            full_name=full if c.suffix or rnd() < 0.8 else "",
            organization_name="",
            date_of_birth=c.dob.isoformat() if rnd() < 0.85 else "",
            tax_id="",
            email=";".join(emails) if rnd() > 0.1 else "",
        )
        return row

    def _legacy_db(self, c: Customer, old: bool, csv: bool = False) -> dict[str, str]:
        rng = self.rng
        rnd = rng.random
        loc = c.locale
        row = self._address(
            c.old_address if old and c.old_address else c.address, "abbrev" if csv else "latin", missing=0.05
        )
        row["country"] = loc.country if rnd() < 0.92 else ""
        row["phone"] = self._phones(c, old, 0.4 if row["country"] else 1.0, both=0.2, missing=0.2)
        email = c.emails[0] if rnd() < 0.55 else ""
        row["email"] = email.upper() if rnd() < 0.5 else email
        if c.record_type == "organization":
            name = legacy_upper(c.org_latin)
            if rnd() < 0.4:
                name = name.replace(".", "").replace(",", "")
            if csv:
                name = _abbreviate(name) if rnd() < 0.7 else name
                name = legacy_upper(c.org_short_latin) if rnd() < 0.15 else name
            row.update(
                record_type="organization",
                given_name="",
                family_name="",
                full_name="",
                organization_name=name,
                date_of_birth="",
                tax_id=_tax_variant(rng, c.tax_id, 0.5),
            )
            return row
        given = legacy_upper(self._latin(loc, c.given, 0.2))
        family = legacy_upper(self._latin(loc, c.family, 0.2))
        if c.suffix and rnd() < 0.6:
            family = f"{family} {c.suffix.rstrip('.').upper()}"
        full = ""
        layout = rnd()
        if layout < 0.1:
            given, family = family, given
        elif layout < 0.3:
            if csv and rnd() < 0.5:
                full = f"{family}, {given}"
            else:
                full = f"{family} {given}" if loc.family_first else f"{given} {family}"
            given = family = ""
        dob = c.dob
        if rnd() < 0.05 and dob.day <= 12 and dob.day != dob.month:
            dob = date(dob.year, dob.day, dob.month)
        row.update(
            record_type="person",
            given_name=given,
            family_name=family,
            full_name=full,
            organization_name="",
            date_of_birth=dob.isoformat() if rnd() < 0.75 else "",
            tax_id="",
        )
        return row

    def _legacy_csv(self, c: Customer, old: bool) -> dict[str, str]:
        return self._legacy_db(c, old, csv=True)

    def _webshop(self, c: Customer, old: bool) -> dict[str, str]:
        rng = self.rng
        rnd = rng.random
        loc = c.locale
        native = rnd() < (0.85 if loc.script.startswith("Latin") else 0.5)
        row = self._address(
            c.old_address if old and c.old_address else c.address,
            "native" if native else "typed",
            missing=0.15,
        )
        row["country"] = loc.country if rnd() < 0.95 else ""
        row["phone"] = self._phones(c, old, 0.3 if row["country"] else 1.0, both=0.0, missing=0.3)
        case = rnd()
        if c.record_type == "organization":
            name = (
                (c.org_short_native if native else c.org_short_latin)
                if rnd() < 0.5
                else (c.org_native if native else c.org_latin)
            )
            if rnd() < 0.1:
                name = typo(rng, name)
            row.update(
                record_type="organization",
                given_name="",
                family_name="",
                full_name="",
                organization_name=_case(name, case),
                date_of_birth="",
                tax_id=_tax_variant(rng, c.tax_id, 0.25),
                email=rng.choice(c.emails),
            )
            return row
        if native:
            given, family = c.given.native, c.family.native
        else:
            given, family = self._latin(loc, c.given, 0.35), self._latin(loc, c.family, 0.35)
        # Nicknames: Thai ชื่อเล่น in either script, Western short forms, or the adopted English name of a
        # Taiwanese/Hong Kong customer (only when typing in Latin letters).
        if c.nickname is not None and (c.nickname.latin or not native or not loc.english_m) and rnd() < 0.3:
            given = c.nickname.native if native or not c.nickname.latin else c.nickname.latin
        if rnd() < 0.15:
            edits = 2 if rnd() < 0.2 else 1
            if rnd() < 0.5:
                given = typo(rng, given, edits)
            else:
                family = typo(rng, family, edits)
        if native and loc.code == "fa_IR" and rnd() < 0.3:
            given, family = arabic_letters(given), arabic_letters(family)
        if native and loc.code == "vi_VN" and rnd() < 0.15:
            given, family = decompose(given), decompose(family)
        full = ""
        if rnd() < 0.35:
            western = not native and loc.family_first and rnd() < 0.4
            full = _full(loc, given, family, c.suffix if rnd() < 0.5 else "", western)
            given = family = ""
        email = c.other_email if c.other_email and rnd() < 0.5 else c.emails[0]
        row.update(
            record_type="person",
            given_name=_case(given, case),
            family_name=_case(family, case),
            full_name=_case(full, case),
            organization_name="",
            date_of_birth=c.dob.isoformat() if rnd() < 0.4 else "",
            tax_id="",
            email=email,
        )
        return row

    # --- parts ------------------------------------------------------------------------------------

    def _latin(self, loc: Locale, name: Name, alt: float) -> str:
        alts = loc.alt_latin(name)
        if alts and self.rng.random() < alt:
            return self.rng.choice(alts)
        return loc.latin(name)

    def _address(self, a: Address, style: str, missing: float) -> dict[str, str]:
        rnd = self.rng.random
        if rnd() < missing:
            return {"street": "", "postal_code": "", "city": ""}
        postal = a.postal_code if rnd() > missing else ""
        if style == "native":
            return {"street": a.street_native, "postal_code": postal, "city": a.city_native}
        if style == "typed":
            street, city = a.street_latin, a.city_latin
            if rnd() < 0.2:
                street, city = street.lower(), city.lower()
            return {"street": street, "postal_code": postal, "city": city}
        if a.country == "IR" and postal and rnd() < 0.3:
            postal = f"{postal[:5]}-{postal[5:]}"
        street = a.street_abbrev if style == "abbrev" else a.street_latin
        return {"street": legacy_upper(street), "postal_code": postal, "city": legacy_upper(a.city_latin)}

    def _phones(self, c: Customer, old: bool, international: float, both: float, missing: float) -> str:
        rng = self.rng
        phones: list[PhoneNumber] = c.phones
        if old and c.old_phone is not None:
            phones = [c.old_phone, *phones[1:]]
        if not phones or rng.random() < missing:
            return ""
        chosen = phones if len(phones) > 1 and rng.random() < both else [rng.choice(phones)]
        return ";".join(p.written(rng, international) for p in chosen)


def _full(loc: Locale, given: str, family: str, suffix: str, western: bool = False) -> str:
    """Full name in the locale's order ("陳志明", "Nguyễn Văn An", "Chen Chih-Ming") or Western order."""
    if loc.family_first and not western:
        name = f"{family}{' ' if loc.spaced or given.isascii() else ''}{given}"
    else:
        name = f"{given} {family}"
    return f"{name} {suffix}" if suffix else name


def _case(text: str, r: float) -> str:
    """Web-shop typing habits: 15% all lower case, 5% all upper case, the rest as given."""
    if r < 0.15:
        return text.lower()
    if r < 0.2:
        return text.upper()
    return text


def _abbreviate(name: str) -> str:
    for long, short in _CSV_ABBREVIATIONS:
        name = name.replace(long, short)
    return name


def _tax_variant(rng: random.Random, tax_id: str, present: float) -> str:
    """Tax ids as other systems store them: sometimes missing, without country prefix, or spaced."""
    r = rng.random()
    if r >= present:
        return ""
    prefix, number = (tax_id[:2], tax_id[2:]) if tax_id[:2].isalpha() else ("", tax_id)
    if prefix and r < present * 0.3:
        return number
    if r < present * 0.45:
        spaced = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
        return f"{prefix} {spaced}" if prefix else spaced
    return tax_id
