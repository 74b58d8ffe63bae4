"""After an erasure: make the database files forget the deleted values, not only the tables.

A DELETE or UPDATE leaves the old bytes behind. SQLite keeps them in free space of its pages and, in
WAL mode, as whole old page images in the ``-wal`` file until a checkpoint; PostgreSQL keeps dead
tuples until VACUUM. So an erasure ends with:

* SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)`` (old page images leave the ``-wal`` file, which is cut to
  zero bytes), ``VACUUM`` (the file is rebuilt from live rows only: free pages and free space written
  before ``secure_delete`` was on go) and a second checkpoint for the pages VACUUM itself wrote. The
  hub also opens every SQLite connection with ``PRAGMA secure_delete=ON`` (``hub.db``), so deleted
  content is overwritten with zeros as it is deleted. A reader that holds the database open (the
  workbench in another process) can keep the checkpoint from finishing: the report says so, and
  ``crmhub db-compact`` finishes the job later.
* PostgreSQL: ``VACUUM`` of the tables the erasure wrote (dead tuples removed, space reusable; it does
  not block the sync) or, with ``full=True``, ``VACUUM FULL`` (the files are rewritten, which locks each
  table while it runs). Base backups and archived WAL keep old values until they expire: their
  retention is the operator's erasure deadline (README, "Erasure").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hub.db import in_memory


@dataclass(frozen=True)
class CompactionReport:
    done: bool
    detail: str


def compact_storage(engine: Engine, tables: Sequence[str], full: bool = False) -> CompactionReport:
    """Rewrite what the store keeps of deleted rows (see the module docstring)."""
    backend = engine.dialect.name
    if backend == "sqlite":
        return _compact_sqlite(engine)
    if backend == "postgresql":
        return _vacuum_postgres(engine, tables, full)
    return CompactionReport(False, f"{backend}: no compaction known; deleted values may remain in its files")


def _compact_sqlite(engine: Engine) -> CompactionReport:
    if in_memory(engine.url):
        return CompactionReport(True, "in-memory database: nothing on disk")
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.exec_driver_sql("VACUUM")
            busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    except OperationalError as exc:
        return CompactionReport(False, f"SQLite could not be compacted ({exc.orig}); run crmhub db-compact")
    if busy:
        return CompactionReport(
            False,
            "another connection is reading the store, so the write-ahead log still holds old pages; "
            "run crmhub db-compact when it is closed",
        )
    return CompactionReport(True, "SQLite rebuilt (VACUUM) and its write-ahead log truncated")


def _vacuum_postgres(engine: Engine, tables: Sequence[str], full: bool) -> CompactionReport:
    command = "VACUUM FULL" if full else "VACUUM"
    preparer = engine.dialect.identifier_preparer
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.exec_driver_sql(f"{command} {preparer.quote(table)}")
    except OperationalError as exc:
        return CompactionReport(False, f"PostgreSQL {command} failed ({exc.orig}); run crmhub db-compact")
    if full:
        return CompactionReport(True, f"PostgreSQL {command} of {len(tables)} tables: files rewritten")
    return CompactionReport(
        True,
        f"PostgreSQL {command} of {len(tables)} tables: dead rows removed "
        "(crmhub db-compact --full rewrites the files)",
    )
