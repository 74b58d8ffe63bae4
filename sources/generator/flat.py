"""The flat record format (dicts / CSV) and its mapping onto ``schemas.CustomerRecord``.

The flat format is the lingua franca of seeding, benchmarks and ``crmhub match``: one row per
source record, all values strings, "" = unknown, several e-mails/phones joined with ``;``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from schemas import FLAT_COLUMNS, CustomerRecord

TRUTH_COLUMN = "truth_id"


def write_flat_csv(rows: Iterable[Mapping[str, str]], path: str | Path, include_truth: bool = True) -> int:
    """Write rows as UTF-8 CSV with a header and return the row count; ``rows`` may be a generator."""
    columns = (*FLAT_COLUMNS, TRUTH_COLUMN) if include_truth else FLAT_COLUMNS
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
            count += 1
    return count


def read_flat_csv(path: str | Path) -> list[dict[str, str]]:
    """Read a flat CSV back into row dicts (missing columns become "")."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return [{k: v or "" for k, v in row.items()} for row in csv.DictReader(fh)]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def to_record_data(row: Mapping[str, str]) -> dict[str, Any]:
    """Flat row -> ``CustomerRecord`` input: lists split on ``;``, street/postal/city as one address."""

    def val(key: str) -> str | None:
        return row.get(key) or None

    data: dict[str, Any] = {
        key: val(key)
        for key in (
            "source_system",
            "source_id",
            "given_name",
            "family_name",
            "full_name",
            "organization_name",
            "country",
            "date_of_birth",
            "tax_id",
            "updated_at",
        )
    }
    data["record_type"] = row.get("record_type") or "person"
    data["emails"] = _split(row.get("email", ""))
    data["phones"] = _split(row.get("phone", ""))
    if any(row.get(k) for k in ("street", "postal_code", "city")):
        data["addresses"] = [
            {
                "street": val("street"),
                "postal_code": val("postal_code"),
                "city": val("city"),
                "country": val("country"),
            }
        ]
    data["raw"] = dict(row)
    return data


def to_customer_record(row: Mapping[str, str]) -> CustomerRecord:
    """Validate a flat row as a ``CustomerRecord`` (raises ``pydantic.ValidationError`` with the reason)."""
    return CustomerRecord.model_validate(to_record_data(row))
