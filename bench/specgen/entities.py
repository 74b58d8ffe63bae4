"""Real customers (entities) in their native script, with the relations that make matching hard.

Households share a landline and an address but are different people; namesakes share a name and
nothing else; twins share a family name, an address and a birth date; a junior shares his father's
full name and address; a sister company shares a name stem and often an address but not a tax id.
Moves give a customer a second address while the phone or the e-mail stays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bench.specgen.corrupt import ENTITY_RATES
from bench.specgen.pools import SECTORS, country_pool, pick_country
from bench.specgen.translit import romanise

_VN_MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Quang", "Hữu", "Thanh", "Hoàng", "Kim"]
_MAIL_DOMAINS = {
    "US": ["gmail.com", "yahoo.com", "outlook.com"],
    "GB": ["gmail.com", "btinternet.com", "hotmail.co.uk"],
    "DE": ["web.de", "gmx.de", "t-online.de"],
    "TW": ["gmail.com", "yahoo.com.tw", "hinet.net"],
    "TH": ["gmail.com", "hotmail.com", "yahoo.co.th"],
    "VN": ["gmail.com", "yahoo.com.vn"],
    "IR": ["gmail.com", "yahoo.com", "chmail.ir"],
    "BG": ["abv.bg", "mail.bg", "gmail.com"],
}
TLD = {
    "US": "com",
    "GB": "co.uk",
    "DE": "de",
    "TW": "com.tw",
    "TH": "co.th",
    "VN": "vn",
    "IR": "ir",
    "BG": "bg",
}
#: (native legal form, romanised variants) per country; the first variant is the usual one.
LEGAL_FORMS = {
    "US": [("Inc.", ["Inc", "Incorporated"]), ("LLC", ["L.L.C.", "LLC"]), ("Corp.", ["Corp", "Corporation"])],
    "GB": [("Ltd", ["Ltd.", "Limited"]), ("PLC", ["Plc", "Public Limited Company"])],
    "DE": [("GmbH", ["GMBH", "Gesellschaft mbH"]), ("AG", ["AG", "Aktiengesellschaft"]), ("KG", ["KG"])],
    "TW": [("股份有限公司", ["Co., Ltd.", "Corp."]), ("有限公司", ["Co., Ltd.", "Ltd."])],
    "TH": [
        ("บริษัท {} จำกัด", ["Co., Ltd.", "Company Limited"]),
        ("บริษัท {} จำกัด (มหาชน)", ["PCL", "Public Co., Ltd."]),
    ],
    "VN": [("Công ty TNHH {}", ["Co., Ltd", "LLC"]), ("Công ty Cổ phần {}", ["JSC", "Joint Stock Company"])],
    "IR": [
        ("شرکت {} سهامی خاص", ["PJS Co.", "Private Joint Stock Co."]),
        ("شرکت {} با مسئولیت محدود", ["LLP", "Ltd."]),
    ],
    "BG": [("ООД", ["OOD", "Ltd."]), ("ЕООД", ["EOOD", "EOOD Ltd."]), ("АД", ["AD", "JSC"])],
}


@dataclass(frozen=True)
class Entity:
    truth_id: str
    kind: str  # person | organization
    country: str
    given: str | None
    family: str | None
    stem: str | None  # organisation name without legal form
    legal_form: int  # index into LEGAL_FORMS[country]
    dob: str | None
    email: str
    mobile: str
    landline: str | None
    street: str
    house: str
    town: str
    postal_code: str
    tax_id: str | None
    suffix: str | None = None  # Jr. / Sr.
    moved_to: tuple[str, str, str, str] | None = None  # street, house, town, postal code


def native_org_name(e: Entity) -> str:
    form = LEGAL_FORMS[e.country][e.legal_form][0]
    return form.format(e.stem) if "{}" in form else f"{e.stem} {form}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choices("0123456789", k=n))


def _email(rng: random.Random, country: str, given: str, family: str) -> str:
    g = romanise(given, country, "pinyin" if country == "TW" else (SYSTEMS_DEFAULT.get(country, "plain")))
    f = romanise(family, country, "pinyin" if country == "TW" else (SYSTEMS_DEFAULT.get(country, "plain")))
    g, f = g.lower().replace(" ", "").replace("'", ""), f.lower().replace(" ", "").replace("'", "")
    local = rng.choice([f"{g}.{f}", f"{g}{f}", f"{g[:1]}{f}", f"{f}.{g}", f"{g}{_digits(rng, 2)}"])
    return f"{local}{rng.choice(['', '', _digits(rng, 2)])}@{rng.choice(_MAIL_DOMAINS[country])}"


SYSTEMS_DEFAULT = {"BG": "streamlined", "IR": "naive", "TH": "rtgs", "DE": "din"}


def _tax_id(rng: random.Random, country: str, kind: str) -> str | None:
    if kind == "organization":
        return {
            "DE": "DE" + _digits(rng, 9),
            "GB": "GB" + _digits(rng, 9),
            "US": _digits(rng, 2) + "-" + _digits(rng, 7),
            "BG": _digits(rng, 9),
            "TW": _digits(rng, 8),
            "TH": "0" + _digits(rng, 12),
            "VN": _digits(rng, 10),
            "IR": _digits(rng, 11),
        }[country]
    if country == "BG":
        return _digits(rng, 10)  # EGN
    if country == "TW":
        return rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZIO") + rng.choice("12") + _digits(rng, 8)
    if country == "TH":
        return _digits(rng, 13)
    return None


class EntityFactory:
    """Makes entities one at a time; related ones (household, namesake...) come out as a group."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.seed = seed
        self.next_id = 0
        self.recent: dict[str, list[Entity]] = {}  # people already made, per country, for namesakes
        self.relations: dict[str, int] = {k: 0 for k in ENTITY_RATES}
        self.issued: set[str] = set()  # e-mail addresses are unique in the real world; names are not

    def _unique_email(self, address: str) -> str:
        local, _, domain = address.partition("@")
        while address in self.issued:
            address = f"{local}{_digits(self.rng, 3)}@{domain}"
        self.issued.add(address)
        return address

    def _new_id(self) -> str:
        self.next_id += 1
        return f"S{self.next_id:08d}"

    def _address(self, country: str) -> tuple[str, str, str, str]:
        pool = country_pool(country, self.seed)
        town, postal = self.rng.choice(pool.towns)
        return self.rng.choice(pool.streets), str(self.rng.randint(1, 199)), town, postal

    def _phone(self, country: str) -> str:
        """National significant number; the systems format it."""
        lead = {"US": "2", "GB": "7", "DE": "15", "TW": "9", "TH": "8", "VN": "9", "IR": "91", "BG": "88"}[
            country
        ]
        return lead + _digits(
            self.rng, {"US": 9, "GB": 9, "DE": 9, "TW": 8, "TH": 8, "VN": 8, "IR": 8, "BG": 7}[country]
        )

    def _landline(self, country: str) -> str:
        return self.rng.choice("2345") + _digits(self.rng, 8)

    def _dob(self) -> str:
        return (date(1935, 1, 1) + timedelta(days=self.rng.randrange(365 * 70))).isoformat()

    def _person(self, country: str, family: str | None = None, given: str | None = None) -> Entity:
        pool = country_pool(country, self.seed)
        female = self.rng.random() < 0.5
        if given is None:
            given = self.rng.choice(pool.given_female if female else pool.given_male)
            if country == "VN":
                given = f"{'Thị' if female else self.rng.choice(_VN_MIDDLE)} {given}"
        family = family or self.rng.choice(pool.family)
        street, house, town, postal = self._address(country)
        moved = self._address(country) if self.rng.random() < ENTITY_RATES["move"] else None
        self.relations["move"] += moved is not None
        return Entity(
            self._new_id(),
            "person",
            country,
            given,
            family,
            None,
            0,
            self._dob(),
            self._unique_email(_email(self.rng, country, given, family)),
            self._phone(country),
            self._landline(country) if self.rng.random() < 0.4 else None,
            street,
            house,
            town,
            postal,
            _tax_id(self.rng, country, "person"),
            moved_to=moved,
        )

    def _organization(self, country: str, stem: str | None = None) -> Entity:
        pool = country_pool(country, self.seed)
        stem = stem or f"{self.rng.choice(pool.family)} {self.rng.choice(SECTORS[country])}"
        street, house, town, postal = self._address(country)
        ascii_stem = romanise(stem, country, SYSTEMS_DEFAULT.get(country, "pinyin")).lower()
        mailbox = "kontakt" if country == "DE" else "contact"
        domain = "".join(c for c in ascii_stem if c.isalnum())[:20] or "firm"
        return Entity(
            self._new_id(),
            "organization",
            country,
            None,
            None,
            stem,
            self.rng.randrange(len(LEGAL_FORMS[country])),
            None,
            self._unique_email(
                f"{self.rng.choice(['info', 'office', 'sales', mailbox])}@{domain}.{TLD[country]}"
            ),
            self._phone(country),
            self._landline(country),
            street,
            house,
            town,
            postal,
            _tax_id(self.rng, country, "organization"),
            moved_to=self._address(country) if self.rng.random() < ENTITY_RATES["move"] else None,
        )

    def group(self) -> list[Entity]:
        """One customer plus the distinct customers that are easy to confuse with it."""
        rng = self.rng
        country = pick_country(rng)
        if rng.random() < 0.15:
            org = self._organization(country)
            out = [org]
            if rng.random() < ENTITY_RATES["sister_company"]:
                self.relations["sister_company"] += 1
                sister = self._organization(country, org.stem.split()[0] + " " + rng.choice(SECTORS[country]))
                if rng.random() < 0.6:  # same building, different company
                    sister = replace(
                        sister,
                        street=org.street,
                        house=org.house,
                        town=org.town,
                        postal_code=org.postal_code,
                        landline=org.landline,
                    )
                out.append(sister)
            return out
        person = self._person(country)
        out = [person]
        if rng.random() < ENTITY_RATES["household"]:
            self.relations["household"] += 1
            landline = person.landline or self._landline(country)
            out[0] = person = replace(person, landline=landline)
            spouse = self._person(country, family=person.family if rng.random() < 0.7 else None)
            out.append(
                replace(
                    spouse,
                    street=person.street,
                    house=person.house,
                    town=person.town,
                    postal_code=person.postal_code,
                    landline=landline,
                    moved_to=person.moved_to,
                )
            )
        if rng.random() < ENTITY_RATES["twin"]:
            self.relations["twin"] += 1
            twin = self._person(country, family=person.family)
            out.append(
                replace(
                    twin,
                    dob=person.dob,
                    street=person.street,
                    house=person.house,
                    town=person.town,
                    postal_code=person.postal_code,
                    landline=person.landline,
                )
            )
        if rng.random() < ENTITY_RATES["junior"]:
            self.relations["junior"] += 1
            year = int(person.dob[:4]) + rng.randint(22, 38)
            junior = self._person(country, family=person.family, given=person.given)
            out[0] = replace(person, suffix="Sr.")
            out.append(
                replace(
                    junior,
                    suffix="Jr.",
                    dob=f"{min(year, 2005)}{junior.dob[4:]}",
                    street=person.street,
                    house=person.house,
                    town=person.town,
                    postal_code=person.postal_code,
                )
            )
        same_country = self.recent.get(country, [])
        if same_country and rng.random() < ENTITY_RATES["namesake"]:
            model = rng.choice(same_country)
            self.relations["namesake"] += 1
            out.append(self._person(country, family=model.family, given=model.given))
        self.recent[country] = (same_country + [person])[-200:]
        return out
