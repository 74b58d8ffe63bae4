"""The content hash keeps its text (``hub.store.common.content_hash``): a stored hash is compared
with a new one after an upgrade, and another text would make every stored record look changed."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from hub.store import record_hash
from hub.store.common import content_hash
from hub.store.staging_writes import row_values
from schemas import CustomerRecord


def test_staging_hashes_a_record_as_record_hash_does():
    record = CustomerRecord.model_validate(
        {
            "source_system": "shop",
            "source_id": "42",
            "given_name": "Zoë",
            "family_name": "Straße",
            "emails": ["zoe@example.de"],
            "addresses": [{"street": "Hauptstr. 1", "city": "Köln", "country": "DE"}],
            "date_of_birth": "1980-05-06",
            "updated_at": "2024-01-02T03:04:05Z",
            "raw": {"id": 42, "when": datetime(2024, 1, 2, tzinfo=UTC)},
        }
    )
    assert row_values(record, "r1")["content_hash"] == record_hash(record)
    assert record_hash(record) == _old_content_hash(
        record.model_dump(mode="json", exclude={"raw", "updated_at"})
    )


def _old_content_hash(data: Any) -> str:
    """The content hash as it always was written: ``json.dumps`` per call."""
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


TRICKY = [
    {"b": 1, "a": [1.0, 1e16, 1e-7, 0.1, -0.0, 2**70], "c": {"z": None, "y": True}},
    {"name": "Zoë 中文 😀 \"quoted\" \\ back\nline\t\u0001", "ü": "key"},
    {"born": date(1980, 5, 6), "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "d": Decimal("1.50")},
    {"nan": float("nan"), "inf": float("inf")},
]


@pytest.mark.parametrize("data", TRICKY)
def test_the_content_hash_keeps_its_text(data):
    assert content_hash(data) == _old_content_hash(data)


def test_orjson_would_change_the_content_hash():
    """Why the content hash stays with ``json`` (``hub.store.common``): orjson writes other bytes."""
    data = {"a": [1e16], "b": "x"}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    assert orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode() != text
