"""The store's facade: the only door to the database, schema upgrades once and explicitly, and a
scoped golden-record write that reads only what it can change."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, inspect

from hub.db import SchemaOutOfDateError, make_engine
from hub.store import HubStore, StoredMatch
from schemas import CustomerRecord, GoldenRecord, RecordKey, SourceRef

HUB = Path(__file__).resolve().parents[2] / "hub"


def test_a_store_behind_the_schema_is_refused_naming_the_command_and_left_untouched(store_url):
    with pytest.raises(SchemaOutOfDateError, match="crmhub db-upgrade"):
        HubStore(store_url)
    engine = make_engine(store_url)
    assert inspect(engine).get_table_names() == []  # opening did not migrate behind the user's back
    engine.dispose()
    HubStore(store_url, upgrade=True).close()
    store = HubStore(store_url)  # at the latest revision now: opens without running Alembic
    assert store.runlog.counts()["golden_active"] == 0
    store.close()


def test_only_the_store_package_creates_engines_or_sessions():
    """queries, analytics, erasure and the rest get the store; none opens the database itself."""
    offenders = []
    for path in sorted(HUB.rglob("*.py")):
        relative = path.relative_to(HUB).as_posix()
        if relative == "db.py" or relative.startswith(("store/", "migrations/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name in ("make_engine", "create_engine", "sessionmaker", "session_factory"):
                    offenders.append(f"{relative}:{node.lineno} {name}")
    assert offenders == []


def _record(source_id: str) -> CustomerRecord:
    return CustomerRecord(
        source_system="erp",
        source_id=source_id,
        given_name="Ana",
        family_name=f"Kovač {source_id}",
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _golden(golden_id: str, *keys: RecordKey) -> GoldenRecord:
    sources = [SourceRef(source_system=k.source_system, source_id=k.source_id) for k in keys]
    return GoldenRecord(golden_id=golden_id, given_name="Ana", sources=sources)


def test_a_scoped_write_reads_only_the_links_it_can_change(store_url):
    store = HubStore(store_url, upgrade=True)
    keys = [RecordKey("erp", str(i)) for i in range(40)]
    store.staging.stage_page("erp", [_record(k.source_id) for k in keys], [], cursor=None)
    store.golden.save_match(
        StoredMatch(
            golden=[_golden(f"g{i}", k) for i, k in enumerate(keys)],
            retired={},
            membership={k: f"g{i}" for i, k in enumerate(keys)},
            pairs=None,
            run_id="full",
        )
    )
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    counts = store.golden.save_match(
        StoredMatch(
            golden=[_golden("g0", keys[0], keys[1])],
            retired={"g1": "g0"},
            membership={keys[0]: "g0", keys[1]: "g0"},
            pairs=None,
            run_id="scoped",
            scope={keys[0], keys[1]},
        )
    )
    link_reads = [
        s for s in statements if s.lstrip().upper().startswith("SELECT") and "cross_references" in s
    ]
    assert link_reads and all("WHERE" in s.upper() for s in link_reads), link_reads
    assert (counts["golden_retired"], counts["links_changed"]) == (1, 1)
    membership = store.golden.membership()
    assert membership[keys[1]] == "g0" and len(membership) == 40
    assert all(membership[k] == f"g{i}" for i, k in enumerate(keys) if i > 1)
    store.close()
