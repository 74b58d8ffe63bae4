"""Shared fixtures: one 5k-record dataset per test session keeps the generator tests fast."""

from __future__ import annotations

import pytest

from sources.generator import Dataset, generate_dataset


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return generate_dataset(n_records=5000, seed=11)


@pytest.fixture(scope="session")
def clusters(dataset: Dataset) -> dict[str, list[dict[str, str]]]:
    """truth_id -> rows of that real customer (malformed rows excluded)."""
    out: dict[str, list[dict[str, str]]] = {}
    for row in dataset.valid_rows:
        out.setdefault(row["truth_id"], []).append(row)
    return out
