"""Shared plumbing of the webapp tests: users and tokens, a hub matched on generated records."""

from __future__ import annotations

from hub_staging import hub_config, stage

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord

TOKENS = {
    "ann": "steward-token-0123456789",
    "vic": "viewer-token-0123456789",
    "erp": "api-token-0123456789ab",
}
USERS = f"ann:steward:{TOKENS['ann']},vic:viewer:{TOKENS['vic']},erp:api:{TOKENS['erp']}"


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


def matched_pipeline(url: str, records: list[CustomerRecord]) -> SyncPipeline:
    pipeline = SyncPipeline(hub_config(url), HubStore(url, upgrade=True))
    stage(pipeline.store, records)
    pipeline.match("run-1")
    return pipeline
