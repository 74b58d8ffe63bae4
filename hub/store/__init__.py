"""The hub store: the only door to the hub's database.

:class:`HubStore` owns the engine and exposes one repository per job (``store.staging``,
``store.runs``, ``store.golden``, ``store.outbox``, ``store.decisions``, ``store.runlog``); modules that
read the store for pages and reports (``hub.queries``, ``hub.analytics``, ``hub.erasure``) get the store
and use its session factory, never an engine of their own. Each repository method is one transaction
with one job, so that a crash leaves the store consistent.

The schema is not migrated here: ``crmhub db-upgrade`` (or ``HubStore(url, upgrade=True)``) does it
once; opening a store whose schema is behind fails with a message saying so.
"""

from __future__ import annotations

from hub.db import (
    SQLITE_LOCK_WAIT,
    SchemaOutOfDateError,
    check_schema,
    make_engine,
    migrate,
    session_factory,
)
from hub.store.common import (
    CUSTOMERS_STREAM,
    FLAT_COLUMNS,
    GOLDEN_WRITE_LOCK,
    HUB_SOURCE,
    KEY_CHUNK,
    ORDERS_STREAM,
    SEARCH_KEY_CHUNK,
    SEARCH_KEY_STREAM,
    PairChunks,
    PairVerdict,
    StageStats,
    StaleDecisionsError,
    StoredMatch,
    _flat_frame,
    content_hash,
    record_hash,
)
from hub.store.decisions import DecisionRepository
from hub.store.golden import GoldenRepository
from hub.store.matchruns import MatchRunRepository
from hub.store.outbox import OutboxRepository
from hub.store.runlog import RunLogRepository
from hub.store.staging import StagingRepository

__all__ = [
    "FLAT_COLUMNS",
    "GOLDEN_WRITE_LOCK",
    "HUB_SOURCE",
    "KEY_CHUNK",
    "CUSTOMERS_STREAM",
    "ORDERS_STREAM",
    "SEARCH_KEY_CHUNK",
    "SEARCH_KEY_STREAM",
    "HubStore",
    "PairChunks",
    "PairVerdict",
    "SchemaOutOfDateError",
    "StageStats",
    "StaleDecisionsError",
    "StoredMatch",
    "_flat_frame",
    "content_hash",
    "record_hash",
]


class HubStore:
    """Owns the engine and session factory and hands out the repositories built on them."""

    def __init__(self, url: str, *, upgrade: bool = False, lock_wait: float = SQLITE_LOCK_WAIT) -> None:
        """``lock_wait``: on SQLite, how long a write waits for another connection's (``make_engine``)."""
        if upgrade:
            migrate(url)
        self.url = url
        self.engine = make_engine(url, lock_wait)
        try:
            check_schema(self.engine, url)
        except Exception:
            self.engine.dispose()
            raise
        self.sessions = session_factory(self.engine)
        self.staging = StagingRepository(self.engine, self.sessions)
        self.runs = MatchRunRepository(self.engine, self.sessions)
        self.golden = GoldenRepository(self.engine, self.sessions)
        self.outbox = OutboxRepository(self.engine, self.sessions)
        self.decisions = DecisionRepository(self.engine, self.sessions, self.golden)
        self.runlog = RunLogRepository(self.engine, self.sessions)

    def close(self) -> None:
        self.engine.dispose()
