"""What the data contains: locales, scripts, romanizations, legal forms, valid phones and tax ids."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import phonenumbers
import pytest

from sources.generator import DEFAULT_AS_OF, LOCALES, to_customer_record
from sources.generator.customers import CustomerFactory
from sources.generator.locales import BY_CODE
from sources.generator.name_tails import bg_streamlined
from sources.generator.names import bg_feminine
from sources.generator.places import PhonePlan
from sources.generator.text import german_fold, legacy_upper

NAME_FIELDS = ("given_name", "family_name", "full_name", "organization_name")

SCRIPTS = {
    "Thai": re.compile(r"[\u0E01-\u0E5B]"),
    "Han": re.compile(r"[\u4E00-\u9FFF]"),
    "Persian": re.compile(r"[پچژگی]"),  # letters Persian has and Arabic has not
    "Cyrillic": re.compile(r"[\u0400-\u04FF]"),
    "Vietnamese": re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE),
    "German": re.compile(r"[äöüß]", re.IGNORECASE),
}

LEGAL_FORMS = [
    "GmbH",
    " AG",
    " Ltd",
    "Co., Ltd.",
    " JSC",
    "Công ty TNHH",
    " ООД",
    " ЕООД",
    " АД",
    "有限公司",
    "股份有限公司",
    "บริษัท",
    "จำกัด",
    "شرکت",
    "Inc.",
    " LLC",
]


def test_every_locale_country_and_script_is_present(dataset):
    countries = {r["country"] for r in dataset.valid_rows}
    assert {loc.country for loc in LOCALES} <= countries
    names = " ".join(r[f] for r in dataset.valid_rows for f in NAME_FIELDS)
    for script, pattern in SCRIPTS.items():
        assert pattern.search(names), f"no {script} names"


def test_legacy_db_is_ascii_upper_case(dataset):
    legacy = [r for r in dataset.valid_rows if r["source_system"] == "legacy_db"]
    for row in legacy:
        for field in (*NAME_FIELDS, "street", "city"):
            assert row[field].isascii() and row[field] == row[field].upper(), (field, row[field])


def _romanizations() -> dict[str, set[str]]:
    """native name part -> every ASCII upper-case spelling the tables allow for it."""
    out: dict[str, set[str]] = {}
    for loc in LOCALES:
        families = [*loc.family, *loc.family_tail]
        entries = [*loc.given_m, *loc.given_f, *loc.given_m_tail, *loc.given_f_tail, *families]
        if loc.feminine_family:
            entries += [bg_feminine(n) for n in families]
        for name in entries:
            forms = {
                loc.latin(name),
                *loc.alt_latin(name),
                german_fold(name.native),
                legacy_upper(name.native),
            }
            out.setdefault(name.native, set()).update(legacy_upper(f) for f in forms if f)
    return out


def test_legacy_names_are_correct_romanizations_of_the_erp_names(clusters):
    table = _romanizations()
    checked = 0
    for rows in clusters.values():
        erp = next((r for r in rows if r["source_system"] == "erp" and r["record_type"] == "person"), None)
        if erp is None:
            continue
        expected = [
            table.get(erp["given_name"]) or {legacy_upper(erp["given_name"])},
            table.get(erp["family_name"]) or {legacy_upper(erp["family_name"])},
        ]
        for row in rows:
            if row["source_system"] != "legacy_db" or not row["given_name"]:
                continue
            given, family = (re.sub(r" [JS]R$", "", row[f]) for f in ("given_name", "family_name"))
            straight = given in expected[0] and family in expected[1]
            swapped = family in expected[0] and given in expected[1]
            assert straight or swapped, (erp["given_name"], erp["family_name"], given, family)
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("Иван", "IVAN"),
        ("Петров", "PETROV"),
        ("陳", "CHEN"),
        ("志明", "CHIH-MING"),
        ("สมชาย", "SOMCHAI"),
        ("ใจดี", "JAIDEE"),
        ("محمد", "MOHAMMAD"),
        ("رضایی", "REZAEI"),
        ("Nguyễn", "NGUYEN"),
        ("Müller", "MUELLER"),
    ],
)
def test_romanization_tables_hold_the_standard_spellings(native, latin):
    assert latin in _romanizations()[native]


def test_cjk_and_vietnamese_full_names_are_family_name_first(dataset):
    for row in dataset.valid_rows:
        if row["source_system"] == "erp" and row["full_name"] and row["country"] in ("TW", "HK", "VN"):
            assert row["full_name"].startswith(row["family_name"])


def test_about_a_fifth_of_customers_are_organizations(clusters):
    kinds = [rows[0]["record_type"] for rows in clusters.values()]
    assert 0.12 < kinds.count("organization") / len(kinds) < 0.3


def test_legal_forms_of_many_languages_are_present(dataset):
    org_names = " ".join(r["organization_name"] for r in dataset.valid_rows)
    missing = [form for form in LEGAL_FORMS if form not in org_names]
    assert not missing


def test_phone_plans_only_yield_valid_numbers():
    for loc in LOCALES:
        plans: list[PhonePlan] = [*loc.mobile, *(city.landline for city in loc.cities)]
        for plan in plans:
            for tail in ("2" + "0" * (plan.rest - 1), "9" * plan.rest, "5" * plan.rest):
                number = phonenumbers.parse(
                    f"+{phonenumbers.country_code_for_region(loc.country)}{plan.prefix}{tail}"
                )
                assert phonenumbers.is_valid_number_for_region(number, loc.country), (loc.code, plan, tail)


def test_every_generated_phone_is_valid_in_its_country(dataset):
    for row in dataset.valid_rows:
        for phone in to_customer_record(row).phones:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number), (row["phone"], row["country"])


def test_phones_are_written_in_varying_styles(dataset):
    phones = [p for r in dataset.valid_rows for p in r["phone"].split(";") if p]
    assert any(p.startswith("+") for p in phones)
    assert any(p.startswith("0") for p in phones)
    assert any("(" in p for p in phones) and any("-" in p for p in phones) and any("/" in p for p in phones)


def _ir_legal_id_ok(number: str) -> bool:
    weights = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
    shift = int(number[9]) + 2
    check = sum((int(d) + shift) * w for d, w in zip(number[:10], weights, strict=True)) % 11
    return len(number) == 11 and (0 if check == 10 else check) == int(number[10])


def test_organization_tax_ids_have_valid_check_digits(dataset):
    stdnum = pytest.importorskip("stdnum")
    from stdnum.bg import vat as bg_vat
    from stdnum.de import vat as de_vat
    from stdnum.gb import vat as gb_vat
    from stdnum.th import tin as th_tin
    from stdnum.tw import ubn as tw_ubn
    from stdnum.us import ein as us_ein
    from stdnum.vn import mst as vn_mst

    assert stdnum
    validators = {
        "DE": de_vat.is_valid,
        "BG": bg_vat.is_valid,
        "GB": gb_vat.is_valid,
        "TH": th_tin.is_valid,
        "TW": tw_ubn.is_valid,
        "US": us_ein.is_valid,
        "VN": vn_mst.is_valid,
        "IR": _ir_legal_id_ok,
        "HK": lambda n: re.fullmatch(r"\d{8}", n) is not None,
    }
    seen = set()
    for row in dataset.valid_rows:
        if row["source_system"] == "erp" and row["tax_id"]:
            assert validators[row["country"]](row["tax_id"]), (row["country"], row["tax_id"])
            seen.add(row["country"])
        if row["record_type"] == "person":
            assert row["tax_id"] == ""
    assert seen == set(validators)


def test_updated_at_spreads_over_the_last_two_years(dataset):
    stamps = [datetime.fromisoformat(r["updated_at"]) for r in dataset.valid_rows]
    assert min(stamps) >= DEFAULT_AS_OF - timedelta(days=731)
    assert max(stamps) <= DEFAULT_AS_OF
    assert max(stamps) - min(stamps) > timedelta(days=600)


def test_persons_have_plausible_birth_dates(dataset):
    dobs = [r["date_of_birth"] for r in dataset.valid_rows if r["date_of_birth"]]
    assert all(r["record_type"] == "person" for r in dataset.valid_rows if r["date_of_birth"])
    years = [int(d[:4]) for d in dobs]
    assert min(years) >= DEFAULT_AS_OF.year - 91 and max(years) <= DEFAULT_AS_OF.year - 18


def _distinct_names(code: str, *, common: bool) -> int:
    factory = CustomerFactory(random.Random(5), DEFAULT_AS_OF)
    people = (factory.person(BY_CODE[code], common=common) for _ in range(3000))
    return len({(p.given.native, p.family_base.native) for p in people})


@pytest.mark.parametrize("code", ["en_US", "de_DE", "bg_BG", "th_TH", "fa_IR", "zh_TW", "vi_VN"])
def test_the_long_tail_keeps_most_full_names_rare(code: str) -> None:
    # the common tables alone hold a few hundred full names per locale; half the draws come from the tail
    assert _distinct_names(code, common=False) > 1.3 * _distinct_names(code, common=True)


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("Христов", "Hristov"), ("Щерев", "Shterev"), ("Ъгълов", "Agalov"), ("Йорданка", "Yordanka")],
)
def test_bulgarian_tail_names_use_the_streamlined_system(cyrillic: str, latin: str) -> None:
    assert bg_streamlined(cyrillic) == latin
