"""Known truth: look-alike groups (hard negatives), in-system duplicates and the noise between systems."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from itertools import combinations

import pytest
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

from sources.generator import HARD_NEGATIVE_KINDS, LOCALES
from sources.generator.customers import CustomerFactory
from sources.generator.locales import BY_CODE, SUFFIX_LOCALES


@pytest.fixture
def factory() -> CustomerFactory:
    return CustomerFactory(random.Random(3), date(2026, 6, 30))


def test_every_hard_negative_kind_is_present_with_distinct_truth_ids(dataset, clusters):
    kinds = Counter(group.kind for group in dataset.hard_negatives)
    assert set(kinds) == set(HARD_NEGATIVE_KINDS)
    assert all(count >= 10 for count in kinds.values()), kinds
    for group in dataset.hard_negatives:
        assert len(set(group.truth_ids)) == len(group.truth_ids) >= 2
        assert all(t in clusters for t in group.truth_ids)


def _erp(clusters, truth_id):
    return next((r for r in clusters[truth_id] if r["source_system"] == "erp"), None)


def _erp_pairs(dataset, clusters, kind):
    for group in dataset.hard_negatives:
        if group.kind == kind:
            rows = [r for r in (_erp(clusters, t) for t in group.truth_ids) if r is not None]
            yield from combinations(rows, 2)


def test_households_share_address_and_family_name_in_the_data(dataset, clusters):
    pairs = [
        (a, b)
        for a, b in _erp_pairs(dataset, clusters, "household")
        if a["street"] and a["street"] == b["street"] and a["family_name"][:3] == b["family_name"][:3]
    ]
    assert pairs
    assert all(a["given_name"] != b["given_name"] for a, b in pairs)


def test_namesakes_look_identical_by_name_in_the_data(dataset, clusters):
    pairs = list(_erp_pairs(dataset, clusters, "namesakes"))
    assert pairs
    assert all(a["given_name"] == b["given_name"] and a["family_name"] == b["family_name"] for a, b in pairs)
    assert any(
        a["date_of_birth"] and b["date_of_birth"] and a["date_of_birth"] != b["date_of_birth"]
        for a, b in pairs
    )


def test_sister_companies_share_the_group_name_in_the_data(dataset, clusters):
    pairs = list(_erp_pairs(dataset, clusters, "sister_companies"))
    assert pairs
    for a, b in pairs:
        assert a["organization_name"] != b["organization_name"]
        # same group name, only legal form / branch differ: a shared word of the group name (in Thai the
        # stem and industry are one word, "ธนาใจฟู้ด", next to long legal forms)
        shared = set(default_process(a["organization_name"]).split()) & set(
            default_process(b["organization_name"]).split()
        )
        similarity = fuzz.token_set_ratio(
            a["organization_name"], b["organization_name"], processor=default_process
        )
        assert similarity >= 60 or any(len(word) >= 4 for word in shared), (a, b)


@pytest.mark.parametrize("code", [loc.code for loc in LOCALES])
def test_household_members_share_home_but_not_identity(factory, code):
    members = factory.household(BY_CODE[code])
    assert 2 <= len(members) <= 3
    landline = members[0].phones[-1]
    for a, b in combinations(members, 2):
        assert a.truth_id != b.truth_id and a.address is b.address and a.family_base == b.family_base
        assert landline in a.phones and landline in b.phones
        assert a.given.native != b.given.native and a.emails[0] != b.emails[0]


@pytest.mark.parametrize("code", [loc.code for loc in LOCALES])
def test_namesakes_differ_in_everything_but_the_name(factory, code):
    first, *others = factory.namesakes(BY_CODE[code])
    for other in others:
        assert (other.given, other.family) == (first.given, first.family)
        assert other.truth_id != first.truth_id and other.emails[0] != first.emails[0]
        assert not set(p.nsn for p in other.phones) & set(p.nsn for p in first.phones)


def test_no_two_customers_live_at_one_address_by_chance(factory):
    # more homes than the short street lists hold at numbers 1-240: the streets run longer instead
    homes = [factory.address(BY_CODE["de_DE"]) for _ in range(25_000)]
    assert len({(home.city_latin, home.street_latin) for home in homes}) == len(homes)
    assert max(int(home.street_latin.rsplit(" ", 1)[1].rstrip("abc")) for home in homes) > 240


@pytest.mark.parametrize("code", SUFFIX_LOCALES)
def test_junior_and_senior_share_name_and_address_not_birth_date(factory, code):
    senior, junior = factory.junior_senior(BY_CODE[code])
    assert (senior.suffix, junior.suffix) == ("Sr.", "Jr.")
    assert (
        senior.given == junior.given and senior.family == junior.family and senior.address is junior.address
    )
    assert (junior.dob - senior.dob).days >= 20 * 365


@pytest.mark.parametrize("code", [loc.code for loc in LOCALES])
def test_sister_companies_are_distinct_legal_entities(factory, code):
    members = factory.sister_companies(BY_CODE[code])
    assert len({m.org_native for m in members}) == len(members)
    assert len({m.tax_id for m in members}) == len(members)
    assert len({m.extra["domain"] for m in members}) == 1


def test_customers_appear_in_one_to_four_systems(clusters):
    spread = Counter(len({r["source_system"] for r in rows}) for rows in clusters.values())
    assert set(spread) == {1, 2, 3, 4}
    assert spread[1] < sum(spread.values()) * 0.5


def test_in_system_duplicates_exist(clusters):
    duplicated = [
        t for t, rows in clusters.items() if max(Counter(r["source_system"] for r in rows).values()) > 1
    ]
    assert len(duplicated) > 20


def test_truth_pairs_link_exactly_the_rows_of_one_customer(dataset, clusters):
    pairs = dataset.truth_pairs()
    expected = sum(len(rows) * (len(rows) - 1) // 2 for rows in clusters.values())
    assert len(pairs) == expected
    truth = {(r["source_system"], r["source_id"]): r["truth_id"] for r in dataset.rows}
    assert all(len({truth[key] for key in pair}) == 1 for pair in pairs)
    assert not any(truth[key].startswith("BAD-") for pair in pairs for key in pair)


def _any_pair(clusters, predicate) -> bool:
    return any(predicate(a, b) for rows in clusters.values() for a, b in combinations(rows, 2))


def test_webshop_names_carry_typos(clusters):
    def typo(a, b):
        if {a["source_system"], b["source_system"]} != {"erp", "webshop"}:
            return False
        x, y = a["family_name"].lower(), b["family_name"].lower()
        return bool(x and y) and 1 <= Levenshtein.distance(x, y) <= 2 and x.isascii() == y.isascii()

    assert _any_pair(clusters, typo)


def test_noise_between_systems(clusters):
    def swapped_dob(a, b):
        x, y = a["date_of_birth"], b["date_of_birth"]
        return bool(x and y) and x != y and x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]

    def moved(a, b):
        return (
            a["postal_code"]
            and b["postal_code"]
            and a["postal_code"].replace("-", "") != b["postal_code"].replace("-", "")
        )

    def other_email(a, b):
        return a["email"] and b["email"] and a["email"].lower() != b["email"].lower()

    def other_phone(a, b):
        return a["phone"] and b["phone"] and a["phone"][-4:] != b["phone"][-4:]

    for predicate in (swapped_dob, moved, other_email, other_phone):
        assert _any_pair(clusters, predicate), predicate.__name__


def test_fields_are_sometimes_missing(dataset):
    rows = dataset.valid_rows
    for field in ("email", "phone", "street", "postal_code", "date_of_birth", "country"):
        empty = sum(not r[field] for r in rows)
        assert 0 < empty < len(rows), field
