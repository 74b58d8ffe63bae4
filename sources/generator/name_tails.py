"""The long tail of names: what keeps a million generated customers from sharing a few hundred names.

The hand tables in :mod:`.names` and :mod:`.companies` are each locale's *common* names: drawn alone
they gave every full name ~25 customers at a million records (each company name ~100), where a real
customer base of that size has a handful of "James Smith"s and mostly names held by one or two
customers (Thai family names are unique by law). Half of all draws now come from a long tail:

* English, German and Bulgarian names from Faker's name lists (real frequency lists); Bulgarian
  romanised by the official Streamlined System, which is not what the matcher's transliteration
  does (щ = "sht", х = "h", ъ = "a");
* Thai family names compounded from the morphemes real ones are built of, romanised the way families
  register them ("ศรีสวัสดิ์" = "Srisawat"), Persian ones from a root and a suffix ("حسین‌زاده" =
  "Hosseinzadeh"), Vietnamese given names and company words written by hand;
* Chinese given names and company names recombined from the characters of the hand tables, each
  character keeping its Wade-Giles, pinyin and Cantonese readings.

The tails are built once at import; the deliberate look-alike groups (namesakes, households,
Jr./Sr., sister companies) are drawn exactly as before, from whichever name the first member got.
"""

from __future__ import annotations

import importlib
import itertools
import random
from collections.abc import Iterable, Sequence
from typing import TypeVar

from anyascii import anyascii

from sources.generator import names
from sources.generator.names import Name, table

#: Share of name draws taken from the common (hand) tables; the rest come from the tail.
HEAD_SHARE = 0.5

T = TypeVar("T")


def draw(rng: random.Random, head: Sequence[T], tail: Sequence[T]) -> T:
    """A common name with probability ``HEAD_SHARE``, else one from the long tail (if there is one)."""
    if tail and rng.random() >= HEAD_SHARE:
        return rng.choice(tail)
    return rng.choice(head)


def _unique(names: Iterable[Name], head: Iterable[Name] = ()) -> tuple[Name, ...]:
    """Names in first-seen order, without those already in ``head`` (by native spelling)."""
    seen = {n.native for n in head}
    out = []
    for name in names:
        if name.native and name.native not in seen:
            seen.add(name.native)
            out.append(name)
    return tuple(out)


# --- Faker's lists (English, German, Bulgarian) ---------------------------------------------------


def _faker(locale: str, attribute: str) -> list[str]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    return [name.strip() for name in getattr(provider, attribute) if name.strip()]


def _latin_names(head: Sequence[Name], *lists: Iterable[str]) -> tuple[Name, ...]:
    return _unique((Name(n, "") for n in itertools.chain(*lists) if n.replace("-", "").isalpha()), head)


def _words(text: str) -> list[str]:
    return text.split()


_BG_STREAMLINED = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъьюя",
        _words("a b v g d e zh z i y k l m n o p r s t u f h ts ch sh sht a y yu ya"),
        strict=True,
    )
)


def bg_streamlined(text: str) -> str:
    """Bulgarian Streamlined System (the law of 2009, what passports print): "Христов" -> "Hristov"."""
    out = []
    for ch in text:
        latin = _BG_STREAMLINED.get(ch.lower(), ch)
        out.append(latin.capitalize() if ch.isupper() else latin)
    return "".join(out)


def _bulgarian(head: Sequence[Name], spellings: Iterable[str]) -> tuple[Name, ...]:
    return _unique((Name(n, bg_streamlined(n)) for n in spellings), head)




def _english(head: Sequence[Name], attribute: str) -> tuple[Name, ...]:
    return _latin_names(head, _faker("en_US", attribute), _faker("en_GB", attribute))


EN_GIVEN_M = _english(names.EN_GIVEN_M, "first_names_male")
EN_GIVEN_F = _english(names.EN_GIVEN_F, "first_names_female")
EN_FAMILY = _english(names.EN_FAMILY, "last_names")
DE_GIVEN_M = _latin_names(names.DE_GIVEN_M, _faker("de_DE", "first_names_male"))
DE_GIVEN_F = _latin_names(names.DE_GIVEN_F, _faker("de_DE", "first_names_female"))
DE_FAMILY = _latin_names(names.DE_FAMILY, _faker("de_DE", "last_names"))
BG_GIVEN_M = _bulgarian(names.BG_GIVEN_M, _faker("bg_BG", "first_names_male"))
BG_GIVEN_F = _bulgarian(names.BG_GIVEN_F, _faker("bg_BG", "first_names_female"))
#: Only -ов/-ев names: the generator derives the feminine form (Петров -> Петрова) itself.
_BG_SURNAMES = [n for n in _faker("bg_BG", "last_names") if n.endswith(("ов", "ев"))]
BG_FAMILY = _bulgarian(names.BG_FAMILY, _BG_SURNAMES)

# --- Thai family names: compounds of auspicious morphemes -------------------------------------------

_TH_FIRST = table("""
ศรี|Sri
สุข|Suk
ทอง|Thong
แสง|Saeng
บุญ|Boon
เจริญ|Charoen
วงศ์|Wong
ชัย|Chai
รุ่ง|Rung
พงษ์|Phong
กิตติ|Kitti
สมบูรณ์|Somboon
แก้ว|Kaew
ศิริ|Siri
สุวรรณ|Suwan
ธนา|Thana
เพชร|Phet
อินทร์|In
นาค|Nak
มณี|Manee
""")
_TH_SECOND = table("""
สวัสดิ์|sawat
ชัย|chai
วงศ์|wong
ทอง|thong
ศรี|sri
สุข|suk
ดี|dee
งาม|ngam
เจริญ|charoen
พันธ์|phan
กุล|kul
รัตน์|rat
ศักดิ์|sak
มงคล|mongkol
ใจ|jai
แก้ว|kaew
สมบัติ|sombat
วิไล|wilai
บุญ|boon
ประเสริฐ|prasert
""")


def _compounds(first: Sequence[Name], second: Sequence[Name], joiner: str = "") -> tuple[Name, ...]:
    """Every ``first`` + ``second`` (not a part with itself): "ศรี" + "สวัสดิ์" = "Srisawat"."""
    return _unique(
        Name(f"{a.native}{joiner}{b.native}", f"{a.latin}{joiner}{b.latin}")
        for a, b in itertools.product(first, second)
        if a.native != b.native
    )


TH_FAMILY = _unique(_compounds(_TH_FIRST, _TH_SECOND), names.TH_FAMILY)

# --- Persian family names: a root and a suffix --------------------------------------------------------

_FA_ROOTS = table("""
حسین|Hossein
احمد|Ahmad
محمد|Mohammad
کریم|Karim
رحیم|Rahim
جعفر|Jafar
صادق|Sadegh
قاسم|Ghasem
عباس|Abbas
اکبر|Akbar
شریف|Sharif
امین|Amin
یزدان|Yazdan
حسن|Hasan
جلال|Jalal
کمال|Kamal
منصور|Mansour
بهرام|Bahram
فرهاد|Farhad
کیان|Kian
آزاد|Azad
نصر|Nasr
""")
#: ZWNJ (U+200C): Persian writes the suffix apart from the root without a space ("حسین‌پور").
_FA_SUFFIXES = table("""
\u200cزاده|zadeh
\u200cپور|pour
\u200cنژاد|nejad
\u200cفر|far
\u200cنیا|nia
\u200cراد|rad
\u200cوند|vand
""")
FA_FAMILY = _unique(_compounds(_FA_ROOTS, _FA_SUFFIXES), names.FA_FAMILY)

# --- Vietnamese given names (written with diacritics; the Latin form is the ASCII fold) ---------------

VI_GIVEN_M = _unique(
    (
        Name(n, "")
        for n in _words(
            "Bảo Bình Cường Dũng Đạt Hải Hiếu Hòa Hùng Huy Khang Khánh Khoa Kiên Lâm Lộc Nghĩa Phong Phúc "
        "Quân Quang Sơn Tài Thắng Thịnh Tiến Toàn Trí Trung Tùng Việt Vinh Vũ Hưng Nhân Lợi Tín Đông"
        )
    ),
    names.VI_GIVEN_M,
)
VI_GIVEN_F = _unique(
    (
        Name(n, "")
        for n in _words(
            "Châu Chi Diệp Dung Giang Hạnh Hằng Hiền Hoa Hồng Huệ Hương Lan Liên Loan Mai My Nga Ngân "
        "Nhi Nhung Oanh Quyên Quỳnh Thảo Thu Thủy Trang Trinh Vân Vy Xuân Yến Ánh Diễm Gấm Kiều Tuyết"
        )
    ),
    names.VI_GIVEN_F,
)

# --- Chinese: given names recombined character by character -------------------------------------------


def _syllables(name: Name) -> list[Name] | None:
    """Per character of a two-character given name: native | Wade-Giles | pinyin | Cantonese."""
    wade_giles = name.latin.split("-")
    cantonese = name.alts[1].split() if len(name.alts) > 1 else []
    if len(name.native) != 2 or len(wade_giles) != 2 or len(cantonese) != 2:
        return None
    return [
        Name(char, wg.capitalize(), (anyascii(char).capitalize(), canto))
        for char, wg, canto in zip(name.native, wade_giles, cantonese, strict=True)
    ]


def chinese_given(head: Sequence[Name]) -> tuple[Name, ...]:
    """Every first character with every second character of ``head`` (a native|WG|pinyin|Cantonese
    table), readings joined as each system writes them: "Chih-Hao", "Zhihao", "Chi Ho"."""
    split = [s for s in (_syllables(n) for n in head) if s]
    firsts, seconds = [s[0] for s in split], [s[1] for s in split]
    return _unique(
        (
            Name(
                a.native + b.native,
                f"{a.latin}-{b.latin}",
                (a.alts[0] + b.alts[0].lower(), f"{a.alts[1]} {b.alts[1]}"),
            )
            for a, b in itertools.product(firsts, seconds)
        ),
        head,
    )


# --- company name stems -------------------------------------------------------------------------------


def chinese_stems(head: Sequence[Name]) -> tuple[Name, ...]:
    """Two-character stems ("永盛" = "Yung Sheng") recombined: "永豐" = "Yung Feng"."""
    pairs = [(n.native, n.latin.split()) for n in head if len(n.native) == 2 and len(n.latin.split()) == 2]
    return _unique(
        (
            Name(a[0][0] + b[0][1], f"{a[1][0]} {b[1][1]}")
            for a, b in itertools.product(pairs, pairs)
            if a is not b
        ),
        head,
    )


_VI_STEM_FIRST = _words("Hoàng Minh Phương Thành Đại An Tân Hưng Phú Quang Kim Bảo Trường Hải Việt Nam")
_VI_STEM_SECOND = _words("Long Phát Nam Công Việt Khang Thịnh Hưng Lộc Thành Á Phong Tiến Bình")
VI_STEMS = _unique(
    Name(f"{a} {b}", "") for a, b in itertools.product(_VI_STEM_FIRST, _VI_STEM_SECOND) if a != b
)
_FA_STEM_WORDS = table("""
ایران|Iran
کیمیا|Kimia
آسیا|Asia
مهر|Mehr
پویا|Pouya
آرمان|Arman
سینا|Sina
رایان|Rayan
ارم|Eram
شایان|Shayan
سامان|Saman
نیکان|Nikan
دنا|Dena
پیشرو|Pishro
آفتاب|Aftab
سپهر|Sepehr
""")
FA_STEMS = _compounds(_FA_STEM_WORDS, _FA_STEM_WORDS, joiner=" ")
