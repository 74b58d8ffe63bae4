"""Data loaders: the FEBRL mapping, the flat-format contract and the truth checks."""

import polars as pl
import pytest

from bench.datasets import (
    FLAT_COLUMNS,
    check_truth_against_links,
    febrl_to_flat,
    load_dataset,
    parse_size,
    rows_to_frame,
    size_label,
    to_flat,
)

FEBRL_ROWS = {
    "rec_id": ["rec-7-org", "rec-7-dup-0", "rec-8-org"],
    "given_name": ["ellie", None, None],
    "surname": ["smith", "smyth", None],
    "street_number": ["12", None, "3"],
    "address_1": ["wattle street", "wattle st", None],
    "address_2": ["unit 4", None, None],
    "suburb": ["toowong", "toowong", "bondi"],
    "postcode": ["4066", "4066", "2026"],
    "state": ["qld", "qld", "nsw"],
    "date_of_birth": ["19750230", "18990101", "19800704"],  # impossible, pre-1900, valid
    "soc_sec_id": ["1234567", "1234567", "7654321"],
}


def test_febrl_rows_map_onto_the_flat_format() -> None:
    flat, notes = febrl_to_flat(pl.DataFrame(FEBRL_ROWS), "febrl3")
    assert flat.columns == [*FLAT_COLUMNS, "truth_id"]
    first, second, third = flat.to_dicts()
    assert first | {"updated_at": None} == {
        "source_system": "febrl3", "source_id": "rec-7-org", "record_type": "person",
        "given_name": "ellie", "family_name": "smith", "full_name": None, "organization_name": None,
        "email": None, "phone": None, "street": "12 wattle street", "postal_code": "4066",
        "city": "toowong", "country": "AU", "date_of_birth": None, "tax_id": "1234567",
        "updated_at": None, "truth_id": "rec-7",
    }
    assert second["street"] == "wattle st" and second["date_of_birth"] is None
    assert third["date_of_birth"] == "1980-07-04" and third["street"] == "3" and third["truth_id"] == "rec-8"
    assert "febrl3: 2 impossible/pre-1900 dates of birth blanked" in notes
    assert "febrl3: 1 records have neither given nor family name (kept)" in notes


def test_published_links_must_agree_with_the_rec_id_pattern() -> None:
    flat, _ = febrl_to_flat(pl.DataFrame(FEBRL_ROWS), "febrl3")
    check_truth_against_links(flat, [("rec-7-org", "rec-7-dup-0")])
    with pytest.raises(ValueError, match="disagree"):
        check_truth_against_links(flat, [("rec-7-org", "rec-8-org")])
    with pytest.raises(ValueError, match="implies 1 true pairs"):
        check_truth_against_links(flat, [])


def test_real_febrl3_truth_matches_its_links() -> None:
    dataset = load_dataset("febrl3")
    assert dataset.frame.height == 5000 and dataset.link_type == "dedupe_only"
    assert dataset.frame["truth_id"].n_unique() == 2000
    assert "truth_id" not in dataset.records.columns
    assert set(dataset.frame["country"]) == {"AU"}


def test_to_flat_normalises_and_refuses_bad_keys() -> None:
    flat = to_flat(pl.DataFrame({"source_system": ["erp"], "source_id": [1], "truth_id": ["t"],
                                 "given_name": ["  "], "email": [" a@b.example "]}))
    assert flat.columns == [*FLAT_COLUMNS, "truth_id"]
    assert flat["source_id"].to_list() == ["1"] and flat["given_name"].to_list() == [None]
    assert flat["email"].to_list() == ["a@b.example"]
    with pytest.raises(ValueError, match="truth_id"):
        to_flat(pl.DataFrame({"source_system": ["erp"], "source_id": ["1"]}))
    with pytest.raises(ValueError, match="repeat"):
        to_flat(pl.DataFrame({"source_system": ["erp"] * 2, "source_id": ["1"] * 2, "truth_id": ["t"] * 2}))
    with pytest.raises(ValueError, match="empty source_id"):
        to_flat(pl.DataFrame({"source_system": ["erp"], "source_id": [""], "truth_id": ["t"]}))


def test_generator_output_may_be_dicts_or_a_frame() -> None:
    rows = [{"source_system": "erp", "source_id": "1", "truth_id": "t"}, {"source_system": "webshop",
            "source_id": "2", "truth_id": "t", "email": "x@y.example"}]
    assert rows_to_frame(iter(rows)).height == 2
    assert rows_to_frame(pl.DataFrame(rows)).height == 2


@pytest.mark.parametrize(
    ("text", "number"), [("10k", 10_000), ("1m", 1_000_000), ("2500", 2500), ("1.5K", 1500)]
)
def test_sizes_round_trip(text: str, number: int) -> None:
    assert parse_size(text) == number
    assert parse_size(size_label(number)) == number


def test_bad_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("febrl9")
    with pytest.raises(ValueError, match="k/m suffix"):
        parse_size("ten")


def test_multilingual_loader_keeps_every_generated_row_and_its_truth() -> None:
    from sources.generator import generate_dataset

    dataset = load_dataset("multi_500", seed=3)
    generated = generate_dataset(500, 3).rows
    assert dataset.name == "multi_500" and dataset.frame.height == len(generated)
    assert dataset.frame["truth_id"].n_unique() == len({r["truth_id"] for r in generated})
    assert tuple(dataset.records.columns) == FLAT_COLUMNS
