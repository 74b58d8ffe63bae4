"""Tax ids compared as numbers, not as spellings: ``DE 281.127.676`` is ``281127676``.

Sources write a VAT number with or without its country prefix, with spaces, dots or dashes, in any
case. Before two values count as a field conflict, or as two votes in survivorship, both are reduced
to one key: python-stdnum's compact form of the country's VAT number where it knows the country (the
prefix — ``DE``, ``ATU``, ``EL`` for Greece, ``GB`` … — or the record's country), otherwise a general
rule (letters and digits only, a leading two-letter prefix before the digits dropped, as the matcher
reads it). Only the comparison uses the key; the golden record keeps the value as a source wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

if TYPE_CHECKING:
    from stdnum.util import NumberValidationModule

#: VAT prefixes that are not the ISO code of their country.
_VAT_PREFIX_COUNTRY = {"EL": "gr", "XI": "gb"}
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_LETTER_PREFIX = re.compile(r"^[A-Z]{2}(?=\d{6,})")


@cache
def _vat_module(country: str) -> NumberValidationModule | None:
    """python-stdnum's VAT module of a country (``None`` where it has none)."""
    if not (len(country) == 2 and country.isascii() and country.isalpha()):
        return None
    try:
        return get_cc_module(country.lower(), "vat")
    except (ImportError, ValueError):
        return None


def _compact(module: NumberValidationModule, text: str) -> str | None:
    try:
        return _NOT_ALNUM.sub("", module.compact(text).upper()) or None
    except StdnumError:
        return None


def tax_id_key(value: str, country: str | None = None) -> str | None:
    """The comparison key of a tax id (``None`` for one without letters or digits)."""
    text = unicodedata.normalize("NFKC", value).upper()
    plain = _NOT_ALNUM.sub("", text)
    if not plain:
        return None
    prefix = plain[:2]
    module = None
    if prefix.isalpha():
        module = _vat_module(_VAT_PREFIX_COUNTRY.get(prefix, prefix))
    if module is None and country:
        module = _vat_module(country)
    if module is not None and (key := _compact(module, plain)):
        return key
    return _LETTER_PREFIX.sub("", plain)
