"""The values of one person that an erasure must wipe from rows the person shares with others.

Rows that belong to the person alone (their source records, links, pairs, quarantined rows) are deleted
by key. Some rows belong to other customers too and can only be cleaned value by value: the audit
entries and change-feed payloads of a golden record the person was once wrongly merged into, a failed
push's reason in the run log, a row quarantined before its id could be read. There a value is wiped
only when no other live record holds it: a household's family name or street is the other members'
data as much as the person's, and stays.

Two ways to match: a JSON value *equal* to one of the person's values (names, street, birth date: short
values that would hit unrelated text as substrings), and text *containing* a strong identifier (e-mail,
phone digits, tax id, the full name), for free text such as error messages and raw payloads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schemas import CustomerRecord
from schemas.customer import CustomerFields

ERASED_VALUE = "[erased]"
#: Phone numbers are compared by their last digits (national formats drop the country code).
PHONE_TAIL = 8
#: Shorter values are too common to be wiped from shared rows by equality (initials, "Li").
MIN_EXACT = 2
MIN_CONTAINED = 5


@dataclass
class PersonValues:
    """Case-folded values of one person: ``exact`` (wiped where a JSON value equals them),
    ``contained`` (wiped where a text contains them) and ``phone_tails`` (last digits of phones)."""

    exact: set[str] = field(default_factory=set)
    contained: set[str] = field(default_factory=set)
    phone_tails: set[str] = field(default_factory=set)
    #: The identifiers one person alone has (e-mails, tax ids): enough to say a row is theirs.
    strong: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, records: Iterable[CustomerRecord], golden: Iterable[CustomerFields] = ()) -> PersonValues:
        values = cls()
        for item in [*records, *golden]:
            values._add_fields(item)
            if isinstance(item, CustomerRecord):
                values._add_raw(item.raw)
        return values

    def _add_fields(self, item: CustomerFields) -> None:
        names = (item.given_name, item.family_name, item.full_name, item.organization_name)
        for name in names:
            self._exact(name)
        if item.given_name and item.family_name:
            for full in (f"{item.given_name} {item.family_name}", f"{item.family_name} {item.given_name}"):
                self._contained(full)
        self._contained(item.full_name)
        for email in item.emails:
            self._exact(email)
            self._contained(email, strong=True)
        for phone in item.phones:
            self._exact(phone)
            self._phone(phone)
        for address in item.addresses:
            self._exact(address.street)
        if item.date_of_birth:
            self._exact(item.date_of_birth.isoformat())
        self._exact(item.tax_id)
        self._contained(item.tax_id, strong=True)

    def _add_raw(self, raw: Any) -> None:
        """Contacts as the source wrote them ("030 / 123 45-67", "ANNA@EXAMPLE.DE")."""
        for text in _strings(raw):
            if "@" in text and len(text) >= MIN_CONTAINED:
                self._contained(text, strong=True)
            elif len(re.sub(r"\D", "", text)) >= PHONE_TAIL + 1 and re.fullmatch(r"[\d\s()+/.-]+", text):
                self._phone(text)

    def _exact(self, value: str | None) -> None:
        if value and len(value.strip()) >= MIN_EXACT:
            self.exact.add(value.strip().casefold())

    def _contained(self, value: str | None, strong: bool = False) -> None:
        if value and len(value.strip()) >= MIN_CONTAINED:
            self.contained.add(value.strip().casefold())
            if strong:
                self.strong.add(value.strip().casefold())

    def _phone(self, value: str) -> None:
        digits = re.sub(r"\D", "", value)
        if len(digits) > PHONE_TAIL:
            self.phone_tails.add(digits[-PHONE_TAIL:])

    def without(self, others: Iterable[str | None]) -> PersonValues:
        """These values minus those other live records hold too (they stay: they are theirs as well).

        ``others`` may be every value of a million records: it is streamed, only hits are kept."""
        mine = self.exact | self.contained
        shared, tails = set(), set()
        for value in others:
            if not value:
                continue
            folded = value.strip().casefold()
            if folded in mine:
                shared.add(folded)
            digits = re.sub(r"\D", "", value)
            if len(digits) >= PHONE_TAIL and digits[-PHONE_TAIL:] in self.phone_tails:
                tails.add(digits[-PHONE_TAIL:])
        return PersonValues(
            self.exact - shared, self.contained - shared, self.phone_tails - tails, self.strong - shared
        )

    def __bool__(self) -> bool:
        return bool(self.exact or self.contained or self.phone_tails)

    # -- finding and wiping ----------------------------------------------------------------------

    def in_text(self, text: str) -> bool:
        folded = text.casefold()
        if any(needle in folded for needle in self.contained):
            return True
        digits = re.sub(r"\D", "", text)
        return len(digits) >= PHONE_TAIL and any(tail in digits for tail in self.phone_tails)

    def matches(self, value: str) -> bool:
        return value.strip().casefold() in self.exact or self.in_text(value)

    def strong_in(self, data: Any) -> bool:
        """Whether ``data`` holds one of the person's e-mails, tax ids or phone numbers."""
        for text in _strings(data):
            folded, digits = text.casefold(), re.sub(r"\D", "", text)
            if any(needle in folded for needle in self.strong) or (
                len(digits) >= PHONE_TAIL and any(tail in digits for tail in self.phone_tails)
            ):
                return True
        return False

    def found_in(self, data: Any) -> bool:
        """Whether a value of ``data`` is or contains one of the person's values."""
        return any(self.matches(text) for text in _strings(data))

    def mentioned_in(self, data: Any) -> bool:
        """Whether a value of ``data`` contains a strong identifier or the full name (a first name
        alone, equal to the person's, may be anyone's)."""
        return any(self.in_text(text) for text in _strings(data))

    def scrub(self, data: Any) -> Any:
        """``data`` (JSON) without the person's values: a matching list item is dropped, a matching
        value in an object becomes null (so a golden record stays a valid record), a matching text
        on its own becomes ``[erased]``."""
        if isinstance(data, str):
            return ERASED_VALUE if self.matches(data) else data
        if isinstance(data, dict):
            return {
                key: None if isinstance(value, str) and self.matches(value) else self.scrub(value)
                for key, value in data.items()
            }
        if isinstance(data, list):
            return [self.scrub(v) for v in data if not (isinstance(v, str) and self.matches(v))]
        return data


def _strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)
