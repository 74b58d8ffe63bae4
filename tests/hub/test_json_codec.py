"""The store's JSON columns (orjson through ``hub.json_codec``) keep what the standard library kept:
values read back equal to ``json.loads(json.dumps(value))``, as valid JSON in the database, on SQLite
and PostgreSQL; and what orjson cannot take goes the standard library's way."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import numpy as np
import pytest
from sqlalchemy import select, text

from hub import json_codec
from hub.models import MatchModelRow
from hub.store import HubStore

#: What JSON columns hold: non-ASCII text, int and None keys, floats of every shape, ints at and
#: beyond 64 bits, deep nesting, empty containers.
AWKWARD = {
    "name": "Jürgen Müller-Ødegård 王小明 ﷺ \u2028 \"quoted\" \\ tab\t",
    "ints": {1: "one", 2: [1, -1, 0]},
    "none_key": {None: 1},
    "floats": [0.1, 1e16, 1e-7, -0.0, 2.5, 1.7976931348623157e308, 5e-324, 123456789.123456789],
    "i64": [2**63 - 1, -(2**63), 2**64 - 1],
    "nested": [[[{"a": [[]]}]], {}, [], None, True, False],
    "tuple": (1, "two"),
    "at": "2026-12-06T10:00:00+00:00",
}


def _as_stored(value: object) -> object:
    """What the standard library's round trip gives: the value a JSON column has always read back."""
    return json.loads(json.dumps(value))


def test_values_read_back_as_the_standard_library_gives_them(store_url):
    store = HubStore(store_url, upgrade=True)
    try:
        huge = {"beyond_64_bits": [2**64, -(2**63) - 1, 10**30], "digits": "1" * 40}
        ids = [store.runs.save_model(value, 1) for value in (AWKWARD, huge)]
        for model_id, value in zip(ids, (AWKWARD, huge), strict=True):
            assert store.runs.model(model_id) == _as_stored(value)
            with store.engine.connect() as connection:
                stored = connection.scalar(
                    select(text("CAST(model AS TEXT)")).select_from(MatchModelRow).where(
                        MatchModelRow.id == model_id
                    )
                )
            assert json.loads(stored) == _as_stored(value)  # valid JSON as any client reads it
    finally:
        store.close()


def test_text_written_by_the_standard_library_reads_back():
    """Rows written before (``json.dumps``) decode as before, NaN and Infinity tokens included."""
    for value in (AWKWARD, {"big": 2**70, "neg": -(2**63) - 1}, {"n": "x" * 10, "f": [1.5, -2e-9]}):
        text_ = json.dumps(value)
        assert json_codec.loads(text_) == json.loads(text_)
        assert json_codec.loads(text_.encode()) == json.loads(text_)  # psycopg hands bytes
    odd = json_codec.loads('{"nan": NaN, "inf": Infinity, "ninf": -Infinity}')
    assert math.isnan(odd["nan"]) and odd["inf"] == math.inf and odd["ninf"] == -math.inf


def test_what_orjson_refuses_goes_the_standard_library_way():
    for value in ({"big": 2**70}, ["lone \ud800 surrogate"]):
        assert json_codec.dumps(value) == json.dumps(value)
        assert json_codec.loads(json_codec.dumps(value)) == json.loads(json.dumps(value))
    deep: list[object] = []
    for _ in range(300):
        deep = [deep]
    assert json_codec.loads(json_codec.dumps(deep)) == deep
    for unknown in ({1, 2}, object()):
        with pytest.raises(TypeError):  # as json.dumps raised: nothing is stored silently
            json_codec.dumps(unknown)


def test_non_finite_floats_are_stored_as_null():
    """The one difference: ``json.dumps`` wrote ``NaN`` (invalid JSON, refused by PostgreSQL)."""
    assert json_codec.loads(json_codec.dumps({"x": math.nan, "y": math.inf})) == {"x": None, "y": None}


def test_datetimes_are_encoded_where_the_standard_library_refused_them():
    at = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    with pytest.raises(TypeError):
        json.dumps(at)
    assert json_codec.loads(json_codec.dumps({"at": at})) == {"at": "2026-12-06T10:00:00+00:00"}


@dataclass
class _Point:
    x: int


class _Kind(StrEnum):
    MATCH = "match"


def test_text_for_any_value_is_what_json_dumps_with_str_gave():
    """``dumps_any`` (``_jsonable``: conflicts, pushed fields, quarantine payloads): ``str`` of what JSON
    cannot hold, as ``json.dumps(default=str)``; every value orjson would write otherwise goes there."""
    at = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    value = {
        **AWKWARD,
        "at": at,
        "day": date(2026, 1, 2),
        "point": _Point(1),
        "price": Decimal("1.10"),
        "set": {3},
        "kind": _Kind.MATCH,
        "id": UUID(int=7),
        "score": np.float64(0.25),
        "count": np.int64(3),
        "big": 2**70,
    }
    expected = json.loads(json.dumps(value, default=str))
    assert json.loads(json_codec.dumps_any(value)) == expected
    assert json_codec.loads(json_codec.dumps_any(value)) == expected
    plain = {"left": "erp:1", "score": 0.93, "decision": _Kind.MATCH, "explanation": [{"name": "Jürgen"}]}
    assert json_codec.loads(json_codec.dumps_any(plain)) == json.loads(json.dumps(plain, default=str))
