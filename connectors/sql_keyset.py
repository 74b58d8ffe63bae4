"""Where a keyset-paged SQL pull stands, as a cursor string the hub stores between syncs."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, or_


class KeysetPosition:
    """Where a pull stands: phase ``null`` (rows without cursor value, by id) then ``value`` (by cursor, id).

    Encoded as JSON with typed values so a ``datetime`` cursor binds back as a ``datetime`` (and a
    string as a string): comparing a timestamp column to a differently formatted string would skip
    or repeat rows on databases that store timestamps as text, such as SQLite.
    """

    def __init__(self, phase: str = "null", cursor_value: Any = None, last_id: Any = None):
        self.phase, self.cursor_value, self.last_id = phase, cursor_value, last_id

    @classmethod
    def decode(cls, cursor: str | None) -> KeysetPosition:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            return cls(data["phase"], _decode_value(data.get("c")), _decode_value(data.get("i")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a SQL connector cursor: {cursor!r}") from exc

    def encode(self) -> str:
        return json.dumps({"phase": self.phase, "c": _encode_value(self.cursor_value),
                           "i": _encode_value(self.last_id)}, sort_keys=True)

    def after(self, cursor_value: Any, last_id: Any) -> KeysetPosition:
        return KeysetPosition(self.phase, cursor_value if self.phase == "value" else None, last_id)

    def to_value_phase(self) -> KeysetPosition:
        return KeysetPosition("value")

    def condition(self, cur: ColumnElement, id_: ColumnElement) -> ColumnElement[bool]:
        if self.phase == "null":
            return cur.is_(None) if self.last_id is None else and_(cur.is_(None), id_ > self.last_id)
        if self.last_id is None:
            return cur.is_not(None)
        return or_(cur > self.cursor_value, and_(cur == self.cursor_value, id_ > self.last_id))


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        (kind, text_value), = value.items()
        parse = {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "decimal": Decimal}[kind]
        return parse(text_value)
    return value
