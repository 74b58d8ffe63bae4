"""A hub over the generator's four systems, and staging of generated records into it (hub and webapp
suites): the systems are trusted in the generator's order, each record lands in its own system."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import MetaData

from hub.store import HubStore
from schemas import CustomerRecord, HubConfig, RecordKey

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
        store.staging.stage_page(system, batch, [], cursor=None)


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


def person_values(records: list[CustomerRecord], members: list[RecordKey]) -> set[str]:
    """The names and contacts of the records ``members`` that no other record holds: after erasing
    that person none may be left (a value others hold too, a household's name, rightly stays)."""
    wanted = set(members)
    others = [r.model_dump(mode="json") for r in records if r.key not in wanted]
    others_text = json.dumps(others, ensure_ascii=False)
    mine = [r for r in records if r.key in wanted]
    values = {v for r in mine for v in (r.given_name, r.family_name, r.full_name, *r.emails, *r.phones)}
    return {v for v in values if v and len(v) > 3 and v not in others_text}


def customer_partition(store: HubStore) -> set[frozenset[RecordKey]]:
    """The store's source records grouped by golden record (golden ids left out: they may differ)."""
    groups: dict[str, set[RecordKey]] = defaultdict(set)
    for key, golden_id in store.golden.membership().items():
        groups[golden_id].add(key)
    return {frozenset(group) for group in groups.values()}
