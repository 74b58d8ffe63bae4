"""Incremental paging and push-back diffing shared by the CRM-suite connectors (SuiteCRM, vTiger).

Both systems keep Accounts and Contacts as separate *modules*, stamp every change with a modification
time of **second precision**, and sort a query by one column only. Page numbers over "modified after
X" are unsafe (a record edited during the run moves to the end and shifts the next page by one, so the
row at the boundary is never read), and a bare timestamp watermark is unsafe too: an import creates
hundreds of records in the same second, more than fit a page.

So each module is read with two kinds of query, both keyset-based (no offsets):

* ``after(since)`` -- records modified strictly after the watermark second, sorted by modification
  time, first page only. Every second *before* the page's last second ``L`` is complete in that page
  (the result is sorted), but ``L`` may continue beyond the page.
* ``tie(L, after_id)`` -- records modified exactly at ``L`` with an id after ``after_id``, sorted by
  id. It finishes second ``L``, skipping the ids the ``after`` page already delivered (``seen``).

The position of a module is ``(since, after_id, seen, complete)``; ``complete`` means every record
modified at or before ``since`` was delivered. The cursor is one JSON object holding a position per
module, so one source cursor string resumes every module exactly after the last stored page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

CURSOR_VERSION = 1
#: The modules that hold customers (both suites name them alike) and the record type of each.
RECORD_TYPES = {"Accounts": "organization", "Contacts": "person"}


@dataclass(frozen=True)
class ModulePosition:
    """Where reading one module stands; see the module docstring for the meaning of the fields."""

    since: str | None = None
    after_id: str | None = None
    seen: tuple[str, ...] = ()
    complete: bool = True

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"since": self.since}
        if not self.complete:
            data.update(complete=False, after_id=self.after_id, seen=list(self.seen))
        return data

    @classmethod
    def from_json(cls, data: Any) -> ModulePosition:
        if not isinstance(data, Mapping):
            raise ValueError("a module position must be a JSON object")
        since, after_id, seen = data.get("since"), data.get("after_id"), data.get("seen", [])
        if not all(value is None or isinstance(value, str) for value in (since, after_id)):
            raise ValueError("'since' and 'after_id' must be strings or null")
        if not isinstance(seen, list) or not all(isinstance(s, str) for s in seen):
            raise ValueError("'seen' must be a list of ids")
        complete = bool(data.get("complete", True))
        if not complete and since is None:
            raise ValueError("an incomplete position needs 'since'")
        return cls(since, after_id, tuple(seen), complete)


def encode_cursor(positions: Mapping[str, ModulePosition]) -> str:
    """``{"v": 1, "modules": {"Accounts": {...}, "Contacts": {...}}}`` as compact JSON."""
    modules = {name: position.to_json() for name, position in positions.items()}
    return json.dumps({"v": CURSOR_VERSION, "modules": modules}, separators=(",", ":"), ensure_ascii=False)


def decode_cursor(cursor: str | None, modules: Sequence[str]) -> dict[str, ModulePosition]:
    """Positions for ``modules`` (absent ones start from scratch); ``ValueError`` saying what is expected."""
    positions = {name: ModulePosition() for name in modules}
    if not cursor:
        return positions
    try:
        data = json.loads(cursor)
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION or not isinstance(
                data.get("modules"), dict):
            raise ValueError(f"expected an object with \"v\": {CURSOR_VERSION} and \"modules\"")
        for name, value in data["modules"].items():
            if name in positions:
                positions[name] = ModulePosition.from_json(value)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"invalid cursor {cursor[:80]!r} ({exc}); expected the cursor of a previous page "
                         "or none for a full refresh") from None
    return positions


@dataclass
class Batch:
    """One answer of a module query: the raw rows in the order the system sorted them."""

    rows: list[Any]
    has_more: bool


class ModuleReader(Protocol):
    """What a connector provides so :func:`pull_module` can page one of its modules."""

    def after(self, module: str, since: str | None, limit: int) -> Batch:
        """Rows modified strictly after ``since`` (all when ``None``), sorted by modification time."""

    def tie(self, module: str, since: str, after_id: str | None, limit: int) -> Batch:
        """Rows modified exactly at ``since`` with an id after ``after_id``, sorted by id."""

    def key(self, row: Any) -> tuple[str, str] | None:
        """``(modification second in the query format, id)``, or ``None`` when a row lacks a usable one."""


class StuckCursorError(ValueError):
    """A full page without a single usable (time, id) key: the position could not move on."""


def pull_module(reader: ModuleReader, module: str, position: ModulePosition,
                limit: int) -> Iterator[tuple[list[Any], ModulePosition]]:
    """Yield ``(rows, position after these rows)`` until the module has nothing newer than ``position``.

    Rows without a usable key are yielded too (the connector quarantines them) but never move the
    position. A tie step that only re-reads already delivered rows yields nothing; the position it
    reached is carried by the next yield (redoing it after a crash is harmless).
    """
    while True:
        if position.since is not None and not position.complete:
            batch = reader.tie(module, position.since, position.after_id, limit)
            keys = [reader.key(row) for row in batch.rows]
            new = [row for row, key in zip(batch.rows, keys, strict=True) if key is None or key[1] not in
                   position.seen]
            ids = [key[1] for key in keys if key]
            if batch.has_more:
                if not ids:
                    raise StuckCursorError(f"{module}: a full page modified at {position.since} "
                                           "has no usable id")
                position = replace(position, after_id=ids[-1])
            else:
                position = ModulePosition(since=position.since)
            if new:
                yield new, position
            continue
        batch = reader.after(module, position.since, limit)
        if not batch.rows:
            return
        keys = [key for row in batch.rows if (key := reader.key(row))]
        if not keys:
            if batch.has_more:
                raise StuckCursorError(f"{module}: a full page after {position.since} has no usable "
                                       "modification time")
            yield batch.rows, position
            return
        last = max(modified for modified, _ in keys)
        if batch.has_more:
            seen = tuple(row_id for modified, row_id in keys if modified == last)
            position = ModulePosition(since=last, seen=seen, complete=False)
        else:
            position = ModulePosition(since=last)
        yield batch.rows, position
        if not batch.has_more:
            return


@dataclass
class ModulePages:
    """Runs :func:`pull_module` over several modules, carrying one combined cursor."""

    reader: ModuleReader
    modules: Sequence[str]
    limit: int
    positions: dict[str, ModulePosition] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[str, list[Any], str]]:
        """``(module, rows, cursor after these rows)`` for every module in turn."""
        for module in self.modules:
            start = self.positions.get(module, ModulePosition())
            for rows, position in pull_module(self.reader, module, start, self.limit):
                self.positions[module] = position
                yield module, rows, encode_cursor(self.positions)


def push_changes(current: Mapping[str, Any], desired: Mapping[str, Any],
                 writable: Callable[[str], bool]) -> dict[str, str]:
    """Source fields whose desired value differs from the stored one; empty values are never pushed
    (the hub does not erase what a system knows) and fields the module cannot write are skipped."""
    changes: dict[str, str] = {}
    for name, value in desired.items():
        if value is None or value == "" or value == [] or not writable(name):
            continue
        text = value.isoformat() if isinstance(value, date | datetime) else str(value)
        if str(current.get(name) or "") != text:
            changes[name] = text
    return changes


def primary_fields(mapping: Mapping[str, str], available: Iterable[str]) -> set[str]:
    """For each canonical field, the first mapped source field the module has.

    A mapping may feed one canonical field from several source fields (``email1`` and ``email2`` both
    feed ``emails``); the reverse mapping would write the primary value into all of them, so a push
    writes only the first one.
    """
    present = set(available)
    chosen: dict[str, str] = {}
    for source_field, target in mapping.items():
        if source_field in present:
            chosen.setdefault(target, source_field)
    return set(chosen.values())


#: What an anonymised attribute holds where the system refuses an empty value (a mandatory field).
ERASED_PLACEHOLDER = "[erased]"


def erased_attributes(current: Mapping[str, Any], read_only: Iterable[str],
                      mandatory: Iterable[str] = ()) -> dict[str, str]:
    """Every attribute but identity and bookkeeping, emptied (``mandatory`` ones get a placeholder):
    written before a CRM's delete, which only flags the row (SuiteCRM's ``deleted = 1``, vTiger's
    Recycle Bin), so what the system keeps of the record holds no personal data."""
    kept, required = set(read_only), set(mandatory)
    return {name: ERASED_PLACEHOLDER if name in required else "" for name in current
            if name not in kept and (name in required or current[name] not in ("", None))}
