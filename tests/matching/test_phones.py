"""Mobile numbers told from fixed lines, over a whole column and against phonenumbers itself."""

from __future__ import annotations

import polars as pl
import pytest

from matching.features import build_features
from matching.frame import conform
from matching.phones import is_mobile, mobile_mask
from sources.generator import generate_dataset


@pytest.mark.parametrize(
    ("e164", "mobile"),
    [
        ("+447958577776", True),  # GB 07958: a mobile
        ("+441314960617", False),  # Edinburgh 0131: a household's landline
        ("+886928089780", True),  # Taiwan 09xx
        ("+886227753644", False),  # Taipei 02
        ("+66812345678", True),  # Thailand 08x
        ("+4915112345678", True),  # Germany 0151
        ("+493012345678", False),  # Berlin 030
        ("+12127567812", False),  # the US plan does not tell mobiles from landlines
        ("+999", False),  # no number at all
    ],
)
def test_mobile_numbers_are_told_from_fixed_lines(e164: str, mobile: bool) -> None:
    assert is_mobile(e164) is mobile
    assert mobile_mask(pl.Series([e164])).to_list() == [mobile]


def test_the_column_answer_agrees_with_phonenumbers_on_every_generated_number() -> None:
    rows = generate_dataset(n_records=2000, seed=5).valid_rows
    frame = conform(pl.DataFrame(rows, infer_schema_length=None).drop("truth_id"))
    numbers = build_features(frame)["phones"].explode().drop_nulls().unique()
    assert numbers.len() > 500
    mask = mobile_mask(numbers).to_list()
    assert mask == [is_mobile(n) for n in numbers.to_list()]
    assert 0.2 < sum(mask) / len(mask) < 0.8  # both kinds are there
