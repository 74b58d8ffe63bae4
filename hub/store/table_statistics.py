"""Fresh planner statistics for the tables a sync fills (PostgreSQL).

PostgreSQL plans each query from its statistics of the table. A table a first sync fills has none
until autovacuum's next ``ANALYZE`` -- up to a minute later, and again only once a tenth of it is new --
and until then its look-ups are planned for an empty table. The staging's look-up of a page's order ids
went through the index on ``(source_system, customer_source_id)`` and filtered every order of the source:
8 ms a page at 55,000 orders and more with each page, 40 of the web shop's 60 s extract in a 100k sync.

So every ``COPY`` into a table (``hub.store.bulk_rows``, the store's way to insert many rows on
PostgreSQL) is counted here, and once a table has doubled since this process last looked (from
``MIN_ROWS`` on) it is analyzed: about ten times while a table grows to a million rows, each a sample
of 30,000 rows. The ``ANALYZE`` runs when the writer's transaction has committed, on a connection of
its own in autocommit. Not before: analyzed from outside while a transaction fills it (the golden step
writes every golden record in one), a table reads as empty, and the planner believes that -- the
publish's join of 100k records then took 450 s instead of 20. Not inside the transaction: it would hold
its lock until that commit, and two writers analyzing two tables in opposite orders would deadlock.
SQLite plans an equality look-up on a unique index without statistics.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

#: A table is first analyzed once this many rows went in; after that each time it doubled.
MIN_ROWS = 1_000


@dataclass
class _Growth:
    added: int = 0  # rows this process put in since it last analyzed the table
    size: int = 0  # the table's rows then, as PostgreSQL estimated them (or this process counted, if more)


_growth: weakref.WeakKeyDictionary[Engine, dict[str, _Growth]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
#: ``Session.info`` key of the rows a session's open transaction copied, per table.
_COPIED = "crmhub_rows_copied"
#: ``Session.info`` key of the tables a session's open transaction emptied.
_EMPTIED = "crmhub_tables_emptied"


def note_copied(session: Session, table: str, rows: int) -> None:
    """``rows`` went into ``table`` in ``session``'s transaction: counted when it commits."""
    if rows > 0:
        session.info.setdefault(_COPIED, Counter())[table] += rows


def note_emptied(session: Session, table: str) -> None:
    """``session``'s transaction deleted what ``table`` held (a finished run's plan): once it commits,
    the table counts as empty, so that filling it again is analyzed like a first fill. Counted from
    the size at its last ``ANALYZE``, a second run's plan of fewer rows was never analyzed, and a join
    of two such tables was planned for a run of one row."""
    session.info.setdefault(_EMPTIED, set()).add(table)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    emptied = session.info.pop(_EMPTIED, None)
    copied = session.info.pop(_COPIED, None)
    if not (copied or emptied):
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if emptied:
        with _lock:
            for table in emptied:
                _growth.setdefault(engine, {})[table] = _Growth()
    if not copied:
        return
    for table, rows in copied.items():
        try:
            note_inserted(engine, table, rows)
        except SQLAlchemyError as exc:  # only the planner's information: the write itself is done
            logger.warning("could not analyze %s: %s", table, exc)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_COPIED, None)
    session.info.pop(_EMPTIED, None)


def note_inserted(engine: Engine, table: str, rows: int) -> None:
    """``rows`` were committed into ``table`` through ``engine``; analyze it now if it has doubled
    (PostgreSQL)."""
    if engine.dialect.name != "postgresql" or rows <= 0:
        return
    with _lock:
        growth = _growth.setdefault(engine, {}).setdefault(table, _Growth())
        growth.added += rows
        if growth.added < max(MIN_ROWS, growth.size):
            return
        growth.size, growth.added = growth.size + growth.added, 0
    quoted = engine.dialect.identifier_preparer.quote(table)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql(f"ANALYZE {quoted}")
        estimate = connection.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(table)s)", {"table": quoted}
        ).scalar()
    with _lock:
        growth.size = max(growth.size, int(estimate or 0))
