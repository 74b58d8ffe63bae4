"""Cleaning of single values into their canonical form (E.164 phones, lower-case e-mails, ISO countries).

These functions raise ``ValueError`` with a readable reason; the models call them from validators so
that a bad value turns into a quarantined record with that reason instead of a crash or a silent drop.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import DOMAIN_MAX_LENGTH, EMAIL_MAX_LENGTH, LOCAL_PART_MAX_LENGTH

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")

#: Longest text we accept in one field; longer values are malformed input, not customer data.
MAX_TEXT_LENGTH = 500

#: Distinct values each normaliser remembers. They are pure functions of their input, and a sync meets
#: the same given names, cities, countries - and on a re-sync the same e-mails and phones - again and
#: again; a refused value raises and is never remembered, so it is judged afresh every time.
CACHED_VALUES = 1 << 16


def clean_text(value: object) -> str | None:
    """NFC-normalise, collapse white space and refuse control characters; empty becomes ``None``."""
    if value is None:
        return None
    return _clean_str(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=CACHED_VALUES)
def _clean_str(value: str) -> str | None:
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    if "\ufffd" in value:
        raise ValueError("contains U+FFFD: the text was damaged by a wrong character encoding")
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    if spoof := _mixed_script_word(text):
        raise ValueError(
            f"mixes {' and '.join(spoof[1])} letters in one word ({spoof[0]!r}): a look-alike "
            "character, typed by mistake or to impersonate"
        )
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"longer than {MAX_TEXT_LENGTH} characters")
    return text or None


#: Scripts whose letters look alike (a Cyrillic "а" in a Latin "Pаul"): mixing them inside one word is a
#: spoof or a keyboard-layout slip, never a real name; mixing them across words is fine.
_CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
_WORDS = re.compile(r"[^\W\d_]+")


def _mixed_script_word(text: str) -> tuple[str, list[str]] | None:
    if text.isascii():  # ASCII letters are all Latin: nothing to mix (most names, every e-mail)
        return None
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        confusable = scripts & _CONFUSABLE_SCRIPTS
        if len(confusable) > 1:
            return word, sorted(s.title() for s in confusable)
    return None


@lru_cache(maxsize=4096)
def _script(letter: str) -> str:
    """The script a letter belongs to, as the first word of its Unicode name (``LATIN``, ``CYRILLIC``)."""
    return unicodedata.name(letter, "?").split(" ")[0]


#: The plainest address: dot-separated runs of letters, digits and ``_+'-`` before the ``@``; after it,
#: hostname labels (letters, digits, inner hyphens, at most 63) and a top-level domain of letters.
#: Narrower than what ``email_validator`` accepts, so that it accepts all of these unchanged.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+'-]+(?:\.[a-z0-9_+'-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.ASCII | re.IGNORECASE,
)
_SPECIAL_USE_DOMAINS = tuple(SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(text: str) -> bool:
    """Whether ``email_validator`` would take ``text`` as it is, its answer being ``text`` lower-cased:
    a plain ASCII address within every length limit, no ``--`` in its domain (punycode and the label
    rule that goes with it are the library's), not under a special-use domain (``.local``,
    ``.localhost``...). Most customer addresses are; anything else is the library's to judge."""
    if len(text) > EMAIL_MAX_LENGTH or not _PLAIN_EMAIL.fullmatch(text):
        return False
    local, domain = text.lower().split("@")
    if len(local) > LOCAL_PART_MAX_LENGTH or len(domain) > DOMAIN_MAX_LENGTH or "--" in domain:
        return False
    return not any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE_DOMAINS)


@lru_cache(maxsize=CACHED_VALUES)
def clean_email(value: str) -> str:
    """Validate syntax (no DNS look-up) and return the normalised, lower-cased address.

    A plain address (``_plain_email``) is only lower-cased: ``email_validator`` costs ~40 µs an address,
    a fifth of staging a record, to give that same answer (``tests/schemas/test_email_fast_path.py``
    holds the two to it)."""
    text = value.strip()
    if _plain_email(text):
        return text.lower()
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid e-mail {value!r}: {exc}") from None
    return info.normalized.lower()


@lru_cache(maxsize=CACHED_VALUES)
def clean_phone(value: str, country: str | None) -> str:
    """Parse a phone number in the record's country and return it in E.164 (``+49301234567``)."""
    region = country.upper() if country else None
    candidates = [value]
    stripped = value.strip()
    if stripped.startswith("00"):
        # "00" is the international prefix in most of the world, but not in every region's metadata
        # (e.g. Thailand dials 001): read it as "+" when the regional reading fails.
        candidates.append("+" + stripped[2:])
    parse_error: phonenumbers.NumberParseException | None = None
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException as exc:
            parse_error = parse_error or exc
            continue
        # is_possible_number checks the length only: "000" would pass as +49000. No customer line has
        # a national number of fewer than five digits or of zeros only.
        national = str(number.national_number)
        if phonenumbers.is_possible_number(number) and len(national) >= 5 and national.strip("0"):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        parse_error = None  # it parsed: the number itself is wrong, not its syntax
    if parse_error is not None:
        raise ValueError(f"invalid phone {value!r}: {parse_error}")
    raise ValueError(f"impossible phone number {value!r} for country {country or '?'}")


def clean_country(value: str | None) -> str | None:
    """Upper-case ISO 3166 alpha-2; anything else is refused."""
    text = clean_text(value)
    if text is None:
        return None
    code = text.upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"country must be ISO 3166 alpha-2, got {value!r}")
    return code
