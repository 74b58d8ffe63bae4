"""Structured identifiers that must look real: tax ids with correct check digits, postal codes, phones.

Check digits matter because a matcher (or a steward UI) may validate tax ids; a synthetic id that
fails its own checksum would teach the matcher to distrust a field that is reliable in real data.
"""

from __future__ import annotations

import random

import phonenumbers

from sources.generator.places import PhonePlan

_DIGITS = "0123456789"


def digits(rng: random.Random, n: int, alphabet: str = _DIGITS) -> str:
    return "".join(rng.choices(alphabet, k=n))


# --- tax ids ---------------------------------------------------------------------------------------


def de_vat(rng: random.Random) -> str:
    """German USt-IdNr: DE + 8 digits + ISO 7064 MOD 11,10 check digit."""
    body = str(rng.randint(1, 9)) + digits(rng, 7)
    product = 10
    for d in body:
        total = (int(d) + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    return f"DE{body}{check}"


def bg_eik(rng: random.Random) -> str:
    """Bulgarian EIK (9 digits, weights 1..8 then 3..10 fallback)."""
    body = [int(c) for c in str(rng.randint(1, 2)) + digits(rng, 7)]
    check = sum(d * w for d, w in zip(body, range(1, 9), strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(body, range(3, 11), strict=True)) % 11 % 10
    return "".join(map(str, body)) + str(check)


def tw_ubn(rng: random.Random) -> str:
    """Taiwan 統一編號: 8 digits, weighted digit-sum divisible by 10 (valid under the 2023 mod-5 rule too)."""
    weights = (1, 2, 1, 2, 1, 2, 4, 1)
    while True:
        body = digits(rng, 7)
        for last in _DIGITS:
            number = body + last
            total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(number, weights, strict=True))
            if total % 10 == 0:
                return number


def th_tin(rng: random.Random) -> str:
    """Thai 13-digit juristic-person id ("0105..." = Bangkok company) with mod-11 check digit."""
    body = "0105" + digits(rng, 8)
    total = sum(int(d) * (13 - i) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def vn_mst(rng: random.Random) -> str:
    """Vietnamese 10-digit mã số thuế: province code + serial + weighted mod-11 check digit."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    while True:
        body = rng.choice(("01", "02", "03", "04", "05")) + digits(rng, 7)
        check = 10 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        if check < 10:
            return body + str(check)


def ir_national_id(rng: random.Random) -> str:
    """Iranian 11-digit legal-entity national id (شناسه ملی) with its mod-11 check digit."""
    weights = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
    body = "10" + digits(rng, 8)
    shift = int(body[9]) + 2
    check = sum((int(d) + shift) * w for d, w in zip(body, weights, strict=True)) % 11
    return body + str(0 if check == 10 else check)


def gb_vat(rng: random.Random) -> str:
    """UK VAT number: GB + 7 digits + 2-digit mod-97 check."""
    body = str(rng.randint(1, 9)) + digits(rng, 6)
    total = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
    return f"GB{body}{(-total) % 97:02d}"


def us_ein(rng: random.Random) -> str:
    """US employer identification number NN-NNNNNNN with a prefix the IRS actually assigns."""
    return (
        f"{rng.choice(('12', '13', '20', '26', '27', '45', '46', '47', '81', '94', '95'))}-{digits(rng, 7)}"
    )


def hk_brn(rng: random.Random) -> str:
    """Hong Kong business registration number (8 digits)."""
    return str(rng.randint(1, 7)) + digits(rng, 7)


# --- postal codes ----------------------------------------------------------------------------------

_GB_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_IR_LEADING = "13456789"  # Iranian codes use no 0 or 2 in their first five digits


def postal_code(rng: random.Random, style: str, prefixes: tuple[str, ...], length: int) -> str:
    if not prefixes:
        return ""
    prefix = rng.choice(prefixes)
    if style == "gb":
        return f"{prefix} {rng.randint(1, 9)}{digits(rng, 2, _GB_INWARD)}"
    if style == "ir":
        return prefix + digits(rng, 4, _IR_LEADING) + digits(rng, 5)
    return prefix + digits(rng, length - len(prefix))


# --- phones ----------------------------------------------------------------------------------------


class PhoneNumber:
    """A phone as its parts, so that every system can write it its own way."""

    __slots__ = ("country", "calling_code", "trunk", "nsn", "groups")

    def __init__(self, country: str, nsn: str, groups: tuple[int, ...]):
        self.country = country
        self.calling_code = str(phonenumbers.country_code_for_region(country))
        self.trunk = "" if country in ("HK", "US") else "0"
        self.nsn = nsn
        self.groups = groups

    @classmethod
    def draw(cls, rng: random.Random, country: str, plan: PhonePlan) -> PhoneNumber:
        if country == "US":  # NANP exchange codes never start with 0 or 1
            return cls(
                country, plan.prefix + rng.choice("23456789") + digits(rng, plan.rest - 1), plan.groups
            )
        return cls(country, plan.prefix + digits(rng, plan.rest), plan.groups)

    @property
    def e164(self) -> str:
        return f"+{self.calling_code}{self.nsn}"

    def _parts(self) -> list[str]:
        parts, pos = [], 0
        for size in self.groups:
            parts.append(self.nsn[pos : pos + size])
            pos += size
        return parts

    def written(self, rng: random.Random, international: float = 0.3) -> str:
        """One of the many ways people write this number; always parseable in its country.

        ``international=1.0`` forces a "+" form, which parses without knowing the record's country.
        """
        parts = self._parts()
        if rng.random() < international:
            style = rng.random()
            if style < 0.45:
                return f"+{self.calling_code} " + " ".join(parts)
            if style < 0.75 or international >= 1.0:
                return self.e164
            if self.country in _IDD_00:
                return f"00{self.calling_code} " + " ".join(parts)
            return f"+{self.calling_code} ({parts[0]}) {' '.join(parts[1:])}"
        head, tail = self.trunk + parts[0], parts[1:]
        style = rng.random()
        if style < 0.35:
            return " ".join([head, *tail])
        if style < 0.5:
            return head + "".join(tail)
        if style < 0.65:
            return f"{head}-{'-'.join(tail)}"
        if style < 0.8:
            return f"({head}) {' '.join(tail)}"
        if style < 0.9:
            return f"{head}/{''.join(tail)}"
        return ".".join([head, *tail])


#: Countries whose international call prefix is "00", so "0049 30 ..." is a real way to write a number there.
_IDD_00 = frozenset({"DE", "GB", "BG", "IR", "VN"})
