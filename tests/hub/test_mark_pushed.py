"""``OutboxRepository.mark_pushed`` is set-based (issue 15, publish): it leaves the same cross
references and audit rows as the per-record version it replaced, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hub_staging import hub_config, stage
from sqlalchemy import select

import hub.store.outbox as outbox_module
from hub.models import AuditEntry, CrossReference
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from hub.store.common import _jsonable

FIRST = datetime(2026, 1, 2, 3, 4, 5)
SECOND = datetime(2026, 2, 3, 4, 5, 6)


def per_record_mark_pushed(store: HubStore, source: str, hashes: dict[str, str | None], actor: str,
                           fields: dict[str, dict[str, Any]], now: datetime) -> None:
    """The version before issue 15: one ``session.get`` and ORM flush per record (the reference)."""
    with store.sessions.begin() as session:
        for source_id, digest in hashes.items():
            link = session.get(CrossReference, (source, source_id))
            if link is None:
                continue
            link.pushed_hash, link.pushed_at = digest, now if digest else link.pushed_at
            if digest and source_id in fields:
                link.pushed_fields = _jsonable(dict(fields[source_id]))
            if digest:
                session.add(AuditEntry(at=now, actor=actor, action="push", golden_id=link.golden_id,
                                       source_system=source, source_id=source_id))


def _state(store: HubStore) -> tuple[list[tuple], list[tuple]]:
    with store.sessions() as session:
        links = session.execute(
            select(CrossReference.source_system, CrossReference.source_id, CrossReference.golden_id,
                   CrossReference.pushed_hash, CrossReference.pushed_at, CrossReference.pushed_fields)
            .order_by(CrossReference.source_system, CrossReference.source_id)
        )
        audit = session.execute(
            select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.golden_id,
                   AuditEntry.source_system, AuditEntry.source_id)
            .where(AuditEntry.action == "push").order_by(AuditEntry.source_id, AuditEntry.at)
        )
        return [tuple(r) for r in links], [tuple(r) for r in audit]


def _naive(moment: datetime | None) -> datetime | None:
    """PostgreSQL answers the stored UTC time with its zone, SQLite without."""
    return moment.replace(tzinfo=None) if moment else None


def _rounds(ids: list[str]) -> list[tuple[datetime, dict[str, str | None], dict[str, dict[str, Any]]]]:
    """A first push of half the records, then a mixed one: pushed with fields, pushed without (the
    old fields stay), failed (the last push time stays), never linked (skipped)."""
    first = {sid: f"h1-{sid}" for sid in ids[: len(ids) // 2]}
    fields1 = {sid: {"emails": [f"{sid}@example.de"]} for sid in ids[:4]}
    second: dict[str, str | None] = {ids[0]: "h2", ids[1]: None, ids[2]: "h2-nofields", ids[5]: None,
                                     ids[-1]: "h2-last", "no-such-id": "h2"}
    fields2 = {ids[0]: {"phones": ["+4930999"], "city": "Köln"}, ids[-1]: {"tax_id": "DE123"}}
    return [(FIRST, first, fields1), (SECOND, second, fields2)]


def test_set_based_mark_pushed_leaves_the_rows_of_the_per_record_one(store_url, records, monkeypatch) -> None:
    store = HubStore(store_url, upgrade=True)
    stage(store, records[:60])
    SyncPipeline(hub_config(store_url), store).match("run-1")
    ids = sorted(r.source_id for r in records[:60] if r.source_system == "erp")
    assert len(ids) >= 8
    before = _state(store)
    for now, hashes, fields in _rounds(ids):
        per_record_mark_pushed(store, "erp", hashes, "run:ref", fields, now)
    expected = _state(store)
    with store.engine.begin() as connection:  # back to the state before the reference ran
        connection.execute(CrossReference.__table__.update().values(
            pushed_hash=None, pushed_at=None, pushed_fields=None))
        connection.execute(AuditEntry.__table__.delete().where(AuditEntry.action == "push"))
    assert _state(store) == before
    for now, hashes, fields in _rounds(ids):
        monkeypatch.setattr(outbox_module, "utcnow", lambda now=now: now)
        store.outbox.mark_pushed("erp", hashes, actor="run:ref", fields=fields)
    assert _state(store) == expected
    links = {row[1]: (*row[:4], _naive(row[4]), row[5]) for row in expected[0] if row[0] == "erp"}
    assert links[ids[0]][3:] == ("h2", SECOND, {"phones": ["+4930999"], "city": "Köln"})
    assert links[ids[1]][3:] == (None, FIRST, {"emails": [f"{ids[1]}@example.de"]})  # failed: time kept
    assert links[ids[2]][3:] == ("h2-nofields", SECOND, {"emails": [f"{ids[2]}@example.de"]})
    assert len(expected[1]) == len(ids) // 2 + 3  # one audit row per successful push


@pytest.mark.parametrize("count", [0, 1])
def test_nothing_or_one_record(store_url, records, count) -> None:
    store = HubStore(store_url, upgrade=True)
    stage(store, records[:10])
    SyncPipeline(hub_config(store_url), store).match("run-1")
    ids = sorted(r.source_id for r in records[:10] if r.source_system == "erp")[:count]
    store.outbox.mark_pushed("erp", dict.fromkeys(ids, "h"), fields={})
    links, audit = _state(store)
    assert [row[3] for row in links if row[1] in ids] == ["h"] * count
    assert len(audit) == count
