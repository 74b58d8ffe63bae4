"""Romanisation per script, the way different systems really write the same name in Latin letters.

Why several standards per script: an ERP clerk, a legacy batch job and a customer typing into a web
shop each romanise differently, and a matcher must see them all. Tables follow the published
standards (Bulgarian Streamlined System 2009 = BGN/PCGN 2013; the older BGN/PCGN 1952 system; ISO 9
folded to ASCII; Hanyu Pinyin vs Wade-Giles; RTGS (Royal Institute) for Thai; a vowel-less naive
Persian spelling vs an ALA-LC-like one; Vietnamese with and without diacritics).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_BG_STREAMLINED = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъьюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "h",
            "ts",
            "ch",
            "sh",
            "sht",
            "a",
            "y",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
#: BGN/PCGN 1952: х -> kh, ъ -> u (from ŭ), й -> y, ь -> ' dropped.
_BG_BGN1952 = _BG_STREAMLINED | {"х": "kh", "ъ": "u", "ь": ""}
#: ISO 9 (č š ž ŝ û â ʺ) folded to ASCII, as a legacy system without diacritics stores it.
_BG_ISO9 = _BG_STREAMLINED | {
    "ж": "z",
    "й": "j",
    "х": "h",
    "ц": "c",
    "ч": "c",
    "ш": "s",
    "щ": "s",
    "ъ": "",
    "ь": "",
    "ю": "u",
    "я": "a",
}
BG_SYSTEMS = {"streamlined": _BG_STREAMLINED, "bgn1952": _BG_BGN1952, "iso9": _BG_ISO9}


def cyrillic(text: str, system: str = "streamlined") -> str:
    table = BG_SYSTEMS[system]
    out = []
    for ch in text:
        low = ch.lower()
        if low in table:
            value = table[low]
            out.append(value.capitalize() if ch != low else value)
        else:
            out.append(ch)
    return "".join(out)


# Persian: the naive spelling writes only what the script writes (short vowels are unwritten).
_FA_NAIVE = {
    "ا": "a",
    "آ": "a",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "چ": "ch",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "ژ": "zh",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "ع": "",
    "غ": "gh",
    "ف": "f",
    "ق": "gh",
    "ک": "k",
    "ك": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "v",
    "ه": "h",
    "ی": "y",
    "ي": "y",
    "ئ": "",
    "ء": "",
    "ة": "h",
    "أ": "a",
    "إ": "e",
}
#: ALA-LC-like: و and ی read as vowels inside a word, ق -> q, ع/ء kept as an apostrophe.
_FA_ALALC = _FA_NAIVE | {"ق": "q", "ع": "'", "ء": "'"}


def persian(text: str, system: str = "naive") -> str:
    table = _FA_NAIVE if system == "naive" else _FA_ALALC
    out = []
    for i, ch in enumerate(text):
        value = table.get(ch, ch)
        if system == "alalc" and i > 0 and ch in "وی ي":
            value = {"و": "u", "ی": "i", "ي": "i"}.get(ch, value)
        out.append(value)
    return " ".join(w.capitalize() for w in "".join(out).split())


# Chinese: pinyin syllables (anyascii gives toneless pinyin per character) and Wade-Giles from them.
_WG_WHOLE = {
    "zi": "tzu",
    "ci": "tz'u",
    "si": "ssu",
    "zhi": "chih",
    "chi": "ch'ih",
    "shi": "shih",
    "ri": "jih",
    "you": "yu",
    "yi": "i",
    "ye": "yeh",
    "yue": "yueh",
    "yan": "yen",
    "ge": "ko",
    "he": "ho",
    "ke": "k'o",
    "er": "erh",
    "lue": "lueh",
    "nue": "nueh",
}
_WG_INITIALS = [
    ("zh", "ch"),
    ("ch", "ch'"),
    ("sh", "sh"),
    ("r", "j"),
    ("z", "ts"),
    ("c", "ts'"),
    ("j", "ch"),
    ("q", "ch'"),
    ("x", "hs"),
    ("b", "p"),
    ("p", "p'"),
    ("d", "t"),
    ("t", "t'"),
    ("g", "k"),
    ("k", "k'"),
]
_WG_FINALS = [("iong", "iung"), ("ong", "ung"), ("ian", "ien"), ("ie", "ieh"), ("ue", "ueh"), ("ui", "uei")]


def wade_giles_syllable(pinyin: str) -> str:
    """One toneless pinyin syllable in Wade-Giles (apostrophes kept; legacy ASCII drops them later)."""
    s = pinyin.lower()
    if s in _WG_WHOLE:
        return _WG_WHOLE[s]
    initial, final = "", s
    for src, dst in _WG_INITIALS:
        if s.startswith(src):
            initial, final = dst, s[len(src) :]
            break
    for src, dst in _WG_FINALS:
        if final.endswith(src):
            final = final[: -len(src)] + dst
            break
    return initial + final


def chinese_syllables(text: str) -> list[str]:
    return [anyascii(ch).lower() for ch in text if anyascii(ch).strip()]


def chinese(text: str, system: str = "pinyin") -> str:
    """``pinyin``: ``Yueying``; ``wade_giles``: ``Yueh-ying`` (Taiwan passports); ``pinyin_spaced``."""
    syllables = chinese_syllables(text)
    if not syllables:
        return text
    if system == "wade_giles":
        return "-".join(wade_giles_syllable(s) for s in syllables).capitalize()
    if system == "pinyin_spaced":
        return " ".join(s.capitalize() for s in syllables)
    return "".join(syllables).capitalize()


@lru_cache(maxsize=65536)
def thai(text: str, system: str = "rtgs") -> str:
    """``rtgs``: Royal Institute (pythainlp ``royin``); ``adhoc``: letter-by-letter (anyascii)."""
    if system == "rtgs":
        from pythainlp.transliterate import romanize

        return " ".join(romanize(w, engine="royin").capitalize() for w in text.split())
    return " ".join(anyascii(w).capitalize() for w in text.split())


def strip_diacritics(text: str) -> str:
    """Vietnamese (and German) without diacritics: ``Nguyễn`` -> ``Nguyen``, ``đ`` -> ``d``."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def german_ascii(text: str) -> str:
    """DIN 5007-2 style: ä -> ae, ö -> oe, ü -> ue, ß -> ss (what a legacy ASCII system stores)."""
    for src, dst in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
        ("ß", "ss"),
    ):
        text = text.replace(src, dst)
    return text


#: Standards a system picks from per script (the first is the "official" one).
SYSTEMS: dict[str, tuple[str, ...]] = {
    "BG": ("streamlined", "bgn1952", "iso9"),
    "IR": ("naive", "alalc"),
    "TW": ("wade_giles", "pinyin", "pinyin_spaced"),
    "TH": ("rtgs", "adhoc"),
    "VN": ("plain",),
    "DE": ("din", "strip"),
}


@lru_cache(maxsize=262144)
def romanise(text: str, country: str, system: str) -> str:
    """``text`` in the Latin script under ``system``; a result always in ASCII."""
    if country == "BG":
        out = cyrillic(text, system)
    elif country == "IR":
        out = persian(text, system)
    elif country == "TW":
        out = " ".join(chinese(w, system) for w in text.split())
    elif country == "TH":
        out = thai(text, system)
    elif country == "DE" and system == "din":
        out = german_ascii(text)
    else:
        out = strip_diacritics(text)
    return re.sub(r"\s+", " ", anyascii(out)).strip()
