"""The queue pages and the searches read indexes, not tables (issue 16 items 3 and 6): every SELECT they
send is checked with SQLite's EXPLAIN QUERY PLAN. Without ANALYZE statistics SQLite plans a small test
store as it plans a large one, so a full read here is a full read of a million-customer store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from webapp_support import bearer

#: Plan lines that read a whole big table, or a range as large as the table: the status index holds
#: every active golden record, the decision index every open pair.
FULL_READ = re.compile(
    r"^SCAN (search_keys|source_records|golden_records|cross_references|match_pairs)\b"
    r"|ix_golden_records_status|ix_match_pairs_decision"
)


@contextmanager
def selects(engine) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def full_reads(engine, statements: list[tuple[str, object]]) -> list[str]:
    bad = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            bad += [f"{row[-1]}  <-  {statement[:160]}" for row in plan if FULL_READ.search(row[-1])]
    return bad


def test_queue_pages_and_item_read_indexes(client, hub):
    get = lambda path: client.get(path, headers=bearer("ann"))  # noqa: E731
    first = get("/api/v1/review/items?limit=2").json()
    assert first["items"] and first["next"]
    with selects(hub.store.engine) as seen:
        for path in (
            "/steward/review",
            f"/steward/review?after={first['next']}&i=1",
            "/steward/review?source=erp&band=mid",
            "/steward/review?at=3",
            f"/api/v1/review/items?limit=2&after={first['next']}",
            f"/api/v1/review/items/{first['items'][0]['item_id']}",
        ):
            assert get(path).status_code == 200, path
    assert seen and not full_reads(hub.store.engine, seen)


def test_searches_read_indexes(client, hub):
    records = hub.store.staging.load_records()
    email = next(e for r in records.values() for e in r.emails)
    family = next(r.family_name for r in records.values() if r.family_name and r.family_name.isalpha())
    cjk = next(
        ch
        for r in records.values()
        for ch in (r.full_name or "") + (r.family_name or "")
        if "\u4e00" <= ch <= "\u9fff"
    )
    with selects(hub.store.engine) as seen:
        for q in (email, family, family.upper(), cjk, f"{family} {email.split('@')[0]}"):
            hits = client.get("/api/v1/golden/search", params={"q": q}, headers=bearer("erp")).json()
            assert hits, q
    assert seen and not full_reads(hub.store.engine, seen)
