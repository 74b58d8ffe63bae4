"""Staging's cheaper JSON dump of a record (``hub.store.staging_writes.record_json``) is pydantic's
``model_dump(mode="json")`` -- equal, in the same key order, so the stored JSON text is the same --
and the content hash keeps its text (``hub.store.common.content_hash``): a stored hash compared with
a new one after an upgrade must not make every record look changed."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
import pytest

from hub import json_codec
from hub.store import record_hash
from hub.store.common import content_hash
from hub.store.staging_writes import record_json, row_values
from schemas import CustomerRecord


class _Kind(Enum):
    SHOP = "shop"


RAWS: list[dict[str, Any]] = [
    {},
    {"id": 7, "name": "Zoë Ńowak 中文 😀", "active": True, "note": None, "score": 2.5, "big": 2**70},
    {"billing": {"email": "a@b.de", "phones": ["+49 30 1", None], "nested": {"x": [1, {"y": -0.0}]}}},
    {"when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "born": date(1980, 5, 6)},  # SQL/SOAP values
    {"amount": Decimal("1.50"), "pair": (1, 2), "kind": _Kind.SHOP, "blob": b"ab"},
    {"nan": float("nan"), "inf": float("inf"), "list": [float("-inf")]},  # dumped as None
    {"deep": {"when": [date(2020, 1, 1)]}, "ok": "text"},  # one non-plain value deep inside
]


def _record(raw: dict[str, Any]) -> CustomerRecord:
    return CustomerRecord.model_validate(
        {
            "source_system": "shop",
            "source_id": "42",
            "given_name": "Zoë",
            "family_name": "Straße",
            "emails": ["zoe@example.de"],
            "phones": ["+4930123456"],
            "addresses": [{"street": "Hauptstr. 1", "city": "Köln", "country": "DE"}],
            "date_of_birth": "1980-05-06",
            "updated_at": "2024-01-02T03:04:05Z",
            "raw": raw,
        }
    )


@pytest.mark.parametrize("raw", RAWS)
def test_record_json_is_pydantics_dump_and_stores_the_same_text(raw):
    record = _record(raw)
    expected = record.model_dump(mode="json")
    got = record_json(record)
    assert got == expected
    assert list(got) == list(expected)  # the key order of the stored JSON text
    assert json_codec.dumps(got) == json_codec.dumps(expected)
    assert row_values(record, "r1")["content_hash"] == record_hash(record)


def test_the_raw_row_is_not_shared_with_the_stored_dump():
    record = _record({"id": 1})
    record_json(record)["raw"]["id"] = 2
    assert record.raw == {"id": 1}


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
