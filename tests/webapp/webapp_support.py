"""Shared plumbing of the webapp tests: users and tokens, a hub matched on generated records."""

from __future__ import annotations

from collections import defaultdict

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord, HubConfig

SYSTEMS = ("erp", "webshop", "legacy_db", "legacy_csv")
TOKENS = {
    "ann": "steward-token-0123456789",
    "vic": "viewer-token-0123456789",
    "erp": "api-token-0123456789ab",
}
USERS = f"ann:steward:{TOKENS['ann']},vic:viewer:{TOKENS['vic']},erp:api:{TOKENS['erp']}"


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


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


def matched_pipeline(url: str, records: list[CustomerRecord]) -> SyncPipeline:
    pipeline = SyncPipeline(hub_config(url), HubStore(url))
    stage(pipeline.store, records)
    pipeline.match("run-1")
    return pipeline
