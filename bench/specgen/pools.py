"""Finite pools of real-looking names, streets and towns per country, drawn once from ``faker``.

Why pools: calling faker per record costs ~50 µs a field; drawing pools of a few hundred values per
country once and sampling from them with our own seeded RNG keeps a million records at seconds and
makes every romanisation cacheable. The pools' size still gives realistic name frequencies
(namesakes happen by chance, as they do in real data).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

#: country -> (faker locale, weight in the population, calling code, share of organisations)
COUNTRIES: dict[str, tuple[str, float, str]] = {
    "US": ("en_US", 0.18, "1"),
    "GB": ("en_GB", 0.10, "44"),
    "DE": ("de_DE", 0.15, "49"),
    "TW": ("zh_TW", 0.13, "886"),
    "TH": ("th_TH", 0.11, "66"),
    "VN": ("vi_VN", 0.11, "84"),
    "IR": ("fa_IR", 0.10, "98"),
    "BG": ("bg_BG", 0.12, "359"),
}
#: Family name written first in the native order (and by the legacy system in upper case).
FAMILY_FIRST = {"TW", "VN"}

#: faker's bg_BG and vi_VN addresses are partly English placeholders; real towns with postcodes instead.
_TOWNS = {
    "BG": [
        ("София", "1000"),
        ("Пловдив", "4000"),
        ("Варна", "9000"),
        ("Бургас", "8000"),
        ("Русе", "7000"),
        ("Стара Загора", "6000"),
        ("Плевен", "5800"),
        ("Сливен", "8800"),
        ("Добрич", "9300"),
        ("Шумен", "9700"),
    ],
    "VN": [
        ("Hà Nội", "100000"),
        ("Hồ Chí Minh", "700000"),
        ("Đà Nẵng", "550000"),
        ("Hải Phòng", "180000"),
        ("Cần Thơ", "900000"),
        ("Huế", "530000"),
        ("Nha Trang", "650000"),
        ("Vũng Tàu", "790000"),
    ],
}
#: faker's vi_VN has only ~15 given names per sex; common ones added (given names are diverse in Vietnam,
#: family names are not: Nguyễn alone is about 38 %).
_VN_GIVEN = [
    "An",
    "Anh",
    "Bình",
    "Châu",
    "Cường",
    "Dũng",
    "Duy",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Khoa",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "My",
    "Nam",
    "Nga",
    "Nhung",
    "Phong",
    "Phúc",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Thủy",
    "Trang",
    "Trung",
    "Tú",
    "Tuấn",
    "Uyên",
    "Vân",
    "Việt",
    "Vinh",
    "Xuân",
    "Yến",
]
_STREET_WORD = {"BG": "ул. ", "VN": "đường ", "IR": "خیابان ", "TW": "", "TH": "ถนน"}

SECTORS = {
    "US": ["Logistics", "Foods", "Systems", "Consulting", "Supply", "Holdings"],
    "GB": ["Logistics", "Foods", "Systems", "Consulting", "Supply", "Holdings"],
    "DE": ["Logistik", "Bau", "Handel", "Systeme", "Beratung", "Holding"],
    "TW": ["科技", "貿易", "實業", "電子", "物流", "控股"],
    "TH": ["การค้า", "ขนส่ง", "อาหาร", "เทคโนโลยี", "ก่อสร้าง", "โฮลดิ้ง"],
    "VN": ["Thương mại", "Xây dựng", "Vận tải", "Công nghệ", "Thực phẩm", "Đầu tư"],
    "IR": ["بازرگانی", "صنعتی", "حمل و نقل", "فناوری", "ساختمانی", "سرمایه گذاری"],
    "BG": ["Търговия", "Строй", "Транс", "Системи", "Консулт", "Холдинг"],
}


@dataclass(frozen=True)
class CountryPool:
    country: str
    given_female: tuple[str, ...]
    given_male: tuple[str, ...]
    family: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[tuple[str, str], ...]


def _unique(draw, n: int, keep=lambda v: True) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _ in range(n * 6):
        value = draw().strip()
        if value and keep(value):
            seen[value] = None
        if len(seen) >= n:
            break
    return tuple(seen)


@lru_cache(maxsize=64)
def country_pool(country: str, seed: int) -> CountryPool:
    locale = COUNTRIES[country][0]
    fake = Faker(locale)
    fake.seed_instance(seed * 131 + sum(map(ord, country)))
    english: set[str] = set()
    if country in {"VN", "BG", "IR"}:  # seeded too: the same seed must give the same data set
        english_fake = Faker("en_US")
        english_fake.seed_instance(seed * 131)
        english = set(_unique(english_fake.first_name, 400))
    native = (
        (lambda v: v not in english and not re.search(r"[A-Za-z]", v))
        if country in {"BG", "IR"}
        else (lambda v: v not in english)
    )
    female = _unique(fake.first_name_female, 250, native)
    male = _unique(fake.first_name_male, 250, native)
    family = _unique(fake.last_name, 300, native)
    if country == "VN":
        female, male = (
            tuple(dict.fromkeys(female + tuple(_VN_GIVEN))),
            tuple(dict.fromkeys(male + tuple(_VN_GIVEN))),
        )
    if country in _TOWNS:
        towns = tuple(_TOWNS[country])
    else:
        # deduplicated in drawing order (a set's order changes with PYTHONHASHSEED)
        towns = tuple(dict.fromkeys((fake.city(), fake.postcode()) for _ in range(150)))
    if country in {"US", "GB", "DE", "TW"}:
        streets = _unique(fake.street_name, 200)
    else:  # a street named after a family name, the way faker's own native providers compose them
        streets = tuple(_STREET_WORD.get(country, "") + f for f in family[:200])
    return CountryPool(country, female, male, family, streets, towns)


def pick_country(rng: random.Random) -> str:
    return rng.choices(list(COUNTRIES), weights=[w for _, w, _ in COUNTRIES.values()])[0]
