"""One matching result written set-based: golden records, retirements, cross-references, conflicts,
the audit trail and the outbox as a few multi-row statements per table (issue 15 item 3).

The ORM's unit of work wrote each row with its own INSERT or UPDATE (52k statements for 20k source
records). Here every change is first collected as a plain dict, then sent as one executemany per
table and kind straight to the driver (``hub.store.bulk_rows``: no per-row parameter processing in
SQLAlchemy; a golden record's JSON is encoded once for its row, audit entry and event), and deletes go
by chunks of keys. Only the golden records and links the result can change are read, so an
incremental run costs in proportion to its scope. Rows, their order (audit ids, outbox sequence
numbers) and their values are those the per-row write gave (``tests/hub/test_golden_write_snapshot.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from hub import json_codec
from hub.models import (
    AuditEntry,
    CrossReference,
    FieldConflict,
    GoldenRecordRow,
    OutboxEvent,
    core_table,
)
from hub.store.bulk_rows import execute_rows
from hub.store.common import (
    KEY_CHUNK,
    DumpedGolden,
    StoredMatch,
    _jsonable,
    dump_golden,
    key_chunks,
    keys_in,
)
from schemas import GoldenRecord, RecordKey

Row = dict[str, Any]


#: From this share of the stored links on, the links of a set of keys are read in one scan of the
#: table rather than looked up a chunk of keys at a time: on SQLite at 100k links a look-up cost about
#: 10 µs a key and the scan about 4 µs a stored link (a full run's 100k keys: 1.04 s against 0.37 s).
SCAN_SHARE = 0.5
#: Fewer keys are always looked up: a steward's decision never counts, let alone reads, every link.
SCAN_FROM_KEYS = 10 * KEY_CHUNK


def current_links(session: Session, keys: set[RecordKey] | None) -> dict[RecordKey, str]:
    """Source record -> golden id of the links a write can change: all of them for a full run, only
    those of the scope and the new membership for a scoped one (a decision must not read a million):
    looked up by key, or picked from one scan when the keys are many and ``SCAN_SHARE`` of the links."""
    table = core_table(CrossReference)
    columns = select(table.c.source_system, table.c.source_id, table.c.golden_id)
    if keys is None or (len(keys) >= SCAN_FROM_KEYS and len(keys) >= SCAN_SHARE * _count(session, table)):
        every = {RecordKey(s, i): g for s, i, g in session.execute(columns)}
        # in key order, as the look-ups give them
        return every if keys is None else {key: every[key] for key in sorted(keys) if key in every}
    wanted, links = sorted(keys), {}
    for part in key_chunks(wanted):
        chunk = [(k.source_system, k.source_id) for k in part]
        query = columns.where(keys_in(table.c.source_system, table.c.source_id, chunk))
        links.update({RecordKey(s, i): g for s, i, g in session.execute(query)})
    return links


def _count(session: Session, table: Table) -> int:
    return session.execute(select(func.count()).select_from(table)).scalar_one()


@dataclass
class _Stored:
    """What the write needs of a stored golden record."""

    status: str
    content_hash: str
    version: int
    record: dict[str, Any]


def stored_golden(session: Session, golden_ids: set[str], all_active: bool = False) -> dict[str, _Stored]:
    """The stored golden records among ``golden_ids`` (and every active one with ``all_active``: a full
    run), in golden-id order: retirements are audited in it. Looked up by chunks of ids (PostgreSQL
    takes at most 65,535 parameters a statement); a full run reads the active ones in one scan."""
    table = core_table(GoldenRecordRow)
    columns = select(table.c.golden_id, table.c.status, table.c.content_hash, table.c.version, table.c.record)
    found: dict[str, _Stored] = {}

    def read(query: Any) -> None:
        for golden_id, status, digest, version, record in session.execute(query):
            found[golden_id] = _Stored(status, digest, version, record)

    if all_active:
        read(columns.where(table.c.status == "active"))
        inactive = select(table.c.golden_id).where(table.c.status != "active")
        golden_ids = (golden_ids - found.keys()) & set(session.scalars(inactive))
    wanted = sorted(golden_ids)
    for chunk in key_chunks(wanted):
        read(columns.where(table.c.golden_id.in_(chunk)))
    return dict(sorted(found.items()))


@dataclass
class MatchRows:
    """The rows one result adds or changes, per table and kind, in the order the per-row write made them."""

    now: datetime
    actor: str
    golden_new: list[Row] = field(default_factory=list)
    golden_changed: list[Row] = field(default_factory=list)  # full update of a changed record
    golden_lineage: list[Row] = field(default_factory=list)  # same values, other provenance
    golden_retired: list[Row] = field(default_factory=list)
    links_new: list[Row] = field(default_factory=list)
    links_moved: list[Row] = field(default_factory=list)
    links_gone: list[tuple[str, str]] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)
    #: (change, golden id, related id, payload: the golden record's JSON text, or ``None``)
    outbox: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)

    def audit_entry(
        self,
        action: str,
        golden_id: str | None,
        before: Any,
        after: Any,
        related: str | None = None,
        key: RecordKey | None = None,
    ) -> None:
        """``before``/``after`` must be JSON values (stored records, ``model_dump(mode="json")``) or JSON
        text (``hub.json_codec.dumps``: a golden record's, shared with its row and its event); an
        ``after`` that gets a ``related`` id must be a value."""
        if related:
            after = {**(after or {}), "related_id": related}
        self.audit.append(
            {
                "at": self.now,
                "actor": self.actor,
                "action": action,
                "golden_id": golden_id,
                "source_system": key.source_system if key else None,
                "source_id": key.source_id if key else None,
                "before": before,
                "after": after,
            }
        )


def collect_golden(
    result: StoredMatch,
    current: dict[str, _Stored],
    rows: MatchRows,
    live: set[str],
    building: Iterator[GoldenRecord | DumpedGolden],
    flush: Callable[[], None] | None = None,
) -> dict[str, int]:
    """New, changed, re-explained and retired golden records (``live``: the ids ``result`` builds,
    ``building``: its golden records, being built), with their audit entries and events; ``flush`` is
    called every ``WRITE_SLICE`` built records to write what was collected so far
    (``write_golden_rows``): rows and ids keep their order."""
    now, counts = rows.now, {"golden_created": 0, "golden_updated": 0, "golden_retired": 0}
    for built, record in enumerate(building, start=1):
        if flush is not None and built % WRITE_SLICE == 0:
            flush()
        golden = record if isinstance(record, DumpedGolden) else dump_golden(record)
        text, digest = golden.text, golden.digest
        row = current.get(golden.golden_id)
        if row is None:
            rows.golden_new.append(
                {
                    "golden_id": golden.golden_id,
                    "record": text,
                    "content_hash": digest,
                    "display_name": golden.display_name,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            counts["golden_created"] += 1
            origin = result.split_from.get(golden.golden_id)
            rows.outbox.append(("split" if origin else "create", golden.golden_id, origin, text))
            # a split's entry names the record it split from
            after = json_codec.loads(text) if origin else text
            rows.audit_entry("split" if origin else "create", golden.golden_id, None, after, related=origin)
        elif row.content_hash != digest or row.status != "active":
            rows.audit_entry("update", golden.golden_id, row.record, text)
            rows.golden_changed.append(
                {
                    "b_golden_id": golden.golden_id,
                    "record": text,
                    "content_hash": digest,
                    "display_name": golden.display_name,
                    "status": "active",
                    "merged_into": None,
                    "version": row.version + 1,
                    "updated_at": now,
                }
            )
            counts["golden_updated"] += 1
            rows.outbox.append(("update", golden.golden_id, None, text))
        elif row.record.get("lineage") != json_codec.loads(text)["lineage"]:
            # same values, other provenance (a steward pinned the value survivorship chose):
            # keep the lineage true without telling consumers about a change they cannot see
            rows.golden_lineage.append({"b_golden_id": golden.golden_id, "record": text})
    for golden_id, row in current.items():
        if golden_id not in live and row.status == "active":
            survivor = result.retired.get(golden_id)
            rows.golden_retired.append(
                {
                    "b_golden_id": golden_id,
                    "status": "retired",
                    "merged_into": survivor,
                    "updated_at": now,
                    "version": row.version + 1,
                }
            )
            counts["golden_retired"] += 1
            change = "merge" if survivor else "delete"
            rows.outbox.append((change, survivor or golden_id, golden_id if survivor else None, None))
            rows.audit_entry(change, golden_id, row.record, {"merged_into": survivor}, related=survivor)
    return counts


def collect_links(result: StoredMatch, links: dict[RecordKey, str], rows: MatchRows) -> int:
    """New and moved cross-references (moves audited) and those of records gone at the source."""
    changed = 0
    for key, golden_id in result.membership.items():
        old = links.pop(key, None)
        if old is None:
            rows.links_new.append(
                {
                    "source_system": key.source_system,
                    "source_id": key.source_id,
                    "golden_id": golden_id,
                    "linked_at": rows.now,
                }
            )
            changed += 1
        elif old != golden_id:
            rows.audit_entry("relink", golden_id, {"golden_id": old}, {"golden_id": golden_id}, key=key)
            rows.links_moved.append(
                {
                    "b_system": key.source_system,
                    "b_id": key.source_id,
                    "golden_id": golden_id,
                    "linked_at": rows.now,
                }
            )
            changed += 1
    scope = result.scope
    rows.links_gone = [(k.source_system, k.source_id) for k in links if scope is None or k in scope]
    return changed


#: Rows per executemany: the driver's parameters (a golden record's JSON text, several KB, in three
#: tables) exist for one slice at a time, not for every record of a full run at once (1.5 GB at 100k).
WRITE_SLICE = 2_000


def _slices(params: Sequence[Row]) -> Iterable[list[Row]]:
    return (list(params[start : start + WRITE_SLICE]) for start in range(0, len(params), WRITE_SLICE))


def _update_many(session: Session, table: Table, where: Any, params: Sequence[Row]) -> None:
    """Executemany UPDATEs (``where`` names its ``b_`` parameters; the dicts' other keys are SET),
    straight to the driver (``hub.store.bulk_rows``)."""
    for part in _slices(params):
        execute_rows(session, table.update().where(where), part)


def _insert_many(session: Session, table: Table, params: Sequence[Row]) -> None:
    for part in _slices(params):
        execute_rows(session, table.insert(), part)


def write_golden_rows(session: Session, rows: MatchRows, run_id: str | None) -> None:
    """The golden records, audit entries and outbox events collected so far, written and let go."""
    golden = core_table(GoldenRecordRow)
    by_id = golden.c.golden_id == bindparam("b_golden_id")
    _insert_many(session, golden, rows.golden_new)
    for group in (rows.golden_changed, rows.golden_lineage, rows.golden_retired):
        _update_many(session, golden, by_id, group)
    _insert_many(session, core_table(AuditEntry), rows.audit)
    write_outbox(session, rows, run_id)
    for written in (
        rows.golden_new,
        rows.golden_changed,
        rows.golden_lineage,
        rows.golden_retired,
        rows.audit,
    ):
        written.clear()
    rows.outbox.clear()


def write_golden_and_links(session: Session, rows: MatchRows, run_id: str | None) -> None:
    """Golden records, cross-references, the audit trail and the outbox: a few statements per slice."""
    write_golden_rows(session, rows, run_id)
    links = core_table(CrossReference)
    _insert_many(session, links, rows.links_new)
    by_key = (links.c.source_system == bindparam("b_system")) & (links.c.source_id == bindparam("b_id"))
    _update_many(session, links, by_key, rows.links_moved)
    for chunk in key_chunks(rows.links_gone):
        session.execute(links.delete().where(keys_in(links.c.source_system, links.c.source_id, chunk)))


def write_conflicts(session: Session, result: StoredMatch, touched: Iterable[str], now: datetime) -> None:
    """The open field conflicts of the touched golden records, replaced."""
    table = core_table(FieldConflict)
    touched = sorted(set(touched))
    for chunk in key_chunks(touched):
        session.execute(table.delete().where(table.c.golden_id.in_(chunk)))
    _insert_many(
        session,
        table,
        [
            {
                "golden_id": golden_id,
                "field": name,
                "values": _jsonable(values),
                "status": "open",
                "updated_at": now,
            }
            for golden_id, fields in result.conflicts.items()
            for name, values in fields.items()
        ],
    )


def write_outbox(session: Session, rows: MatchRows, run_id: str | None) -> None:
    _insert_many(
        session,
        core_table(OutboxEvent),
        [
            {
                "at": rows.now,
                "change": change,
                "golden_id": golden_id,
                "related_id": related,
                "run_id": run_id,
                "payload": payload,
            }
            for change, golden_id, related, payload in rows.outbox
        ],
    )
