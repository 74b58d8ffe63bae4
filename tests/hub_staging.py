"""A hub over the generator's four systems, and staging of generated records into it (hub and webapp
suites): the systems are trusted in the generator's order, each record lands in its own system."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import MetaData

from hub.store import HubStore
from schemas import CustomerRecord, HubConfig

SYSTEMS = ("erp", "webshop", "legacy_db", "legacy_csv")


def hub_config(url: str) -> HubConfig:
    return HubConfig(
        database_url=url,
        sources=[{"name": n, "kind": "csv", "trust": t} for t, n in enumerate(SYSTEMS, start=1)],
    )


def stage(store: HubStore, records: list[CustomerRecord]) -> None:
    by_system: dict[str, list[CustomerRecord]] = defaultdict(list)
    for record in records:
        by_system[record.source_system].append(record)
    for system, batch in by_system.items():
        store.stage_page(system, batch, [], cursor=None)


def store_text(store: HubStore) -> str:
    """Every row of every table of the store as text (what an erasure test greps)."""
    metadata = MetaData()
    metadata.reflect(store.engine)
    chunks = []
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                chunks.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(chunks)
