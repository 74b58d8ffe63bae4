"""Quarantined rows as the staging step writes them: one entry per source row (its id, else its
payload's content), so a full refresh meets the same bad row again and only counts it. The workflow on
these entries (fix, release, discard) is :mod:`hub.quarantine`; this part lives in the store package
because staging writes it inside its page transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from hub.models import QuarantineRow, utcnow
from hub.store.common import KEY_CHUNK, _jsonable
from schemas import QuarantinedRecord

#: Entry states. ``staged`` = released and taken by a sync.
OPEN, RELEASED, STAGED, DISCARDED = "open", "released", "staged", "discarded"


def entry_key(bad: QuarantinedRecord, payload: Mapping[str, Any]) -> str:
    """Same source row, same key: the id when known, else the payload's content."""
    if bad.source_id:
        return f"id:{bad.source_id}"[:200]
    text = json.dumps(payload, sort_keys=True, default=str)
    return "sha:" + hashlib.sha256(text.encode()).hexdigest()


def record(session: Session, quarantined: Sequence[QuarantinedRecord], run_id: str | None) -> None:
    """Keep refused rows with their reason and payload; a row seen before only updates its entry."""
    now = utcnow()
    fresh: dict[tuple[str, str], QuarantineRow] = {}
    for bad in quarantined:
        payload = _jsonable(bad.payload)
        fresh.setdefault(
            (bad.source_system, entry_key(bad, payload)),
            QuarantineRow(
                source_system=bad.source_system,
                source_id=bad.source_id,
                reason=bad.reason,
                payload=payload,
                run_id=run_id,
                created_at=now,
                last_seen_at=now,
                seen_count=0,
                status=OPEN,
                history=[],
            ),
        ).seen_count += 1
    keys = list(fresh)
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        query = select(QuarantineRow).where(
            tuple_(QuarantineRow.source_system, QuarantineRow.entry_key).in_(chunk)
        )
        for row in session.scalars(query):
            new = fresh.pop((row.source_system, row.entry_key or ""))
            row.seen_count += new.seen_count
            row.last_seen_at, row.run_id = now, run_id
            if row.status == OPEN and not _fixed(row):  # a steward's fix is not overwritten
                row.reason, row.payload = new.reason, new.payload
    for (_, key), row in fresh.items():
        row.entry_key = key
        session.add(row)


def _fixed(row: QuarantineRow) -> bool:
    return any(event.get("action") == "fix" for event in row.history or [])
