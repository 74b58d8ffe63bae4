"""Blocking recall: true pairs are found when a field is missing or written in another script."""

from __future__ import annotations

import polars as pl
from fixtures import HOUSEHOLD, ORGANIZATIONS, PEOPLE, frame

from matching.block import DEFAULT_KEYS, BlockingKey, candidate_pairs
from matching.features import build_features
from matching.frame import conform


def _true_pairs(data: pl.DataFrame) -> set[tuple[int, int]]:
    truth = data["truth_id"].to_list()
    return {(i, j) for i in range(len(truth)) for j in range(i + 1, len(truth)) if truth[i] == truth[j]}


def test_every_true_pair_is_a_candidate() -> None:
    data = frame(PEOPLE, ORGANIZATIONS, HOUSEHOLD)
    pairs, stats = candidate_pairs(build_features(conform(data)))
    found = set(pairs.select("l", "r").iter_rows())
    assert _true_pairs(data) <= found
    assert stats.candidate_pairs == pairs.height == len(found)
    assert (pairs["l"] < pairs["r"]).all()


def test_pair_found_with_no_shared_field_but_a_transliterated_name() -> None:
    rows = [
        dict(source_system="erp", source_id="1", full_name="Иван Петров", date_of_birth="1979-03-03"),
        dict(
            source_system="webshop",
            source_id="2",
            full_name="PETROV IVAN",
            date_of_birth="1979-03-03",
            email="ivan@example.bg",
        ),
        dict(source_system="erp", source_id="3", full_name="สมชาย ใจดี", postal_code="10110"),
        dict(source_system="legacy_csv", source_id="4", full_name="Somchai Jaidee", postal_code="10110"),
    ]
    pairs, _ = candidate_pairs(build_features(conform(pl.DataFrame(rows))))
    assert {(0, 1), (2, 3)} <= set(pairs.iter_rows())


def test_oversized_blocks_are_skipped_and_counted() -> None:
    rows = [
        dict(source_system="erp", source_id=str(i), full_name=f"Person {i}", phone="+49 30 1111111")
        for i in range(40)
    ]
    features = build_features(conform(pl.DataFrame(rows)))
    pairs, stats = candidate_pairs(
        features, (BlockingKey("phone", ("phones",), explode="phones", max_block_size=30),)
    )
    assert pairs.height == 0
    assert stats.oversized_blocks["phone"] == 1 and stats.records_in_oversized_blocks["phone"] == 40


def test_pairs_found_by_reading_sound_and_name_token_with_birth_date() -> None:
    rows = [
        # the Thai name's RTGS reading sounds like the Latin spelling; one side has no birth date
        dict(source_system="erp", source_id="1", given_name="วันดี", family_name="วงศ์สวัสดิ์",
             postal_code="10500", country="TH"),
        dict(source_system="webshop", source_id="2", full_name="WANDEE WONGSAWAT", postal_code="10500",
             date_of_birth="1946-04-04", country="TH"),
        # the same name in a small town: the name alone is a block
        dict(source_system="erp", source_id="3", full_name="Daniel Evans", city="Chicago", country="US"),
        dict(source_system="webshop", source_id="4", given_name="Daniel", family_name="Evans", country="US"),
        # a mistyped given name, the address moved: one name token and the birth date
        dict(source_system="erp", source_id="5", full_name="MARGARE LEWIS", date_of_birth="2000-02-13",
             postal_code="BS8 6NZ", country="GB"),
        dict(source_system="webshop", source_id="6", full_name="Margaret Lewis", date_of_birth="2000-02-13",
             postal_code="BS1 4RW", country="GB"),
    ]  # fmt: skip
    pairs, stats = candidate_pairs(build_features(conform(pl.DataFrame(rows))))
    assert {(0, 1), (2, 3), (4, 5)} <= set(pairs.iter_rows())
    assert stats.pairs_by_key["alt_phonetic_name+postal_code"] >= 1
    assert stats.pairs_by_key["name_token+dob"] >= 1


def _found(rows: list[dict[str, str]], without: str | None = None) -> set[tuple[int, int]]:
    """Candidate row pairs of ``rows`` with all blocking keys, or all but the one named ``without``."""
    assert without is None or without in {key.name for key in DEFAULT_KEYS}
    features = build_features(conform(pl.DataFrame(rows)))
    keys = tuple(key for key in DEFAULT_KEYS if key.name != without)
    return set(candidate_pairs(features, keys)[0].iter_rows())


def test_common_company_name_is_paired_by_street_only_for_companies() -> None:
    # 35 "Saigon Trading" branches: the name blocks are oversized, one side has no postal code
    rows = [
        dict(
            source_system="erp",
            source_id=str(i),
            record_type="organization",
            organization_name="Saigon Trading Co., Ltd.",
            street=f"{i} Le Loi",
            postal_code="70000",
        )
        for i in range(35)
    ]
    rows.append(
        dict(
            source_system="webshop",
            source_id="w",
            record_type="organization",
            organization_name="SAIGON TRADING CO LTD",
            street="7 LE LOI",
        )
    )
    # the same person name at one street stays for the other keys to find: father and son
    rows += [
        dict(
            source_system="erp",
            source_id=f"p{i}",
            given_name="Robert",
            family_name="Taylor",
            street=f"{i} Park Place",
            city="Chicago",
            email=f"rt{i}@example.com",
        )
        for i in range(25)
    ]
    rows.append(
        dict(
            source_system="webshop",
            source_id="pw",
            given_name="ROBERT",
            family_name="TAYLOR",
            street="20 PARK PLACE",
        )
    )
    found = _found(rows)
    assert (7, 35) in found
    assert (7, 35) not in _found(rows, without="org_name+street")
    assert (36 + 20, 61) not in found


def test_birth_date_and_house_number_pair_records_across_scripts() -> None:
    rows = [
        dict(
            source_system="erp",
            source_id="1",
            full_name="กุ้ง แสงทอง",
            street="114/96 ถนนสุขุมวิท",
            city="ขอนแก่น",
            date_of_birth="1957-02-13",
        ),
        dict(
            source_system="legacy_db",
            source_id="2",
            given_name="PRANEE",
            family_name="SANGTONG",
            street="114/96 SUKHUMVIT ROAD",
            city="KHON KAEN",
            date_of_birth="1957-02-13",
        ),
    ]
    assert (0, 1) in _found(rows)
    assert (0, 1) not in _found(rows, without="dob+house_number")


def test_name_sound_and_house_number_pair_records_across_scripts_only() -> None:
    street = dict(country="TW", city="Taipei City")
    rows = [
        # 何美玲 at 忠孝東路88號 and "Meiling Ho" at "No. 88, Zhongxiao East Road": no postal code, no
        # birth date on the Latin side, and the Cantonese/Mandarin readings differ from "ho meiling"
        dict(
            street,
            source_system="erp",
            source_id="1",
            given_name="美玲",
            family_name="何",
            street="忠孝東路88號",
        ),
        dict(
            street,
            source_system="webshop",
            source_id="2",
            full_name="Meiling Ho",
            street="No. 88, Zhongxiao East Road",
        ),
        # two Latin records with one name at one house number are as often father and son: not by this key
        dict(
            street, source_system="webshop", source_id="3", full_name="Kevin Lin", street="No. 12, Renai Road"
        ),
        dict(
            street,
            source_system="legacy_db",
            source_id="4",
            full_name="KEVIN LIN",
            street="NO. 12, RENAI RD.",
        ),
    ]
    features = build_features(conform(pl.DataFrame(rows)))
    [key] = [k for k in DEFAULT_KEYS if k.name == "cross_script_name+house_number"]
    pairs, _ = candidate_pairs(features, (key,))
    assert set(pairs.iter_rows()) == {(0, 1)}
