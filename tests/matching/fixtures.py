"""Hand-made flat records shared by the matching tests (no generator needed)."""

from __future__ import annotations

import polars as pl

from matching import FLAT_COLUMNS

#: truth_id = the real customer. Each person exists in two to three systems, written differently.
PEOPLE: list[dict[str, str]] = [
    # Chen Zhiming: Traditional Chinese in the ERP, Wade-Giles ASCII in legacy, pinyin in the web shop.
    dict(
        truth_id="chen",
        source_system="erp",
        source_id="E1",
        full_name="陳志明",
        date_of_birth="1975-04-12",
        phone="+886 2 2345 6789",
        city="臺北",
        country="TW",
        email="zm.chen@example.tw",
    ),
    dict(
        truth_id="chen",
        source_system="legacy_db",
        source_id="L1",
        given_name="CHIH-MING",
        family_name="CHEN",
        date_of_birth="1975-04-12",
        phone="02 2345 6789",
        country="TW",
        city="TAIPEI",
    ),
    dict(
        truth_id="chen",
        source_system="webshop",
        source_id="W1",
        full_name="Zhiming Chen",
        email="zm.chen@example.tw",
        country="TW",
    ),
    # Nguyễn Văn Ánh: diacritics vs upper-case ASCII, title "Ông".
    dict(
        truth_id="nguyen",
        source_system="erp",
        source_id="E2",
        full_name="Ông Nguyễn Văn Ánh",
        date_of_birth="1988-11-02",
        postal_code="700000",
        city="Hồ Chí Minh",
        country="VN",
        phone="+84 28 3822 1111",
    ),
    dict(
        truth_id="nguyen",
        source_system="legacy_csv",
        source_id="C2",
        full_name="NGUYEN VAN ANH",
        date_of_birth="1988-02-11",
        postal_code="700000",
        country="VN",
        email="anh.nguyen@example.vn",
    ),
    # Persian with Arabic yeh/kaf and ZWNJ vs Persian letters without ZWNJ.
    dict(
        truth_id="noori",
        source_system="erp",
        source_id="E3",
        full_name="علي نوري\u200cزاده",
        date_of_birth="1990-01-30",
        phone="+98 21 8888 1234",
        country="IR",
        tax_id="IR-0012345678",
    ),
    dict(
        truth_id="noori",
        source_system="webshop",
        source_id="W3",
        full_name="آقای علی نوریزاده",
        email="a.noorizadeh@example.ir",
        phone="021 8888 1234",
        country="IR",
        tax_id="0012345678",
    ),
    # German umlauts vs ASCII "UE"; Bulgarian Cyrillic vs Latin.
    dict(
        truth_id="mueller",
        source_system="erp",
        source_id="E4",
        given_name="Jürgen",
        family_name="Müller",
        date_of_birth="1961-07-09",
        postal_code="10115",
        street="Invalidenstraße 5",
        city="Berlin",
        country="DE",
    ),
    dict(
        truth_id="mueller",
        source_system="legacy_db",
        source_id="L4",
        full_name="Herr Dr. JUERGEN MUELLER",
        date_of_birth="1961-07-09",
        postal_code="10115",
        street="INVALIDENSTR. 5",
        city="BERLIN",
        country="DE",
    ),
    dict(
        truth_id="petrov",
        source_system="erp",
        source_id="E5",
        full_name="Иван Петров",
        date_of_birth="1979-03-03",
        postal_code="1000",
        city="София",
        country="BG",
        email="ivan.petrov@example.bg",
    ),
    dict(
        truth_id="petrov",
        source_system="webshop",
        source_id="W5",
        full_name="г-н Ivan Petrov",
        email="ivan.petrov@example.bg",
        country="BG",
    ),
    # Thai with the honorific glued on vs RTGS romanisation.
    dict(
        truth_id="somchai",
        source_system="erp",
        source_id="E6",
        full_name="คุณสมชาย ใจดี",
        date_of_birth="1984-05-20",
        phone="+66 2 123 4567",
        postal_code="10110",
        country="TH",
    ),
    dict(
        truth_id="somchai",
        source_system="legacy_csv",
        source_id="C6",
        full_name="SOMCHAI JAIDEE",
        date_of_birth="1984-05-20",
        phone="02 123 4567",
        postal_code="10110",
        country="TH",
    ),
]

ORGANIZATIONS: list[dict[str, str]] = [
    dict(
        truth_id="minhphat",
        source_system="erp",
        source_id="O1",
        record_type="organization",
        organization_name="Công ty TNHH Minh Phát",
        tax_id="0312345678",
        country="VN",
    ),
    dict(
        truth_id="minhphat",
        source_system="legacy_db",
        source_id="O2",
        record_type="organization",
        organization_name="MINH PHAT CO., LTD.",
        tax_id="0312345678",
        country="VN",
    ),
    dict(
        truth_id="balkan",
        source_system="erp",
        source_id="O3",
        record_type="organization",
        organization_name="„Балкан Трейд“ ЕООД",
        postal_code="1000",
        country="BG",
    ),
    dict(
        truth_id="balkan",
        source_system="webshop",
        source_id="O4",
        record_type="organization",
        organization_name="Balkan Trade EOOD",
        postal_code="1000",
        country="BG",
    ),
]

#: Three people in one household: same landline, same address, same family name, different
#: given names and birth dates. Each has their own duplicate; a bare "Mrs Schneider" record
#: with only the landline and the address sits in the middle.
HOUSEHOLD: list[dict[str, str]] = [
    dict(
        truth_id="anna",
        source_system="erp",
        source_id="H1",
        given_name="Anna",
        family_name="Schneider",
        date_of_birth="1970-02-14",
        phone="030 5550 1234",
        street="Lindenweg 7",
        postal_code="14193",
        city="Berlin",
        country="DE",
        email="anna.schneider@example.de",
    ),
    dict(
        truth_id="anna",
        source_system="webshop",
        source_id="H2",
        given_name="Anna",
        family_name="Schneider",
        date_of_birth="1970-02-14",
        phone="+49 30 55501234",
        street="Lindenweg 7",
        postal_code="14193",
        country="DE",
        email="anna.schneider@example.de",
    ),
    dict(
        truth_id="peter",
        source_system="erp",
        source_id="H3",
        given_name="Peter",
        family_name="Schneider",
        date_of_birth="1968-09-01",
        phone="030 5550 1234",
        street="Lindenweg 7",
        postal_code="14193",
        city="Berlin",
        country="DE",
    ),
    dict(
        truth_id="peter",
        source_system="legacy_db",
        source_id="H4",
        full_name="SCHNEIDER PETER",
        date_of_birth="1968-09-01",
        phone="0049 30 5550 1234",
        street="LINDENWEG 7",
        postal_code="14193",
        country="DE",
        email="p.schneider@example.de",
    ),
    dict(
        truth_id="lena",
        source_system="webshop",
        source_id="H5",
        given_name="Lena",
        family_name="Schneider",
        date_of_birth="2001-06-30",
        phone="+49 30 55501234",
        street="Lindenweg 7",
        postal_code="14193",
        country="DE",
        email="lena.s@example.de",
    ),
    dict(
        truth_id="lena",
        source_system="legacy_csv",
        source_id="H6",
        full_name="Lena Schneider",
        date_of_birth="2001-06-30",
        phone="030 5550 1234",
        postal_code="14193",
        country="DE",
        email="lena.s@example.de",
    ),
]

#: A bare record that agrees with every household member (family name, landline, address) and
#: with none of them on anything personal: the classic bridge that chains a household together.
BRIDGE: list[dict[str, str]] = [
    dict(
        truth_id="unknown-schneider",
        source_system="legacy_csv",
        source_id="H7",
        full_name="Frau Schneider",
        phone="030 5550 1234",
        street="Lindenweg 7",
        postal_code="14193",
        city="Berlin",
        country="DE",
    ),
]


def frame(*groups: list[dict[str, str]]) -> pl.DataFrame:
    rows = [row for group in groups for row in group]
    columns = [*FLAT_COLUMNS, "truth_id"]
    return pl.DataFrame(
        [{c: row.get(c) for c in columns} for row in rows], schema=dict.fromkeys(columns, pl.Utf8)
    )
