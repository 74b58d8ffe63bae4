"""Corruptions of single values, after GeCo (Christen & Vatsalan, CIKM 2013) and FEBRL.

Each function takes the RNG and a value and returns the corrupted value; ``Corruptor`` applies them at
the rates of ``RATES`` and counts every opportunity and every application, so the tests can check that
each kind really appears at its configured rate.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

#: Rates per kind and system (probability per eligible value). See SPEC.md for the sources.
RATES: dict[str, dict[str, float]] = {
    "typo": {"erp": 0.01, "legacy": 0.03, "webshop": 0.06},
    "ocr": {"legacy": 0.03},
    "phonetic": {"legacy": 0.02, "webshop": 0.03},
    "name_swap": {"legacy": 0.03, "webshop": 0.03},
    "initial": {"erp": 0.03, "legacy": 0.08},
    "nickname": {"webshop": 0.15},
    "email_typo": {"webshop": 0.03, "erp": 0.01},
    "dob_day_month_swap": {"legacy": 0.02, "webshop": 0.02},
    "dob_digit": {"legacy": 0.01, "webshop": 0.01},
    "legal_form_dropped": {"erp": 0.05, "legacy": 0.20, "webshop": 0.25},
    "legal_form_variant": {"legacy": 1.0, "webshop": 0.5},
    "missing_email": {"erp": 0.30, "legacy": 0.70, "webshop": 0.0},
    "missing_phone": {"erp": 0.15, "legacy": 0.20, "webshop": 0.30},
    "missing_dob": {"erp": 0.20, "legacy": 0.30, "webshop": 0.60},
    "missing_street": {"erp": 0.03, "legacy": 0.05, "webshop": 0.08},
    "missing_postal_code": {"erp": 0.03, "legacy": 0.10, "webshop": 0.05},
    "webshop_native_script": {"webshop": 0.5},
}
#: Share of records that are a second entry of the same customer in the same system.
WITHIN_SOURCE_DUPLICATE = 0.05
#: Entity-level rates (per person / organisation).
ENTITY_RATES = {
    "household": 0.08,
    "namesake": 0.03,
    "twin": 0.005,
    "junior": 0.005,
    "move": 0.08,
    "sister_company": 0.25,
}
LEGACY_WIDTH = {"full_name": 30, "given_name": 15, "family_name": 20, "organization_name": 25, "street": 30}

_KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_NEIGHBOURS: dict[str, str] = {}
for r, row in enumerate(_KEYBOARD_ROWS):
    for c, ch in enumerate(row):
        near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
        for rr in (r - 1, r + 1):
            if 0 <= rr < len(_KEYBOARD_ROWS):
                near += [_KEYBOARD_ROWS[rr][i] for i in (c - 1, c, c + 1) if 0 <= i < len(_KEYBOARD_ROWS[rr])]
        _NEIGHBOURS[ch] = "".join(near)
#: OCR confusions (GeCo's OCR table, both directions).
_OCR = [
    ("rn", "m"),
    ("m", "rn"),
    ("0", "O"),
    ("O", "0"),
    ("1", "l"),
    ("l", "1"),
    ("5", "S"),
    ("S", "5"),
    ("cl", "d"),
    ("vv", "w"),
    ("I", "1"),
    ("B", "8"),
    ("8", "B"),
    ("E", "F"),
    ("H", "N"),
]
#: Phonetic rewrites (GeCo/FEBRL-style, English/German spellings and common romanisation variants).
_PHONETIC = [
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("c", "k"),
    ("k", "c"),
    ("ie", "y"),
    ("y", "i"),
    ("ou", "u"),
    ("sch", "sh"),
    ("sh", "sch"),
    ("ee", "i"),
    ("tz", "z"),
    ("dt", "t"),
    ("ai", "ay"),
    ("w", "v"),
    ("v", "w"),
    ("kh", "h"),
    ("h", "kh"),
    ("ts", "tz"),
    ("j", "dj"),
    ("ch", "tch"),
]
NICKNAMES = {
    "William": "Bill",
    "Robert": "Bob",
    "Richard": "Dick",
    "James": "Jim",
    "Michael": "Mike",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Katherine": "Kate",
    "Catherine": "Cathy",
    "Jennifer": "Jen",
    "Christopher": "Chris",
    "Daniel": "Dan",
    "Thomas": "Tom",
    "Joseph": "Joe",
    "Anthony": "Tony",
    "Matthew": "Matt",
    "Patricia": "Pat",
    "Susan": "Sue",
    "Rebecca": "Becky",
    "Nicholas": "Nick",
    "Andrew": "Andy",
    "Jonathan": "Jon",
    "Benjamin": "Ben",
    "Samuel": "Sam",
    "Alexander": "Alex",
    "Edward": "Ed",
    "Johannes": "Hannes",
    "Wolfgang": "Wolf",
    "Friedrich": "Fritz",
    "Alexandra": "Alex",
    "Stefanie": "Steffi",
    "Christian": "Chris",
    "Gabriele": "Gabi",
    "Andreas": "Andi",
    "Thorsten": "Toto",
    "Margarete": "Grete",
    "Elisabeth": "Lisa",
    "Steven": "Steve",
    "Timothy": "Tim",
    "Gregory": "Greg",
    "Kenneth": "Ken",
    "Ronald": "Ron",
    "Donald": "Don",
    "Jacqueline": "Jackie",
    "Victoria": "Vicky",
    "Deborah": "Debbie",
    "Kimberly": "Kim",
    "Zachary": "Zach",
}


def typo(rng: random.Random, value: str) -> str:
    """One keyboard error: neighbour substitution, insertion, deletion or transposition (GeCo)."""
    if len(value) < 2:
        return value
    i = rng.randrange(len(value))
    kind = rng.randrange(4)
    ch = value[i]
    near = _NEIGHBOURS.get(ch.lower())
    if kind == 0 and near:
        new = rng.choice(near)
        return value[:i] + (new.upper() if ch.isupper() else new) + value[i + 1 :]
    if kind == 1:
        return value[:i] + (rng.choice(near) if near else ch) + value[i:]
    if kind == 2 or i == len(value) - 1:
        return value[:i] + value[i + 1 :]
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]


def _rewrite(rng: random.Random, value: str, table: list[tuple[str, str]], fold: bool) -> str | None:
    probe = value.lower() if fold else value
    options = [(a, b) for a, b in table if a in probe]
    if not options:
        return None
    a, b = rng.choice(options)
    i = probe.index(a)
    b = b.upper() if value[i : i + len(a)].isupper() and fold else b
    return value[:i] + b + value[i + len(a) :]


@dataclass
class Corruptor:
    """Applies corruptions at ``RATES`` for one system and counts them (``seen`` / ``applied``)."""

    rng: random.Random
    seen: Counter[str] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)

    def roll(self, kind: str, system: str) -> bool:
        rate = RATES[kind].get(system, 0.0)
        if not rate:
            return False
        self.seen[kind] += 1
        hit = self.rng.random() < rate
        self.applied[kind] += hit
        return hit

    def count(self, kind: str, hit: bool) -> bool:
        self.seen[kind] += 1
        self.applied[kind] += hit
        return hit

    def text(self, value: str | None, system: str) -> str | None:
        """Typo, OCR and phonetic errors for a free-text field; each may strike independently."""
        if not value:
            return value
        if self.roll("typo", system):
            value = typo(self.rng, value)
        if system == "legacy" and self.roll("ocr", system):
            value = _rewrite(self.rng, value, _OCR, fold=False) or value
        if self.roll("phonetic", system):
            value = _rewrite(self.rng, value, _PHONETIC, fold=True) or value
        return value

    def email(self, value: str | None, system: str) -> str | None:
        if value and self.roll("email_typo", system):
            local, _, domain = value.partition("@")
            if self.rng.random() < 0.5:
                return typo(self.rng, local) + "@" + domain
            return (
                local
                + "@"
                + self.rng.choice(
                    [domain.replace(".com", ".con"), domain.replace("mail", "mial"), typo(self.rng, domain)]
                )
            )
        return value

    def dob(self, value: str | None, system: str) -> str | None:
        if not value:
            return value
        y, m, d = value.split("-")
        if int(d) <= 12 and d != m and self.roll("dob_day_month_swap", system):
            return f"{y}-{d}-{m}"
        if self.roll("dob_digit", system):
            y = y[:3] + str((int(y[3]) + self.rng.choice([1, 9])) % 10)
            return f"{y}-{m}-{d}"
        return value

    def missing(self, field_name: str, value: str | None, system: str) -> str | None:
        return None if value and self.roll(f"missing_{field_name}", system) else value
