"""Every normal row is a valid CustomerRecord; every BAD- row is rejected with a reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sources.generator import BAD_PREFIX, MALFORMED_KINDS, generate_dataset, to_customer_record


def test_every_non_malformed_row_validates(dataset):
    records = [to_customer_record(row) for row in dataset.valid_rows]
    assert len(records) == len(dataset.valid_rows) > 4900
    assert all(
        rec.addresses or not row["street"] for rec, row in zip(records, dataset.valid_rows, strict=True)
    )


def test_malformed_rows_cover_every_kind_and_fail_validation(dataset):
    bad = dataset.malformed_rows
    assert 0.003 < len(bad) / len(dataset.rows) < 0.008
    assert {row["truth_id"].split("-")[1] for row in bad} == set(MALFORMED_KINDS)
    for row in bad:
        with pytest.raises(ValidationError):
            to_customer_record(row)


def test_malformed_rows_are_easy_to_switch_off():
    ds = generate_dataset(3000, seed=11, malformed_rate=0.0)
    assert not [r for r in ds.rows if r["truth_id"].startswith(BAD_PREFIX)]


def test_malformed_kinds_break_what_they_say(dataset):
    reasons = {}
    for row in dataset.malformed_rows:
        with pytest.raises(ValidationError) as exc:
            to_customer_record(row)
        reasons.setdefault(row["truth_id"].split("-")[1], str(exc.value).lower())
    assert "e-mail" in reasons["invalid_email"]
    assert "date" in reasons["impossible_date"] or "datetime" in reasons["impossible_date"]
    assert "control" in reasons["control_character"]
    assert "longer than 500" in reasons["overlong_field"]
    assert "no name" in reasons["missing_name"]
    assert "phone" in reasons["invalid_phone"]
    assert "iso 3166" in reasons["invalid_country"]
