"""Rows written through ``hub.store.bulk_rows.execute_rows`` are stored exactly as SQLAlchemy's own
executemany stored them: the same text in the database (JSON, timestamps), the same column defaults,
on SQLite and PostgreSQL; JSON given as text is stored as it is, not encoded twice. A frame given to
``insert_frame`` likewise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import Text, bindparam, cast, event, func, select

from hub import json_codec
from hub.models import AuditEntry, GoldenRecordRow, MatchPlanPair, OutboxEvent, SearchKeyRow, core_table
from hub.store import HubStore
from hub.store.bulk_rows import execute_rows, insert_frame

NOW = datetime(2026, 12, 6, 8, 15, 30, 123456, tzinfo=UTC)
RECORD = {"given_name": "Jürgen", "city": "王小明", "emails": ["a@b.de"], "n": [1, 2.5, None], "x": {}}


def _stored(store: HubStore, model: type, order: object) -> list[tuple[object, ...]]:
    """Every column as the database holds it: JSON and timestamps as text, not decoded."""
    table = core_table(model)
    columns = [cast(c, Text) if c.name not in ("id", "seq", "version") else c for c in table.columns]
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(*columns).order_by(order))]


def _rows(prefix: str) -> list[dict[str, object]]:
    return [
        {
            "golden_id": f"{prefix}-{i}",
            "record": {**RECORD, "i": i},
            "content_hash": f"h{i}",
            "display_name": None if i == 1 else f"Name {i}",
            "created_at": NOW,
            "updated_at": NOW + timedelta(seconds=i),
        }
        for i in range(3)
    ]


def test_inserts_store_what_sqlalchemy_stored(store):
    table = core_table(GoldenRecordRow)
    with store.sessions.begin() as session:
        session.execute(table.insert(), _rows("A"))
        execute_rows(session, table.insert(), _rows("B"))  # scalar defaults: status, version
        # JSON given as text: stored as it is (the golden write encodes a record once for three rows)
        execute_rows(
            session,
            table.insert(),
            [{**row, "record": json_codec.dumps(row["record"])} for row in _rows("C")],
        )
    rows = _stored(store, GoldenRecordRow, table.c.golden_id)
    by_prefix = {p: [r[1:] for r in rows if r[0].startswith(p)] for p in "ABC"}
    assert len(by_prefix["A"]) == 3
    assert by_prefix["A"] == by_prefix["B"] == by_prefix["C"]
    with store.engine.connect() as connection:
        record = connection.scalar(select(table.c.record).where(table.c.golden_id == "C-2"))
    assert record == {**RECORD, "i": 2}


def test_json_null_and_updates_as_sqlalchemy(store):
    outbox, audit = core_table(OutboxEvent), core_table(AuditEntry)
    events = [
        {
            "at": NOW,
            "change": "delete",
            "golden_id": "G-1",
            "related_id": None,
            "run_id": "r",
            "payload": None,
        },
        {
            "at": NOW,
            "change": "create",
            "golden_id": "G-2",
            "related_id": None,
            "run_id": "r",
            "payload": RECORD,
        },
    ]
    entries = [
        {
            "at": NOW,
            "actor": "a",
            "action": "update",
            "golden_id": "G-1",
            "source_system": None,
            "source_id": None,
            "before": RECORD,
            "after": None,
        }
    ]
    with store.sessions.begin() as session:
        session.execute(outbox.insert(), events)
        execute_rows(session, outbox.insert(), events)
        session.execute(audit.insert(), entries)
        execute_rows(session, audit.insert(), entries)
    stored = [r[1:] for r in _stored(store, OutboxEvent, outbox.c.seq)]
    assert stored[:2] == stored[2:]
    assert stored[0][-1] == "null"  # JSON null, as the column type stores None, not SQL NULL
    logged = [r[1:] for r in _stored(store, AuditEntry, audit.c.id)]
    assert logged[0] == logged[1]

    table = core_table(GoldenRecordRow)
    with store.sessions.begin() as session:
        session.execute(table.insert(), _rows("A") + _rows("B"))
    change = {"status": "retired", "record": {**RECORD, "v": 2}, "updated_at": NOW, "version": 7}
    by_id = table.update().where(table.c.golden_id == bindparam("b_golden_id"))
    with store.sessions.begin() as session:
        session.execute(by_id, [{"b_golden_id": f"A-{i}", **change} for i in range(3)])
        execute_rows(session, by_id, [{"b_golden_id": f"B-{i}", **change} for i in range(3)])
    rows = _stored(store, GoldenRecordRow, table.c.golden_id)
    assert [r[1:] for r in rows[:3]] == [r[1:] for r in rows[3:]]


def test_a_computed_default_must_be_given(store):
    outbox = core_table(OutboxEvent)  # ``at`` defaults to the clock, per row
    with store.sessions.begin() as session, pytest.raises(ValueError, match="'at'"):
        execute_rows(session, outbox.insert(), [{"change": "create", "golden_id": "G", "payload": None}])


def test_a_frame_is_inserted_as_sqlalchemy_inserts_its_rows(store):
    """``insert_frame`` (the search index's write) stores what a Core executemany of the same rows
    stores, any script included, on both backends."""
    table = core_table(SearchKeyRow)
    words = ["n:jürgen", "c:王", "p:rks", "e:a@b.de", "t:+4930123456", "x:DE281127676"]
    rows = [{"source_system": system, "source_id": f"{i}", "key": word}
            for system in ("erp", "shop") for i, word in enumerate(words)]  # fmt: skip
    with store.sessions.begin() as session:
        session.execute(table.insert(), [r for r in rows if r["source_system"] == "erp"])
        insert_frame(session, table, pl.DataFrame([r for r in rows if r["source_system"] == "shop"]))
    stored = _stored(store, SearchKeyRow, table.c.source_id)
    by_system = {s: [r[1:] for r in stored if r[0] == s] for s in ("erp", "shop")}
    assert len(by_system["erp"]) == len(words)
    assert by_system["erp"] == by_system["shop"]


def test_a_frame_with_json_text_and_floats_is_stored_as_sqlalchemy_stores_its_rows(store):
    """A JSON column given as its text and a float column (``match_plan_pairs``: a shard's pairs) are
    stored as SQLAlchemy stores the decoded rows, on both backends."""
    table = core_table(MatchPlanPair)
    explanation = [{"field": "name", "level": "exact", "weight": -2.125, "left": "Jürgen", "right": None}]
    rows = [{"left_system": "erp", "left_id": f"{i}", "right_system": "shop", "right_id": f"{i}", "shard": 0,
             "score": score, "decision": "match", "explanation": [*explanation, {"i": i}]}
            for i, score in enumerate([0.1, 1 / 3, 1.0, 0.0, 7.25e-5])]  # fmt: skip
    with store.sessions.begin() as session:
        session.execute(table.insert(), [{**r, "run_id": "dicts"} for r in rows])
        texts = [{**r, "run_id": "frame", "explanation": json_codec.dumps(r["explanation"])} for r in rows]
        insert_frame(session, table, pl.DataFrame(texts))
    stored = _stored(store, MatchPlanPair, table.c.id)
    by_run = {run: [r[3:] for r in stored if r[1] == run] for run in ("dicts", "frame")}
    assert len(by_run["dicts"]) == len(rows) and by_run["dicts"] == by_run["frame"]


def test_a_frame_needing_bind_processing_is_refused(store):
    frame = pl.DataFrame([{**row, "record": {"a": 1}} for row in _rows("F")]).drop("created_at", "updated_at")
    with store.sessions.begin() as session, pytest.raises(ValueError, match="execute_rows"):
        insert_frame(session, core_table(GoldenRecordRow), frame)


def test_plain_inserts_go_through_copy_on_postgresql(store):
    """On PostgreSQL a plain INSERT of many rows is a ``COPY`` (no INSERT statement reaches the
    driver); an INSERT whose values hold a SQL expression stays an INSERT, and SQLite always INSERTs."""
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    table = core_table(GoldenRecordRow)
    with store.sessions.begin() as session:
        execute_rows(session, table.insert(), _rows("P"))
        execute_rows(session, table.insert().values(display_name=func.upper(bindparam("name"))),
                     [{**row, "name": "x"} for row in _rows("Q")])  # fmt: skip
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT")]
    copied = store.engine.dialect.name == "postgresql"
    assert len(inserts) == (1 if copied else 2)
    assert "UPPER" in inserts[-1].upper()
    assert len(_stored(store, GoldenRecordRow, table.c.golden_id)) == 6
