"""Which phone numbers are mobiles: a person's own device, where a fixed line belongs to a household.

``phonenumbers.number_type`` takes ~15 µs a number, a minute for the numbers of a million customers.
The same answer comes from its metadata as one regular expression per country calling code, run by
polars over the whole column: a number is a mobile when its national number matches the region's mobile
pattern and not its fixed-line pattern (the US and Canadian plans do not tell the two apart: never).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata


@cache
def _patterns(country_code: int) -> tuple[str, str | None] | None:
    """(mobile, fixed line) national-number patterns of the calling code's main region."""
    meta = PhoneMetadata.metadata_for_region(phonenumbers.region_code_for_country_code(country_code))
    if meta is None or meta.mobile is None or not meta.mobile.national_number_pattern:
        return None
    fixed = meta.fixed_line.national_number_pattern if meta.fixed_line else None
    return f"^(?:{meta.mobile.national_number_pattern})$", fixed and f"^(?:{fixed})$"


def is_mobile(e164: str) -> bool:
    """One number, by ``phonenumbers`` itself (the reference ``mobile_mask`` agrees with)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def mobile_mask(numbers: pl.Series) -> pl.Series:
    """Per E.164 key ("+447958577776"), whether it is a mobile number; null keys are not."""
    digits = numbers.str.strip_prefix("+")
    codes = [str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE]
    # calling codes are prefix-free and 1-3 digits long: at most one prefix length is a code
    calling = pl.select(
        pl.coalesce(
            pl.when(digits.str.slice(0, n).is_in(codes)).then(digits.str.slice(0, n)) for n in (1, 2, 3)
        )
    ).to_series()
    national = digits.str.slice(calling.str.len_chars().fill_null(0))
    out = np.zeros(len(numbers), dtype=bool)
    for code in calling.drop_nulls().unique().to_list():
        patterns = _patterns(int(code))
        if patterns is None:
            continue
        rows = np.flatnonzero((calling == code).fill_null(False).to_numpy())
        mobile, fixed = patterns
        local = national.gather(rows)
        hit = local.str.contains(mobile)
        if fixed:
            hit &= ~local.str.contains(fixed)
        out[rows] = hit.fill_null(False).to_numpy()
    return pl.Series(numbers.name, out)
