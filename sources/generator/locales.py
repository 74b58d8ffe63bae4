"""The locales customers come from, each bundling its names, places, companies and conventions.

A :class:`Locale` is pure data plus a few tiny formatting rules (name order, address layout). All
tables are resolved once at import, so the per-record loop only indexes tuples.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sources.generator import companies, identifiers, name_tails, names, places
from sources.generator.names import Name
from sources.generator.text import ascii_fold, german_fold


@dataclass(frozen=True)
class Locale:
    code: str
    country: str
    script: str  # Unicode script of the native spelling (what tests look for)
    given_m: tuple[Name, ...]
    given_f: tuple[Name, ...]
    family: tuple[Name, ...]
    streets: tuple[places.Street, ...]
    cities: tuple[places.City, ...]
    mobile: tuple[places.PhonePlan, ...]
    company: companies.CompanyParts
    tax_id: Callable[[random.Random], str]
    mail_domains: tuple[str, ...]
    family_first: bool = False
    spaced: bool = True  # does the native script put spaces between name parts?
    postal_style: str = "digits"
    postal_length: int = 5
    street_native: str = "{no} {street}"
    street_latin: str = "{no} {street}"
    weight: float = 1.0
    feminine_family: bool = False  # Bulgarian: Петров -> Петрова
    middle_m: tuple[str, ...] = ()  # Vietnamese middle names (part of the given name)
    middle_f: tuple[str, ...] = ()
    nicknames: dict[str, tuple[str, ...]] = field(default_factory=dict)
    local_nicknames: tuple[Name, ...] = ()  # Thai ชื่อเล่น: unrelated to the official name
    english_m: tuple[str, ...] = ()  # adopted Western names (Taiwan, Hong Kong)
    english_f: tuple[str, ...] = ()
    fold: Callable[[str], str] = ascii_fold
    #: The long tail of names, drawn half of the time (see :mod:`.name_tails`).
    given_m_tail: tuple[Name, ...] = ()
    given_f_tail: tuple[Name, ...] = ()
    family_tail: tuple[Name, ...] = ()

    def latin(self, name: Name) -> str:
        """The locale's standard romanization of a table entry."""
        return name.latin or self.fold(name.native)

    def alt_latin(self, name: Name) -> tuple[str, ...]:
        """Other romanizations in real use (pinyin for a Taiwanese name, "Muller" for "Müller")."""
        if not name.latin:
            folded = ascii_fold(name.native)
            return (folded,) if folded != self.latin(name) else ()
        return name.alts


def _zh(table: tuple[Name, ...], column: int, *alt_columns: int) -> tuple[Name, ...]:
    """Pick columns of a native|Wade-Giles|pinyin|Cantonese table: the standard one and alternatives."""
    out = []
    for n in table:
        cols = (n.latin, *n.alts)
        out.append(Name(n.native, cols[column], tuple(cols[i] for i in alt_columns)))
    return tuple(out)


LOCALES: tuple[Locale, ...] = (
    Locale(
        "th_TH",
        "TH",
        "Thai",
        names.TH_GIVEN_M,
        names.TH_GIVEN_F,
        names.TH_FAMILY,
        places.TH_STREETS,
        places.TH_CITIES,
        places.TH_MOBILE,
        companies.TH,
        identifiers.th_tin,
        ("gmail.com", "hotmail.com", "yahoo.co.th", "outlook.co.th"),
        spaced=True,
        weight=1.2,
        local_nicknames=names.TH_NICKNAMES,
        family_tail=name_tails.TH_FAMILY,
    ),
    Locale(
        "vi_VN",
        "VN",
        "Latin-Vietnamese",
        names.VI_GIVEN_M,
        names.VI_GIVEN_F,
        names.VI_FAMILY,
        places.VI_STREETS,
        places.VI_CITIES,
        places.VI_MOBILE,
        companies.VI,
        identifiers.vn_mst,
        ("gmail.com", "yahoo.com.vn", "outlook.com"),
        family_first=True,
        weight=1.2,
        middle_m=names.VI_MIDDLE_M,
        middle_f=names.VI_MIDDLE_F,
        given_m_tail=name_tails.VI_GIVEN_M,
        given_f_tail=name_tails.VI_GIVEN_F,
    ),
    Locale(
        "zh_TW",
        "TW",
        "Han",
        _zh(names.ZH_GIVEN_M, 0, 1),
        _zh(names.ZH_GIVEN_F, 0, 1),
        _zh(names.ZH_FAMILY, 0, 1),
        places.TW_STREETS,
        places.TW_CITIES,
        places.TW_MOBILE,
        companies.TW,
        identifiers.tw_ubn,
        ("gmail.com", "yahoo.com.tw", "hotmail.com", "msa.hinet.net"),
        family_first=True,
        spaced=False,
        postal_style="digits",
        postal_length=3,
        street_native="{street}{no}號",
        street_latin="No. {no}, {street}",
        english_m=names.ZH_ENGLISH_M,
        english_f=names.ZH_ENGLISH_F,
        given_m_tail=_zh(name_tails.chinese_given(names.ZH_GIVEN_M), 0, 1),
        given_f_tail=_zh(name_tails.chinese_given(names.ZH_GIVEN_F), 0, 1),
    ),
    Locale(
        "zh_HK",
        "HK",
        "Han",
        _zh(names.ZH_GIVEN_M, 2),
        _zh(names.ZH_GIVEN_F, 2),
        _zh(names.ZH_FAMILY, 2),
        places.HK_STREETS,
        places.HK_CITIES,
        places.HK_MOBILE,
        companies.HK,
        identifiers.hk_brn,
        ("gmail.com", "yahoo.com.hk", "netvigator.com"),
        family_first=True,
        spaced=False,
        postal_style="none",
        street_native="{street}{no}號",
        weight=0.6,
        english_m=names.ZH_ENGLISH_M,
        english_f=names.ZH_ENGLISH_F,
        given_m_tail=_zh(name_tails.chinese_given(names.ZH_GIVEN_M), 2),
        given_f_tail=_zh(name_tails.chinese_given(names.ZH_GIVEN_F), 2),
    ),
    Locale(
        "fa_IR",
        "IR",
        "Arabic",
        names.FA_GIVEN_M,
        names.FA_GIVEN_F,
        names.FA_FAMILY,
        places.FA_STREETS,
        places.FA_CITIES,
        places.FA_MOBILE,
        companies.FA,
        identifiers.ir_national_id,
        ("gmail.com", "yahoo.com", "chmail.ir"),
        postal_style="ir",
        postal_length=10,
        street_native="{street}، پلاک {no}",
        street_latin="No. {no}, {street}",
        family_tail=name_tails.FA_FAMILY,
    ),
    Locale(
        "bg_BG",
        "BG",
        "Cyrillic",
        names.BG_GIVEN_M,
        names.BG_GIVEN_F,
        names.BG_FAMILY,
        places.BG_STREETS,
        places.BG_CITIES,
        places.BG_MOBILE,
        companies.BG,
        lambda rng: "BG" + identifiers.bg_eik(rng),
        ("abv.bg", "gmail.com", "mail.bg", "dir.bg"),
        postal_length=4,
        street_native="{street} {no}",
        street_latin="{street} {no}",
        feminine_family=True,
        given_m_tail=name_tails.BG_GIVEN_M,
        given_f_tail=name_tails.BG_GIVEN_F,
        family_tail=name_tails.BG_FAMILY,
    ),
    Locale(
        "en_GB",
        "GB",
        "Latin",
        names.EN_GIVEN_M,
        names.EN_GIVEN_F,
        names.EN_FAMILY,
        places.GB_STREETS,
        places.GB_CITIES,
        places.GB_MOBILE,
        companies.GB,
        identifiers.gb_vat,
        ("gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk"),
        postal_style="gb",
        nicknames=names.EN_NICKNAMES,
        given_m_tail=name_tails.EN_GIVEN_M,
        given_f_tail=name_tails.EN_GIVEN_F,
        family_tail=name_tails.EN_FAMILY,
    ),
    Locale(
        "en_US",
        "US",
        "Latin",
        names.EN_GIVEN_M,
        names.EN_GIVEN_F,
        names.EN_FAMILY,
        places.US_STREETS,
        places.US_CITIES,
        places.US_MOBILE,
        companies.US,
        identifiers.us_ein,
        ("gmail.com", "yahoo.com", "outlook.com", "icloud.com"),
        nicknames=names.EN_NICKNAMES,
        given_m_tail=name_tails.EN_GIVEN_M,
        given_f_tail=name_tails.EN_GIVEN_F,
        family_tail=name_tails.EN_FAMILY,
    ),
    Locale(
        "de_DE",
        "DE",
        "Latin-German",
        names.DE_GIVEN_M,
        names.DE_GIVEN_F,
        names.DE_FAMILY,
        places.DE_STREETS,
        places.DE_CITIES,
        places.DE_MOBILE,
        companies.DE,
        identifiers.de_vat,
        ("gmx.de", "web.de", "t-online.de", "gmail.com"),
        street_native="{street} {no}",
        street_latin="{street} {no}",
        weight=1.3,
        nicknames=names.DE_NICKNAMES,
        fold=german_fold,
        given_m_tail=name_tails.DE_GIVEN_M,
        given_f_tail=name_tails.DE_GIVEN_F,
        family_tail=name_tails.DE_FAMILY,
    ),
)

BY_CODE = {loc.code: loc for loc in LOCALES}

#: Locales where a father and son sharing a name (Jr./Sr.) is a naming convention.
SUFFIX_LOCALES = ("en_US", "en_GB")
