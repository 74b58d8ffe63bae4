"""The flat, columnar form in which records travel through the matching engine.

Pydantic models are the contract at the edges; inside the engine a million records are one polars
frame with one Utf8 column per flat field, so that normalisation and blocking run as column operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from schemas import FLAT_COLUMNS, CustomerRecord


class FlatFrameError(ValueError):
    """The input cannot be matched as given (missing keys, duplicate keys); the message says which rows."""


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast every flat column to Utf8, add missing ones as null, turn blank strings into null.

    Extra columns (``truth_id`` in generated data) are kept untouched; matching never reads them.
    """
    missing = [c for c in FLAT_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in missing)
    frame = frame.with_columns(
        pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None).alias(c) for c in FLAT_COLUMNS
    )
    frame = frame.with_columns(pl.col("record_type").str.to_lowercase().fill_null("person"))
    _check_keys(frame)
    return frame


def _check_keys(frame: pl.DataFrame) -> None:
    rows = frame.with_row_index("_line").filter(
        pl.col("source_system").is_null() | pl.col("source_id").is_null()
    )
    if rows.height:
        lines = ", ".join(str(i + 1) for i in rows["_line"].head(10).to_list())
        raise FlatFrameError(f"{rows.height} row(s) without source_system/source_id (rows {lines})")
    bad_type = frame.filter(~pl.col("record_type").is_in(["person", "organization"]))
    if bad_type.height:
        raise FlatFrameError(
            "record_type must be 'person' or 'organization', "
            f"got {bad_type['record_type'].unique().to_list()[:5]}"
        )
    dupes = frame.group_by("source_system", "source_id").len().filter(pl.col("len") > 1)
    if dupes.height:
        sample = ", ".join(
            f"{s}:{i}" for s, i in dupes.select("source_system", "source_id").head(5).iter_rows()
        )
        raise FlatFrameError(f"{dupes.height} duplicate record key(s): {sample}")


def read_flat_csv(path: str | Path) -> pl.DataFrame:
    """Read a flat CSV (every column as text, nothing inferred) into a conformed frame."""
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    if "source_id" not in frame.columns or "source_system" not in frame.columns:
        raise FlatFrameError(f"{path}: needs at least the columns source_system and source_id")
    return conform(frame)


def flat_values(record: CustomerRecord) -> dict[str, Any]:
    """A canonical record's match columns, typed as the record holds them (the birth date a date):
    e-mails and phones ';'-joined, the first address only. The hub's staging rows store the same."""
    address = record.addresses[0] if record.addresses else None
    return {
        "source_system": record.source_system,
        "source_id": record.source_id,
        "record_type": record.record_type,
        "given_name": record.given_name,
        "family_name": record.family_name,
        "full_name": record.full_name,
        "organization_name": record.organization_name,
        "email": ";".join(record.emails) or None,
        "phone": ";".join(record.phones) or None,
        "street": address.street if address else None,
        "postal_code": address.postal_code if address else None,
        "city": address.city if address else None,
        "country": record.country or (address.country if address else None),
        "date_of_birth": record.date_of_birth,
        "tax_id": record.tax_id,
    }


def records_to_frame(records: Iterable[CustomerRecord]) -> pl.DataFrame:
    """Canonical records -> flat frame (``flat_values`` as text)."""
    rows = [
        {
            **flat_values(r),
            "date_of_birth": r.date_of_birth.isoformat() if r.date_of_birth else None,
            "updated_at": r.updated_at.isoformat() if r.updated_at else None,
        }
        for r in records
    ]
    schema = dict.fromkeys(FLAT_COLUMNS, pl.Utf8)
    return conform(pl.DataFrame(rows, schema=schema))
