"""How each of the three systems writes a customer: native ERP, ASCII upper-case legacy, typed web shop."""

from __future__ import annotations

import random

from bench.specgen.corrupt import LEGACY_WIDTH, NICKNAMES, Corruptor
from bench.specgen.entities import LEGAL_FORMS, Entity, native_org_name
from bench.specgen.pools import COUNTRIES, FAMILY_FIRST
from bench.specgen.translit import SYSTEMS, romanise

SYSTEM_NAMES = ("erp", "legacy", "webshop")
#: Chance that a customer has at least one record in each system.
PRESENCE = {"erp": 0.65, "legacy": 0.5, "webshop": 0.5}


def phone_text(rng: random.Random, country: str, number: str, style: str) -> str:
    code = COUNTRIES[country][2]
    trunk = "" if country == "US" else "0"
    if style == "e164":
        return f"+{code}{number}"
    if style == "intl_spaced":
        return f"+{code} {number[:3]} {number[3:]}"
    if style == "digits":
        return f"{trunk}{number}"
    return f"({trunk}{number[:3]}) {number[3:6]}-{number[6:]}"


def _romanised_org(rng: random.Random, e: Entity, system: str, std: str, c: Corruptor) -> str:
    stem = romanise(e.stem, e.country, std)
    forms = LEGAL_FORMS[e.country][e.legal_form]
    if c.roll("legal_form_dropped", system):
        return stem
    if c.roll("legal_form_variant", system):
        return f"{stem} {rng.choice(forms[1])}"
    return f"{stem} {romanise(forms[0].replace('{}', '').strip(), e.country, std)}".strip()


def render(e: Entity, system: str, rng: random.Random, c: Corruptor, moved: bool) -> dict[str, str | None]:
    """One source record of ``e`` as ``system`` holds it (before the source id is assigned)."""
    street, house, town, postal = (
        e.moved_to if moved and e.moved_to else (e.street, e.house, e.town, e.postal_code)
    )
    keep_phone = not moved or rng.random() < 0.5  # a move keeps the phone or the e-mail (or both)
    keep_email = not moved or not keep_phone or rng.random() < 0.5
    native = system == "erp" or (
        system == "webshop"
        and e.country not in {"US", "GB", "DE"}
        and c.roll("webshop_native_script", system)
    )
    std = rng.choice(SYSTEMS.get(e.country, ("plain",)))
    rom = (
        (lambda v: v)
        if native or e.country in {"US", "GB"}
        else (lambda v: romanise(v, e.country, std) if v else v)
    )
    rec: dict[str, str | None] = {
        "source_system": system,
        "record_type": e.kind,
        "country": e.country,
        "truth_id": e.truth_id,
    }
    if e.kind == "organization":
        name = native_org_name(e) if native else _romanised_org(rng, e, system, std, c)
        rec["organization_name"] = c.text(name, system)
    else:
        given, family = e.given, e.family
        if system == "webshop" and given in NICKNAMES and c.roll("nickname", system):
            given = NICKNAMES[given]
        if system in {"erp", "legacy"} and c.roll("initial", system):
            given = given[0] + "."
        given, family = c.text(rom(given), system), c.text(rom(family), system)
        if c.roll("name_swap", system):
            given, family = family, given
        if e.suffix and rng.random() < 0.5:
            family = f"{family} {e.suffix}"
        if system == "legacy" and e.country in FAMILY_FIRST:
            rec["full_name"] = f"{family} {given}"  # the legacy system keeps East Asian names family first
        elif system == "erp" and e.country in FAMILY_FIRST:
            rec["given_name"], rec["family_name"] = given, family
            rec["full_name"] = f"{family}{given}" if e.country == "TW" else f"{family} {given}"
        else:
            rec["given_name"], rec["family_name"] = given, family
        rec["date_of_birth"] = c.missing("dob", c.dob(e.dob, system), system)
        rec["tax_id"] = e.tax_id if system == "erp" else None
    if e.kind == "organization":
        rec["tax_id"] = e.tax_id if system != "webshop" or rng.random() < 0.5 else None
    email = e.email if keep_email else None
    rec["email"] = c.missing("email", c.email(email, system), system)
    number = (
        e.mobile
        if e.kind == "person" and (system == "webshop" or not e.landline or rng.random() < 0.5)
        else e.landline or e.mobile
    )
    style = {"erp": "e164", "legacy": "digits"}.get(system) or rng.choice(
        ["e164", "intl_spaced", "digits", "national"]
    )
    rec["phone"] = (
        c.missing("phone", phone_text(rng, e.country, number, style), system) if keep_phone else None
    )
    street_text = f"{house} {street}" if e.country in {"US", "GB"} else f"{street} {house}"
    rec["street"] = c.missing("street", c.text(rom(street_text), system), system)
    rec["postal_code"] = c.missing("postal_code", postal, system)
    rec["city"] = rom(town)
    if system == "legacy":
        for name, width in LEGACY_WIDTH.items():  # fixed-width columns: cut, upper case, padded
            if rec.get(name):
                value = rec[name].upper()
                c.count("legacy_truncated", len(value) > width)
                rec[name] = value[:width].ljust(width)
        rec["city"] = rec["city"].upper() if rec["city"] else None
        rec["email"] = rec["email"].upper() if rec["email"] else None
    elif system == "webshop" and rng.random() < 0.1:
        for name in ("given_name", "family_name", "street", "city"):
            if rec.get(name):
                rec[name] = rec[name].lower()
    year = rng.randint(15, 22) + (4 if moved else 0)  # the record at the new address is the newer one
    rec["updated_at"] = f"20{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00"
    return rec
