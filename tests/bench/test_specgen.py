"""The spec-only data set: deterministic, corrupted at the spec rates, truthful, readable by the harness."""

import math
import os
import subprocess
import sys

import polars as pl
import pytest

from bench.datasets import FLAT_COLUMNS, TRUTH, load_dataset, to_flat
from bench.specgen import generate
from bench.specgen.corrupt import ENTITY_RATES, RATES, WITHIN_SOURCE_DUPLICATE
from bench.specgen.translit import romanise, wade_giles_syllable


@pytest.fixture(scope="module")
def five_k():
    return generate(5000, seed=11)


def test_same_seed_same_records_other_seed_other_records() -> None:
    a, b, c = generate(800, seed=3).frame, generate(800, seed=3).frame, generate(800, seed=4).frame
    assert a.equals(b)
    assert not a.equals(c)


def test_same_seed_same_records_in_another_interpreter() -> None:
    """Set order and unseeded Faker instances change with each process's hash seed; the data must not."""
    script = (
        "import hashlib, sys; from bench.specgen import generate; "
        "sys.stdout.write(hashlib.sha256(generate(3000, seed=3).frame.write_csv().encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


def test_every_corruption_kind_appears_at_its_configured_rate(five_k) -> None:
    for kind, per_system in RATES.items():
        rates = [r for r in per_system.values() if r]
        seen = five_k.seen[kind]
        assert seen > 0, f"{kind} never had a chance"
        observed = five_k.applied[kind] / seen
        # four standard errors of a binomial share at the extreme configured rates
        low, high = min(rates), max(rates)
        slack = 4 * math.sqrt(max(low * (1 - low), high * (1 - high)) / seen) + 0.005
        assert low - slack <= observed <= high + slack, (kind, observed, rates, seen)
        if len(set(rates)) == 1 and low < 1:
            assert observed > 0, kind
    dup = five_k.applied["within_source_duplicate"] / five_k.seen["within_source_duplicate"]
    assert dup == pytest.approx(WITHIN_SOURCE_DUPLICATE, abs=0.02)
    assert five_k.applied["legacy_truncated"] > 0
    people = five_k.frame.filter(pl.col("record_type") == "person")[TRUTH].n_unique()
    for relation in ("household", "namesake", "move"):
        assert five_k.relations[relation] / people == pytest.approx(ENTITY_RATES[relation], rel=0.6), relation


def test_missing_values_are_visible_in_the_records(five_k) -> None:
    web = five_k.frame.filter(pl.col("source_system") == "webshop")
    legacy = five_k.frame.filter(pl.col("source_system") == "legacy")
    assert web["email"].null_count() / web.height < 0.25  # only moves drop a web shop e-mail
    assert legacy["email"].null_count() / legacy.height == pytest.approx(0.7, abs=0.1)
    assert web.filter(pl.col("record_type") == "person")["date_of_birth"].null_count() / web.filter(
        pl.col("record_type") == "person"
    ).height == pytest.approx(0.6, abs=0.1)


def test_legacy_is_ascii_upper_case_and_east_asian_names_come_family_first(five_k) -> None:
    legacy = five_k.frame.filter(pl.col("source_system") == "legacy")
    names = legacy.select(
        pl.concat_str("given_name", "family_name", "full_name", "street", ignore_nulls=True)
    )
    text = "".join(names.to_series().to_list())
    assert text.isascii() and text == text.upper()
    erp = five_k.frame.filter((pl.col("source_system") == "erp") & (pl.col("country") == "BG"))
    assert any(not v.isascii() for v in erp["family_name"].drop_nulls())
    east = legacy.filter(pl.col("country").is_in(["TW", "VN"]) & (pl.col("record_type") == "person"))
    assert east["full_name"].null_count() == 0 and east["given_name"].null_count() == east.height


def test_ground_truth_keeps_households_and_namesakes_apart(five_k) -> None:
    erp = five_k.frame.filter(pl.col("source_system") == "erp")
    # one landline, several customers: households (and sister companies) are distinct entities
    shared_phone = erp.filter(pl.col("phone").is_not_null()).group_by("phone").agg(pl.col(TRUTH).n_unique())
    assert shared_phone.filter(pl.col(TRUTH) > 1).height > 0
    # the same native name, several customers: namesakes
    named = erp.filter(pl.col("record_type") == "person").group_by("given_name", "family_name")
    assert named.agg(pl.col(TRUTH).n_unique()).filter(pl.col(TRUTH) > 1).height > 0
    # a real customer never has two birth dates in the ERP (corruptions aside, the ERP rarely errs)
    births = (
        erp.filter(pl.col("date_of_birth").is_not_null())
        .group_by(TRUTH)
        .agg(pl.col("date_of_birth").n_unique())
    )
    assert births.filter(pl.col("date_of_birth") > 1).height <= 0.02 * births.height


def test_harness_reads_it() -> None:
    dataset = load_dataset("spec_2k")
    assert dataset.name == "spec_2k" and dataset.frame.height == 2000
    assert dataset.records.columns == list(FLAT_COLUMNS)
    assert to_flat(dataset.frame).equals(dataset.frame)
    assert dataset.truth.columns == ["source_system", "source_id", TRUTH]


def test_romanisation_standards() -> None:
    assert romanise("Христо", "BG", "streamlined") == "Hristo"
    assert romanise("Христо", "BG", "bgn1952") == "Khristo"
    assert romanise("Щерев", "BG", "iso9") == "Serev"
    assert wade_giles_syllable("zhang") == "chang" and wade_giles_syllable("xiong") == "hsiung"
    assert romanise("陳", "TW", "pinyin") == "Chen"
    assert romanise("Nguyễn Đức", "VN", "plain") == "Nguyen Duc"
    assert romanise("สมชาย", "TH", "rtgs") == "Somchai"


def test_an_email_address_belongs_to_one_customer(five_k) -> None:
    """Names repeat across customers, e-mail addresses do not (the ERP rarely mistypes one)."""
    erp = five_k.frame.filter(pl.col("email").is_not_null() & (pl.col("source_system") == "erp"))
    owners = erp.group_by(pl.col("email").str.to_lowercase()).agg(pl.col(TRUTH).n_unique())
    assert owners.filter(pl.col(TRUTH) > 1).height == 0


def test_typed_names_differ_from_the_erp_at_the_summed_error_rates(five_k) -> None:
    """Seen in the data, not in the counters: a web shop family name (US/GB, no romanisation) differs
    from the ERP's spelling about as often as typo 6 % + phonetic 3 % + swap 3 % allow."""
    people = five_k.frame.filter(pl.col("country").is_in(["US", "GB"]) & (pl.col("record_type") == "person"))
    erp = people.filter(pl.col("source_system") == "erp").unique(TRUTH, keep="first", maintain_order=True)
    web = people.filter(pl.col("source_system") == "webshop").join(
        erp.select(TRUTH, pl.col("family_name").alias("erp_family")), on=TRUTH
    )
    web = web.filter(~pl.col("family_name").str.contains(" "))  # Jr./Sr. suffixes are not errors
    differs = (web["family_name"].str.to_lowercase() != web["erp_family"].str.to_lowercase()).mean()
    assert web.height > 100 and 0.05 <= differs <= 0.2, (web.height, differs)
