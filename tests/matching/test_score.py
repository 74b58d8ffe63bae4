"""m is learnt from the data for every comparison that can disagree within one customer."""

from __future__ import annotations

import polars as pl
import pytest

from matching import train_model
from matching.compare import DEFAULT_COMPARISONS
from matching.score import ANCHORS


def _customers(n: int, moved: bool) -> pl.DataFrame:
    """n customers twice (erp, shop): same name, e-mail and birth date; the shop copy at a new address
    when ``moved``."""
    rows = []
    for i in range(n):
        base = {
            "record_type": "person",
            "given_name": f"Given{i:04d}x",
            "family_name": f"Family{i * 7 % 997:03d}q",
            "email": f"customer{i}@mail{i % 13}.example",
            "date_of_birth": f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "street": f"{i % 90 + 1} Lindenstrasse",
            "postal_code": f"{10000 + i}",
            "city": "Berlin",
            "country": "DE",
        }
        rows.append({**base, "source_system": "erp", "source_id": f"e{i}"})
        shop = {**base, "source_system": "shop", "source_id": f"s{i}"}
        if moved:
            shop |= {"street": f"{i % 70 + 3} Hauptstrasse", "postal_code": f"{20000 + i}", "city": "Hamburg"}
        rows.append(shop)
    return pl.DataFrame(rows)


def _m(model, comparison: str, level: str) -> float:
    [params] = [c for c in model.comparisons if c.name == comparison]
    return next(lv.m for lv in params.levels if lv.level == level)


def test_every_comparison_but_the_suffix_has_an_anchor() -> None:
    assert set(ANCHORS) == {c.name for c in DEFAULT_COMPARISONS} - {"suffix"}


def test_address_m_is_counted_on_the_customers_data_set() -> None:
    stayed, moved = train_model(_customers(400, moved=False)), train_model(_customers(400, moved=True))
    # where customers move, a differing address is what one customer looks like: m(else) rises
    assert _m(moved, "address", "else") > 10 * _m(stayed, "address", "else")
    assert _m(stayed, "address", "exact") > _m(moved, "address", "exact")


@pytest.mark.parametrize("comparison", ["name", "email"])
def test_agreeing_anchor_pairs_raise_the_exact_m_above_the_prior(comparison: str) -> None:
    from matching.compare import DEFAULT_COMPARISONS as comparisons

    [prior] = [c.prior_m[0] for c in comparisons if c.name == comparison]
    assert _m(train_model(_customers(400, moved=False)), comparison, "exact") > prior
