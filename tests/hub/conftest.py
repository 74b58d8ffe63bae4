"""Generated customers for the hub suites (golden records over time, erasure)."""

from __future__ import annotations

import pytest

from schemas import CustomerRecord
from sources.generator import generate_dataset, to_customer_record


@pytest.fixture(scope="module")
def records() -> list[CustomerRecord]:
    rows = generate_dataset(n_records=320, seed=5, malformed_rate=0.0).rows
    return [to_customer_record(r) for r in rows]
