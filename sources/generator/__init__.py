"""Deterministic generator of messy multilingual customer records from several systems, with known truth.

Seeds the local demo source systems and feeds the matching benchmark::

    from sources.generator import generate_dataset, write_flat_csv
    ds = generate_dataset(n_records=1000, seed=7)
    write_flat_csv(ds.rows, "customers.csv")

Rows are in the flat format (:data:`FLAT_COLUMNS` + ``truth_id``). ``truth_id`` is the real customer;
rows whose truth id starts with ``BAD-`` are deliberately malformed (quarantine tests).
"""

from sources.generator.customers import HARD_NEGATIVE_KINDS, HardNegative
from sources.generator.dataset import DEFAULT_AS_OF, Dataset, generate_dataset, iter_rows
from sources.generator.flat import (
    FLAT_COLUMNS,
    TRUTH_COLUMN,
    read_flat_csv,
    to_customer_record,
    to_record_data,
    write_flat_csv,
)
from sources.generator.locales import LOCALES
from sources.generator.malformed import BAD_PREFIX, MALFORMED_KINDS
from sources.generator.render import SYSTEMS

__all__ = [
    "BAD_PREFIX",
    "DEFAULT_AS_OF",
    "FLAT_COLUMNS",
    "HARD_NEGATIVE_KINDS",
    "LOCALES",
    "MALFORMED_KINDS",
    "SYSTEMS",
    "TRUTH_COLUMN",
    "Dataset",
    "HardNegative",
    "generate_dataset",
    "iter_rows",
    "read_flat_csv",
    "to_customer_record",
    "to_record_data",
    "write_flat_csv",
]
