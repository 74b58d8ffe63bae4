"""How the store's JSON columns are encoded and decoded: orjson, with the standard library for the
rare values orjson cannot take.

The engine (``hub.db.make_engine``) hands these to SQLAlchemy as its ``json_serializer`` and
``json_deserializer``, on SQLite and PostgreSQL alike. ``json.dumps`` in the JSON columns' bind
processors was the largest single per-row cost of a sync's SQL writes (golden records, audit trail,
outbox, staging: 13 of 262 s of a 100k-record sync); orjson does the same work several times faster.

What a column stores reads back equal to what was written, as with the standard library:

- text is stored as UTF-8 instead of ``\\uXXXX`` escapes (the same JSON value, shorter);
- non-string keys become strings as ``json.dumps`` makes them (``1`` -> ``"1"``, ``None`` -> ``"null"``);
- what orjson refuses -- integers beyond 64 bits, strings with lone surrogates, nesting deeper than
  254 levels, any type it does not know -- goes to ``json.dumps``, which encodes it or raises the
  ``TypeError`` it always raised;
- reading: JSON with ``NaN``/``Infinity`` tokens (written by ``json.dumps`` before) and integers of 19
  digits or more (orjson reads those beyond 64 bits as floats) are decoded by ``json.loads``.

One deliberate difference: a non-finite float (``nan``, ``inf``) is stored as ``null``, valid JSON,
where ``json.dumps`` wrote a ``NaN`` token that only SQLite took (PostgreSQL refused the row). No
record holds one: pydantic's JSON dump already turns them into ``None``.

Content hashes (``hub.store.common.content_hash``) keep their own ``json.dumps`` encoding: they are
compared across runs and stores, so their text must not change.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: Non-string keys as ``json.dumps`` writes them; everything else is orjson's default.
_OPTIONS = orjson.OPT_NON_STR_KEYS
#: For :func:`dumps_any`: dates, times and dataclasses left to the fallback, which makes them their
#: ``str`` as ``json.dumps(default=str)`` did (orjson would write ISO 8601 and objects).
_STRICT = _OPTIONS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
#: Digits kept as ``0``, every other byte blanked: a run of 19 zeros after it is an integer orjson
#: would read as a float (beyond -2**63 .. 2**64-1). A regular expression took longer than the decoding.
_DIGITS_ONLY = bytes(0x30 if b in b"0123456789" else 0x20 for b in range(256))
_LONG_INT = b"0" * 19


def dumps(value: Any) -> str:
    """``value`` as JSON text (``str``: SQLite stores bytes as a BLOB, not as text)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def dumps_any(value: Any) -> str:
    """``json.dumps(value, default=str)``'s JSON value: what JSON cannot hold becomes its ``str``.

    orjson writes what it knows as ``json.dumps`` does (str and int subclasses, ``StrEnum`` members
    among them, as their value); anything else -- dates, dataclasses, decimals, sets, numpy numbers --
    goes to ``json.dumps(value, default=str)`` whole."""
    try:
        return orjson.dumps(value, option=_STRICT).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, default=str)


def loads(text: str | bytes) -> Any:
    """The JSON value of ``text`` (``str`` from SQLite, ``bytes`` from psycopg)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if _LONG_INT not in raw.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text if isinstance(text, str) else raw)
