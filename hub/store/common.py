"""What the store's repositories share: the data they exchange with the pipeline, the hashing that
tells a change from a re-delivery, and the base every repository builds on.

Kept apart so that each repository module has one job and none imports another's internals.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import polars as pl
from sqlalchemy import Engine, and_, false, or_
from sqlalchemy.orm import Session, sessionmaker

from hub import json_codec
from schemas import FLAT_COLUMNS as SCHEMA_FLAT_COLUMNS
from schemas import CustomerRecord, GoldenRecord, RecordKey

#: Sync-cursor streams of a source: its customers (the default) and its orders.
CUSTOMERS_STREAM, ORDERS_STREAM = "customers", "orders"

#: The match columns of a source record: the flat format without ``updated_at``.
FLAT_COLUMNS = tuple(c for c in SCHEMA_FLAT_COLUMNS if c != "updated_at")

#: The hub's own cursors (``sync_cursors``): the search-key index's position in the staging area.
HUB_SOURCE, SEARCH_KEY_STREAM = "_hub", "search-keys"
#: Records whose search keys are computed and written in one transaction.
SEARCH_KEY_CHUNK = 20_000
#: Record keys per set-based statement (``(system, id) IN (...)``), well under every backend's limit
#: of bound parameters.
KEY_CHUNK = 500

_T = TypeVar("_T")


def key_chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    """``items`` in slices of ``KEY_CHUNK``: one keyed statement each."""
    return [items[start : start + KEY_CHUNK] for start in range(0, len(items), KEY_CHUNK)]


#: Key of the PostgreSQL advisory lock that serialises golden-record writes with steward decisions.
GOLDEN_WRITE_LOCK = 7_414_620


class Repository:
    """Base of the store's repositories: they get the facade's engine and session factory and never
    create their own, so that :class:`hub.store.HubStore` stays the only door to the database."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self.engine = engine
        self.sessions = sessions


def _ids_by_system(keys: Iterable[RecordKey]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key in keys:
        grouped.setdefault(key.source_system, []).append(key.source_id)
    return grouped


def keys_in(system: Any, source_id: Any, keys: Iterable[tuple[str, str]]) -> Any:
    """SQL: ``(system, source_id)`` is one of ``keys``, as ``system = s AND source_id IN (...)`` per
    system: SQLite reads an index on (system, id) for that form, but scans the table for a row-value
    ``(system, source_id) IN (VALUES ...)``."""
    grouped = _ids_by_system(RecordKey(*k) for k in keys)
    return or_(false(), *(and_(system == s, source_id.in_(ids)) for s, ids in sorted(grouped.items())))


#: The SQL rows' types of ``FLAT_COLUMNS``: text, but for the birth date (a ``date``).
_FLAT_SQL_SCHEMA = {name: pl.Date if name == "date_of_birth" else pl.Utf8 for name in FLAT_COLUMNS}


def _flat_frame(rows: Sequence[Any]) -> pl.DataFrame:
    """Rows of ``FLAT_COLUMNS`` from SQL -> the matcher's flat frame (every column text; a date as
    ``YYYY-MM-DD``). Built by polars from the row tuples: a Python list per column with ``str()`` of
    each value cost 1.2 of 1.6 s at 100k records."""
    frame = pl.DataFrame(rows, schema=_FLAT_SQL_SCHEMA, orient="row")
    return frame.with_columns(pl.col(pl.Date).cast(pl.Utf8))


#: The columns that name a source record in a frame, and their types.
KEY_COLUMNS = ["source_system", "source_id"]
KEY_SCHEMA = {"source_system": pl.Utf8, "source_id": pl.Utf8}


def key_frame(keys: Iterable[RecordKey]) -> pl.DataFrame:
    """Record keys as a ``source_system, source_id`` frame, to join a frame of records on."""
    keys = list(keys)
    return pl.DataFrame(
        {"source_system": [k.source_system for k in keys], "source_id": [k.source_id for k in keys]},
        schema=KEY_SCHEMA,
    )


def rows_of(frame: pl.DataFrame, keys: pl.DataFrame) -> pl.Series:
    """Positions, ascending, of the rows of ``frame`` whose key is among ``keys`` (a key frame)."""
    at = frame.select(KEY_COLUMNS).with_row_index("_at")
    return at.join(keys, on=KEY_COLUMNS, how="semi")["_at"].sort()


#: The content hash's encoder: ``json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)``
#: made once (``json.dumps`` builds it per call). Its text must never change: stored hashes are
#: compared with new ones, and a different text makes every stored record look changed after an
#: upgrade. orjson (``OPT_SORT_KEYS``) is faster but writes other bytes: no space after ``,`` and
#: ``:``, ``1e16`` for ``1e+16`` (``tests/hub/test_content_hash.py``).
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)


def content_hash(data: Any) -> str:
    """Stable hash of JSON-able data: tells a real change from a re-delivery of the same content."""
    return hashlib.sha256(_HASH_ENCODER.encode(data).encode()).hexdigest()


class DumpedGolden(NamedTuple):
    """A built golden record as its write needs it: the hash of its content (lineage left out: a
    change of provenance alone is no change to consumers) and its JSON text, encoded once for its row,
    its audit entry and its event. Plain values: a process building golden records for the sync
    (``hub.golden_slices``) sends these, not models, back to the one writing them."""

    golden_id: str
    display_name: str
    digest: str
    text: str


def dump_golden(golden: GoldenRecord) -> DumpedGolden:
    data = golden.model_dump(mode="json")
    digest = content_hash({k: v for k, v in data.items() if k != "lineage"})
    return DumpedGolden(golden.golden_id, golden.display_name, digest, json_codec.dumps(data))


#: Never part of a record's content hash: the payload as delivered and the source's change time.
_NOT_CONTENT = frozenset({"raw", "updated_at"})


def record_hash(record: CustomerRecord) -> str:
    return content_hash(record.model_dump(mode="json", exclude=set(_NOT_CONTENT)))


def dumped_record_hash(data: dict[str, Any]) -> str:
    """:func:`record_hash` of a record already dumped to JSON (staging dumps it once for both)."""
    return content_hash({k: v for k, v in data.items() if k not in _NOT_CONTENT})


def _jsonable(data: Any) -> Any:
    """``data`` as plain JSON values (what JSON cannot hold becomes its ``str``)."""
    return json_codec.loads(json_codec.dumps_any(data))


@dataclass
class StageStats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    erased_skipped: int = 0  # records of people erased on request, refused at the door
    echoes: int = 0  # changed only by what the hub itself pushed there: stored, not re-matched

    def add(self, other: StageStats) -> None:
        for name in ("inserted", "updated", "unchanged", "quarantined", "erased_skipped", "echoes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


#: Rows for ``match_pairs`` in chunks, iterable more than once (a write that starts again reads them
#: again): a million records' pairs are never all Python objects at once.
PairChunks = Iterable[Sequence[dict[str, Any]]]


@dataclass
class StoredMatch:
    """What one matching run decided, ready to be written in one transaction.

    ``scope`` limits the write to some source records (a steward decision, an incremental run):
    only golden records that held or now hold those records are touched. ``None`` = everything.
    """

    #: iterated once, while written (``hub.consolidate.GoldenBuild`` yields them dumped)
    golden: Iterable[GoldenRecord | DumpedGolden]
    retired: dict[str, str]  # retired golden id -> surviving golden id
    membership: dict[RecordKey, str]  # source record -> golden id
    pairs: PairChunks | None  # rows for match_pairs (match + review); None = leave pairs alone
    run_id: str | None
    actor: str = "hub"
    split_from: dict[str, str] = field(default_factory=dict)  # new golden id -> id it split from
    conflicts: dict[str, dict[str, list[dict[str, Any]]]] = field(
        default_factory=dict
    )  # golden -> field -> values
    scope: set[RecordKey] | None = None
    golden_ids: list[str] | None = None  # the ids of ``golden``, known without building them
    decision_version: str | None = None  # the decisions this result honours (see decision_version())
    outbox_head: int | None = None  # the golden records it was computed from (a steward decision's check)


@dataclass
class PairVerdict:
    """A steward's verdict to note on a stored pair (the review queue) when no new pairs replace it."""

    left: RecordKey
    right: RecordKey
    decision: str
    note: str


class StaleDecisionsError(RuntimeError):
    """Steward decisions (or, for a decision's own result, the golden records) changed while a result
    was computed; the caller recomputes with them."""
