"""The truth side: real customers (persons, organizations) and the look-alike groups among them.

A :class:`Customer` is everything that is true about one real customer; the systems' rows are
renderings of it (see :mod:`.render`). Hard negatives are built here on purpose — households,
namesakes, Jr./Sr. and sister companies — because independent random draws almost never produce
look-alikes as close as real life does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz.distance import JaroWinkler

from sources.generator.identifiers import PhoneNumber, postal_code
from sources.generator.locales import LOCALES, SUFFIX_LOCALES, Locale
from sources.generator.name_tails import draw
from sources.generator.names import Name, bg_feminine
from sources.generator.text import slug

#: Kinds of look-alike groups; every member of a group is a *different* real customer.
HARD_NEGATIVE_KINDS = ("household", "namesakes", "junior_senior", "sister_companies")


@dataclass(slots=True)
class Address:
    street_native: str
    street_latin: str
    street_abbrev: str
    postal_code: str
    city_native: str
    city_latin: str
    country: str


@dataclass(slots=True)
class Customer:
    truth_id: str
    locale: Locale
    record_type: str
    address: Address
    emails: list[str]
    phones: list[PhoneNumber]  # current numbers, most important first
    old_address: Address | None = None
    old_phone: PhoneNumber | None = None
    # persons
    given: Name | None = None  # native / latin / alternative romanizations
    family: Name | None = None
    family_base: Name | None = None  # masculine form where family names are gendered
    nickname: Name | None = None
    suffix: str = ""  # "Jr." / "Sr."
    dob: date | None = None
    # organizations
    org_native: str = ""
    org_latin: str = ""
    org_short_native: str = ""  # without legal form: what people type
    org_short_latin: str = ""
    tax_id: str = ""
    other_email: str = ""  # a second personal account that only the web shop knows
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HardNegative:
    kind: str
    truth_ids: tuple[str, ...]


class CustomerFactory:
    """Draws customers and look-alike groups; keeps e-mails and phones unique across customers.

    Uniqueness is deliberate: in real data two different people never share a personal e-mail, so
    an accidental collision in synthetic data would be a false "truth" that punishes good matchers.
    Shared values exist only where the group builders put them (household landline, switchboard).
    """

    def __init__(self, rng: random.Random, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self._next_id = 0
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._addresses: set[tuple[str, str, str, str]] = set()
        self._locales = LOCALES
        self._locale_weights = [loc.weight for loc in LOCALES]

    # --- identities -------------------------------------------------------------------------------

    def _truth_id(self) -> str:
        self._next_id += 1
        return f"T{self._next_id:07d}"

    def locale(self, codes: tuple[str, ...] | None = None) -> Locale:
        if codes:
            choices = [loc for loc in self._locales if loc.code in codes]
            return self.rng.choice(choices)
        return self.rng.choices(self._locales, weights=self._locale_weights)[0]

    # --- parts ------------------------------------------------------------------------------------

    def phone(self, loc: Locale, plan=None) -> PhoneNumber:
        rng = self.rng
        while True:
            number = PhoneNumber.draw(rng, loc.country, plan or rng.choice(loc.mobile))
            if number.nsn not in self._phones:
                self._phones.add(number.nsn)
                return number

    def address(self, loc: Locale, city=None) -> Address:
        """A home no other unit lives at: like e-mails and phones, a stranger at the same street and
        house number would be a coincidence of the short street lists, not of real addresses (which
        tell flats apart). Streets run longer where the numbers are taken."""
        rng = self.rng
        upper = 240
        while True:
            town = city or rng.choice(loc.cities)
            street = rng.choice(loc.streets)
            no = str(rng.randint(1, upper))
            if loc.code == "th_TH" and rng.random() < 0.6:
                no += f"/{rng.randint(1, 99)}"
            elif loc.code == "de_DE" and rng.random() < 0.1:
                no += rng.choice("abc")
            key = (loc.code, town.latin, street.latin, no)
            if key not in self._addresses:
                self._addresses.add(key)
                break
            upper += 240
        city = town
        return Address(
            loc.street_native.format(no=no, street=street.native),
            loc.street_latin.format(no=no, street=street.latin),
            loc.street_latin.format(no=no, street=street.abbrev),
            postal_code(rng, loc.postal_style, city.postal, loc.postal_length),
            city.native,
            city.latin,
            loc.country,
        )

    def email(self, local_parts: list[str], domains: tuple[str, ...]) -> str:
        rng = self.rng
        local = rng.choice(local_parts)
        domain = rng.choice(domains)
        candidate = f"{local}@{domain}"
        while candidate in self._emails:
            candidate = f"{local}{rng.randint(1, 9999)}@{domain}"
        self._emails.add(candidate)
        return candidate

    def dob(self, min_age: int = 18, max_age: int = 90) -> date:
        days = self.rng.randint(min_age * 365 + 5, max_age * 365)
        return self.as_of - timedelta(days=days)

    # --- persons ----------------------------------------------------------------------------------

    def person(
        self,
        loc: Locale,
        *,
        female: bool | None = None,
        family: Name | None = None,
        given: Name | None = None,
        address: Address | None = None,
        landline: PhoneNumber | None = None,
        dob: date | None = None,
        common: bool = False,
    ) -> Customer:
        """One person; pass ``family`` (masculine/base form), ``given``, ... to build look-alikes.

        ``common``: draw the names from the common tables only, never from the long tail.
        """
        rng = self.rng
        female = rng.random() < 0.5 if female is None else female
        if given is None:
            head, tail = (loc.given_f, loc.given_f_tail) if female else (loc.given_m, loc.given_m_tail)
            given = draw(rng, head, () if common else tail)
            middles = loc.middle_f if female else loc.middle_m
            if middles:
                given = Name(f"{rng.choice(middles)} {given.native}", "", ())
        family_base = family or draw(rng, loc.family, () if common else loc.family_tail)
        family = bg_feminine(family_base) if loc.feminine_family and female else family_base
        addr = address or self.address(loc)
        phones = [self.phone(loc)] if rng.random() < 0.9 else []
        if landline is None and rng.random() < 0.3:
            landline = self.phone(loc, _city_plan(loc, addr))
        if landline is not None:
            phones.append(landline)
        g_latin, f_latin = loc.latin(given), loc.latin(family)
        nickname = None
        if loc.local_nicknames and rng.random() < 0.5:
            nickname = rng.choice(loc.local_nicknames)
        elif loc.english_m and rng.random() < 0.4:
            nickname = Name(rng.choice(loc.english_f if female else loc.english_m), "", ())
        elif g_latin in loc.nicknames:
            nickname = Name(rng.choice(loc.nicknames[g_latin]), "", ())
        g, f = slug(g_latin), slug(f_latin)
        yy = str(rng.randint(60, 99) if rng.random() < 0.5 else rng.randint(0, 9999))
        emails = [
            self.email(
                [f"{g}.{f}", f"{g}{f}", f"{g[:1]}{f}", f"{g}_{f}{yy}", f"{f}.{g}{yy}", f"{g}{yy}"],
                loc.mail_domains,
            )
        ]
        if rng.random() < 0.25:
            parts = loc.company
            employer = (
                f"{slug(loc.latin(draw(rng, parts.stems, parts.stem_tail)))}"
                f"{slug(loc.latin(rng.choice(parts.industries)))}"
            )
            emails.append(self.email([f"{g}.{f}", f"{g[:1]}.{f}", f], (f"{employer}.{parts.tld}",)))
        customer = Customer(
            self._truth_id(),
            loc,
            "person",
            addr,
            emails,
            phones,
            given=given,
            family=family,
            family_base=family_base,
            nickname=nickname,
            dob=dob or self.dob(),
        )
        if rng.random() < 0.15:
            customer.other_email = self.email([f"{g}{f}{yy}", f"{f}{g}", f"{g}.{f}.{yy}"], loc.mail_domains)
        self._history(customer)
        return customer

    def _history(self, customer: Customer) -> None:
        """Some customers moved or changed numbers; one system still has the old value."""
        rng = self.rng
        if rng.random() < 0.15:
            customer.old_address = self.address(customer.locale)
        if rng.random() < 0.1:
            customer.old_phone = self.phone(customer.locale)

    # --- organizations ----------------------------------------------------------------------------

    def organization(
        self,
        loc: Locale,
        *,
        stem: Name | None = None,
        industry: Name | None = None,
        branch: Name | None = None,
        form=None,
        city=None,
        switchboard: PhoneNumber | None = None,
        domain: str | None = None,
    ) -> Customer:
        rng = self.rng
        parts = loc.company
        stem = stem or draw(rng, parts.stems, parts.stem_tail)
        industry = industry or rng.choice(parts.industries)
        form = form or rng.choice(parts.forms)
        sep = " " if loc.spaced else ""
        b_native = f"{sep}{branch.native}" if branch else ""
        b_latin = f" {loc.latin(branch)}" if branch else ""
        s_latin, i_latin = loc.latin(stem), loc.latin(industry)
        native = form.native.format(stem=stem.native, industry=industry.native, branch=b_native)
        latin = form.latin.format(stem=s_latin, industry=i_latin, branch=b_latin)
        short_native = f"{stem.native}{sep}{industry.native}{b_native}"
        short_latin = f"{s_latin} {i_latin}{b_latin}"
        addr = self.address(loc, city)
        phones = [switchboard or self.phone(loc, _city_plan(loc, addr))]
        if rng.random() < 0.2:
            phones.append(self.phone(loc))
        domain = domain or f"{slug(s_latin)}{slug(i_latin)}.{parts.tld}"
        boxes = ["info", "office", "sales", "contact", "accounts", slug(b_latin) or "mail"]
        emails = [self.email(boxes, (domain,))]
        if rng.random() < 0.3:
            emails.append(self.email(boxes, (domain,)))
        customer = Customer(
            self._truth_id(),
            loc,
            "organization",
            addr,
            emails,
            phones,
            org_native=native,
            org_latin=latin,
            org_short_native=short_native,
            org_short_latin=short_latin,
            tax_id=loc.tax_id(rng),
        )
        customer.extra["domain"] = domain
        self._history(customer)
        return customer

    # --- units: one real customer or a look-alike group -------------------------------------------

    def unit(self) -> tuple[str, list[Customer]]:
        """Draw the next unit: ``("single", [c])`` or a hard-negative kind with 2-3 customers."""
        rng = self.rng
        r = rng.random()
        if r < 0.68:
            return "single", [self.person(self.locale())]
        if r < 0.81:
            return "single", [self.organization(self.locale())]
        if r < 0.87:
            return "household", self.household(self.locale())
        if r < 0.92:
            return "namesakes", self.namesakes(self.locale())
        if r < 0.95:
            return "junior_senior", self.junior_senior(self.locale(SUFFIX_LOCALES))
        return "sister_companies", self.sister_companies(self.locale())

    def _home(self, loc: Locale) -> tuple[Address, PhoneNumber]:
        """A shared address with the landline of its city (households, Jr./Sr.)."""
        city = self.rng.choice(loc.cities)
        return self.address(loc, city), self.phone(loc, city.landline)

    def household(self, loc: Locale) -> list[Customer]:
        """Family members: same family name, address and landline; own given name, dob and e-mail."""
        address, landline = self._home(loc)
        family = draw(self.rng, loc.family, loc.family_tail)
        members: list[Customer] = []
        taken: list[str] = []
        while len(members) < 2 or (len(members) < 3 and self.rng.random() < 0.4):
            member = self.person(loc, family=family, address=address, landline=landline)
            given = loc.latin(member.given).casefold() if member.given is not None else None
            # parents do not name two children Darin and Darrin: a look-alike spelling is one person
            if given and all(JaroWinkler.similarity(given, other) < 0.9 for other in taken):
                taken.append(given)
                members.append(member)
        return members

    def namesakes(self, loc: Locale) -> list[Customer]:
        """Same common name, different people: different dob, address, phone and e-mail.

        The name is drawn from the common (head) tables: two strangers sharing a rare name are rare.
        """
        first = self.person(loc, common=True)
        female = first.family is not first.family_base
        return [
            first,
            *(
                self.person(loc, female=female, given=first.given, family=first.family_base)
                for _ in range(self.rng.randint(1, 2))
            ),
        ]

    def junior_senior(self, loc: Locale) -> list[Customer]:
        """Father and son with the same name at the same address; only dob (and Jr./Sr.) tell them apart."""
        address, landline = self._home(loc)
        senior = self.person(
            loc, female=False, address=address, landline=landline, dob=self.dob(min_age=48, max_age=85)
        )
        gap = timedelta(days=self.rng.randint(20 * 365, 30 * 365))
        junior = self.person(
            loc,
            female=False,
            given=senior.given,
            family=senior.family_base,
            address=address,
            landline=landline,
            dob=senior.dob + gap,
        )
        senior.suffix, junior.suffix = "Sr.", "Jr."
        return [senior, junior]

    def sister_companies(self, loc: Locale) -> list[Customer]:
        """Same group name and domain, different legal entity (form or branch) and own tax ids."""
        rng = self.rng
        parts = loc.company
        stem, industry = draw(rng, parts.stems, parts.stem_tail), rng.choice(parts.industries)
        first = self.organization(loc, stem=stem, industry=industry)
        city = next(c for c in loc.cities if c.native == first.address.city_native)
        shared = first.phones[0] if rng.random() < 0.4 else None
        members = [first]
        used = {first.org_native}
        for branch in rng.sample(parts.branches, k=rng.randint(1, 2)):
            member = self.organization(
                loc,
                stem=stem,
                industry=industry,
                branch=branch if rng.random() < 0.7 else None,
                city=city,
                switchboard=shared,
                domain=first.extra["domain"],
            )
            if member.org_native in used:  # same form and no branch: force the branch to differ
                member = self.organization(
                    loc,
                    stem=stem,
                    industry=industry,
                    branch=branch,
                    city=city,
                    switchboard=shared,
                    domain=first.extra["domain"],
                )
            used.add(member.org_native)
            members.append(member)
        return members


def _city_plan(loc: Locale, address: Address):
    """Landline plan of the address's city (area code follows the city)."""
    for city in loc.cities:
        if city.native == address.city_native:
            return city.landline
    return loc.cities[0].landline
