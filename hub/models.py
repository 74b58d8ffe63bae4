"""SQLAlchemy 2 typed ORM models of the hub store. Schema changes go through Alembic (hub/migrations).

Source records keep the flat canonical columns next to the full JSON so that matching can read them
as columns straight from SQL (one query into a polars frame), without building a model per record.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


def core_table(model: type[Base]) -> Table:
    """A mapped class's Core table, for set-based statements (``__table__`` is typed as a FromClause)."""
    return cast(Table, model.__table__)


class SourceRecordRow(Base):
    """The latest canonical version of one record in one source system (the staging area)."""

    __tablename__ = "source_records"

    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16))
    given_name: Mapped[str | None] = mapped_column(Text)
    family_name: Mapped[str | None] = mapped_column(Text)
    full_name: Mapped[str | None] = mapped_column(Text)
    organization_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)  # ';'-joined, primary first
    phone: Mapped[str | None] = mapped_column(Text)  # ';'-joined E.164, primary first
    street: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    tax_id: Mapped[str | None] = mapped_column(String(64))
    source_updated_at: Mapped[datetime | None]
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[dict[str, Any]]  # the full CustomerRecord as JSON, raw payload included
    content_hash: Mapped[str] = mapped_column(String(64))
    #: ``<digest of the source row>:<content_hash>`` as the extract last staged this record from that
    #: row (``hub.row_digests``): the same row again is unchanged without being mapped and validated.
    row_digest: Mapped[str | None] = mapped_column(String(130))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_id: Mapped[str | None] = mapped_column(String(128))


class SearchKeyRow(Base):
    """One search key of one source record: a name word in every reading the matcher knows, its
    sound, a Chinese character, an e-mail, a phone or an id, as ``hub.search_index`` normalises them.
    A steward's query goes through the same normalisers, so any spelling meets the record's."""

    __tablename__ = "search_keys"

    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)

    __table_args__ = (Index("ix_search_keys_key", "key"),)


class QuarantineRow(Base):
    """A source row refused at the door, kept with the reason until a steward or a fix releases it."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    run_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What makes two refusals the same entry: the source id, or a hash of the payload when the id
    #: could not be read. A full refresh meets the same row again and only counts it (hub.quarantine).
    entry_key: Mapped[str | None] = mapped_column(String(200))
    seen_count: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime | None] = mapped_column()
    #: open | released (staged by the next sync) | discarded (kept for the record, with the reason)
    status: Mapped[str] = mapped_column(String(16), default="open")
    history: Mapped[list[Any]] = mapped_column(default=list)

    __table_args__ = (Index("ux_quarantine_entry", "source_system", "entry_key", unique=True),)


class GoldenRecordRow(Base):
    """One real customer. Retired ids (merged away) stay, pointing at their survivor."""

    __tablename__ = "golden_records"

    golden_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active | retired
    merged_into: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(Text)
    record: Mapped[dict[str, Any]]  # GoldenRecord as JSON, lineage included
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrossReference(Base):
    """Golden id <-> every source system id, plus what was last pushed back to that source record."""

    __tablename__ = "cross_references"
    __table_args__ = (Index("ix_cross_references_source_id", "source_id"),)  # search by a source id

    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    golden_id: Mapped[str] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    pushed_hash: Mapped[str | None] = mapped_column(String(64))
    pushed_at: Mapped[datetime | None]
    #: The fields (and values) the last successful push wrote: their echo is no change (``hub.echoes``).
    pushed_fields: Mapped[dict[str, Any] | None]


class ScoredPairColumns:
    """A scored pair's own columns, shared by ``match_pairs`` and a running plan's ``match_plan_pairs``
    (a run's write copies the one to the other in one statement)."""

    left_system: Mapped[str] = mapped_column(String(64))
    left_id: Mapped[str] = mapped_column(String(128))
    right_system: Mapped[str] = mapped_column(String(64))
    right_id: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[list[Any]]


class MatchPairRow(ScoredPairColumns, Base):
    """A scored pair from the last matching run that touched it; ``review`` pairs form the steward queue."""

    __tablename__ = "match_pairs"
    __table_args__ = (
        UniqueConstraint("left_system", "left_id", "right_system", "right_id", name="uq_match_pair"),
        Index("ix_match_pairs_decision", "decision"),
        Index("ix_match_pairs_decision_score", "decision", "score"),  # review queue band filter
        # the pairs of given records (scoped writes, review-item refresh) without a scan of all pairs
        Index("ix_match_pairs_left", "left_system", "left_id"),
        Index("ix_match_pairs_right", "right_system", "right_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewItemRow(Base):
    """One open review item: two golden records (``a`` < ``b``) joined by open ``review`` links.

    Maintained by :mod:`hub.review_items` (refreshed where pairs or links change), so that the queue
    pages read an index in order instead of grouping every open link on each request."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_order", "distance", "a", "b"),
        Index("ix_review_items_band", "band", "distance", "a", "b"),
        Index("ix_review_items_b", "b"),
    )

    a: Mapped[str] = mapped_column(String(64), primary_key=True)
    b: Mapped[str] = mapped_column(String(64), primary_key=True)
    links: Mapped[int] = mapped_column(Integer)
    best_score: Mapped[float] = mapped_column(Float)
    #: Distance of the most informative link to the middle of the review band (smallest first).
    distance: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(8))  # the score band of the strongest link


class ReviewItemSourceRow(Base):
    """A source system one of the item's links touches: the queue's source filter as an index range."""

    __tablename__ = "review_item_sources"
    __table_args__ = (
        Index("ix_review_item_sources_order", "source_system", "distance", "a", "b"),
        Index("ix_review_item_sources_band", "source_system", "band", "distance", "a", "b"),
        Index("ix_review_item_sources_b", "b"),
    )

    a: Mapped[str] = mapped_column(String(64), primary_key=True)
    b: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    distance: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(8))


class StewardDecisionRow(Base):
    """A data steward's decision; active decisions constrain every later matching run."""

    __tablename__ = "steward_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    left_system: Mapped[str | None] = mapped_column(String(64))
    left_id: Mapped[str | None] = mapped_column(String(128))
    right_system: Mapped[str | None] = mapped_column(String(64))
    right_id: Mapped[str | None] = mapped_column(String(128))
    golden_id: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"value": ...}
    user: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)  # the steward's reason, shown in the history
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the golden records its records were in right after it (the history finds it from each of them)
    golden_ids: Mapped[list[str] | None] = mapped_column(JSON)
    undone_by: Mapped[str | None] = mapped_column(String(128))
    undone_at: Mapped[datetime | None] = mapped_column()


class SyncCursor(Base):
    """Where the last stored page of a source stream ended; never ahead of the stored data."""

    __tablename__ = "sync_cursors"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True, default="customers")
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunLog(Base):
    """One step of one sync run (extract of a source, match, publish to a source) and what it did."""

    __tablename__ = "run_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(128), index=True)
    step: Mapped[str] = mapped_column(String(32))  # extract | match | publish
    source: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | success | failed
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only audit log: every merge, split, override, decision, push and erasure, who did it,
    and the state before and after. Rows are never updated, except that erasure blanks personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))  # "run:<run id>" or the steward's user name
    action: Mapped[str] = mapped_column(String(32), index=True)
    golden_id: Mapped[str | None] = mapped_column(String(64), index=True)
    source_system: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxEvent(Base):
    """Ordered feed of golden-record changes; ``seq`` is the cursor every consumer keeps."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    change: Mapped[str] = mapped_column(String(16))  # create | update | merge | split | delete
    golden_id: Mapped[str] = mapped_column(String(64), index=True)
    #: merge: the retired id now pointing at golden_id; split: the id the new record split from
    related_id: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the golden record after the change


class FieldConflict(Base):
    """Two sources disagree on a field that must not silently pick a winner (e.g. tax id)."""

    __tablename__ = "field_conflicts"
    __table_args__ = (UniqueConstraint("golden_id", "field", name="uq_field_conflict"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    golden_id: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(64))
    values: Mapped[list[Any]]  # [{"value": ..., "sources": ["erp:1", ...]}, ...]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasedKey(Base):
    """A source record erased on request (GDPR art. 17): never staged again, delete queued to its source.

    Only the key is kept (not personal data by itself) so later pulls can refuse the record.
    """

    __tablename__ = "erased_keys"

    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    delete_status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | unsupported
    delete_detail: Mapped[str | None] = mapped_column(Text)


class OrderRow(Base):
    """An order pulled from a source (the web shop), linked to its customer by source id."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer", "source_system", "customer_source_id"),)

    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_source_id: Mapped[str] = mapped_column(String(128))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str | None] = mapped_column(String(32))
    ordered_at: Mapped[datetime]


class MatchModelRow(Base):
    """A trained matching model (m/u per comparison level, term frequencies) as readable JSON.

    The newest row is the active model: incremental runs score with it so that their results equal a
    full rebuild with the same model; it changes only when the hub is told to retrain.
    """

    __tablename__ = "match_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    trained_on_records: Mapped[int] = mapped_column(Integer)
    model: Mapped[dict[str, Any]]


class MatchPlanRun(Base):
    """One matching run split into shards of whole candidate components (Airflow mapped tasks)."""

    __tablename__ = "match_plan_runs"

    run_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    full: Mapped[bool] = mapped_column(Boolean)
    shards: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]  # becomes the match watermark when the run finishes
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlannedRecordColumns:
    """A record of a planned run and its shard (-1: deleted, only its golden record is rebuilt), the
    key of ``match_plan`` and ``match_plan_clusters``."""

    run_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer)


class MatchPlanRow(PlannedRecordColumns, Base):
    """A record in a planned run; once its shard ran, its cluster label is a ``MatchPlanCluster``."""

    __tablename__ = "match_plan"
    __table_args__ = (Index("ix_match_plan_shard", "run_id", "shard"),)


class MatchPlanCluster(PlannedRecordColumns, Base):
    """A planned record's cluster label, as its shard reported it: rows of their own, inserted (a
    ``COPY`` on PostgreSQL), where an UPDATE of every planned row wrote each row again and its two
    indexes with it (a million records' shard spent about 25 s on that)."""

    __tablename__ = "match_plan_clusters"
    __table_args__ = (Index("ix_match_plan_clusters_shard", "run_id", "shard"),)

    cluster: Mapped[str] = mapped_column(String(64))


class MatchPlanPair(ScoredPairColumns, Base):
    """A scored pair from one shard, kept until the run's results are consolidated: a ``match_pairs``
    row's own columns, so that the run's write copies a whole run's pairs there in one statement."""

    __tablename__ = "match_plan_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(128), index=True)
    shard: Mapped[int] = mapped_column(Integer)


class WebSessionRow(Base):
    """A live workbench login (standalone ``crmhub serve``). The cookie holds a random session id; only
    its SHA-256 is stored, so a copy of the database cannot be replayed as cookies. Logout deletes the
    row; ``token_fingerprint`` (an HMAC of the user's token when logging in) ends the session as soon
    as that user's token is rotated."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(128), index=True)
    token_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SyncLockRow(Base):
    """Who is syncing now: one row while a sync run holds the hub (its cursors, match plan and pushes
    are one run's at a time). ``host``/``pid`` let the next run see that a holder was killed;
    ``heartbeat_at`` moves with each step, for holders on other hosts (Airflow workers)."""

    __tablename__ = "sync_lock"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(128))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class ParkedPushRow(Base):
    """Values the hub did not send to a source because the source cannot hold them (a field longer
    than the WSDL or column allows): the rest of the record was written. Shown to people until a later
    push of that record leaves nothing out; not retried until the golden values change."""

    __tablename__ = "parked_pushes"

    source_system: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    golden_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(String(128))
    parked_at: Mapped[datetime] = mapped_column(default=utcnow)
