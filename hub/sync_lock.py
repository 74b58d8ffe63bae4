"""One sync at a time, and a killed one found out.

Two syncs at once would both read the same cursors, both match and both push every record (the end
state came out right only because connectors read before they write). So every step of a run holds
the hub's sync lock: one row in ``sync_lock`` naming the run, its host and process and a heartbeat.
A step of the *same* run (the Airflow tasks of one DAG run are separate processes, even hosts) just
refreshes it; a different run is refused with who holds it and since when — or waits for it.

A holder that was killed (kill -9, a lost worker) never releases. The next run takes the lock over
when the holder cannot be alive: on the same host its process is gone; from another host its
heartbeat is older than ``stale_after``. Taking over marks every step still ``running`` of the other
runs as failed, with the reason, so run_log never shows a dead run as running forever.

Why a row and not PostgreSQL's advisory lock: a session-level advisory lock ends with its connection,
and the steps of one Airflow run are separate processes; the row works the same on SQLite and
PostgreSQL. Races between two acquirers are settled by the row's primary key (insert) and a compare-
and-set update (take-over), not by read-then-write.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from hub.db import rows_affected
from hub.models import RunLog, SyncLockRow
from hub.store import HubStore

LOCK_NAME = "sync"
#: A holder on another host whose heartbeat is older than this is taken for dead.
DEFAULT_STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class Holder:
    run_id: str
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        return (
            f"run {self.run_id} (process {self.pid} on {self.host}, since "
            f"{self.acquired_at:%Y-%m-%d %H:%M:%S} UTC, last step {self.heartbeat_at:%H:%M:%S} UTC)"
        )


class SyncAlreadyRunning(RuntimeError):
    """Another run holds the hub; the message says which, and what to do."""

    def __init__(self, holder: Holder):
        self.holder = holder
        super().__init__(
            f"another sync is running: {holder.describe()}; wait for it to finish "
            "(crmhub sync --wait SECONDS) or, if it is dead on another host, it is taken over "
            "once its heartbeat is older than the stale limit"
        )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


class SyncLock:
    def __init__(
        self, store: HubStore, stale_after: timedelta = DEFAULT_STALE_AFTER, pid: int | None = None
    ):
        """``pid``: the process the lock names, when not this one -- a sync's source worker
        (``hub.source_workers``) holds the lock for the sync that started it, whose end ends the run."""
        self.store, self.stale_after = store, stale_after
        self.host, self.pid = socket.gethostname(), pid if pid is not None else os.getpid()

    def holder(self) -> Holder | None:
        with self.store.sessions() as session:
            row = session.get(SyncLockRow, LOCK_NAME)
            return (
                None
                if row is None
                else Holder(row.run_id, row.host, row.pid, _utc(row.acquired_at), _utc(row.heartbeat_at))
            )

    def hold(self, run_id: str, wait_seconds: float = 0) -> None:
        """Take or refresh the lock for ``run_id``; wait up to ``wait_seconds`` for another run."""
        deadline = time.monotonic() + wait_seconds
        while True:
            holder = self.holder()
            if holder is None and self._insert(run_id):
                return self._fail_dead_steps(run_id, None)
            if holder is not None and holder.run_id == run_id:
                return self._refresh(run_id)
            if holder is not None and not self._alive(holder) and self._take_over(holder, run_id):
                return self._fail_dead_steps(run_id, holder)
            if holder is not None and time.monotonic() >= deadline:
                raise SyncAlreadyRunning(holder)
            time.sleep(0.5 if holder is not None else 0)

    def release(self, run_id: str) -> None:
        with self.store.sessions.begin() as session:
            row = session.get(SyncLockRow, LOCK_NAME)
            if row is not None and row.run_id == run_id:
                session.delete(row)

    @contextmanager
    def holding(self, run_id: str, wait_seconds: float = 0) -> Iterator[None]:
        self.hold(run_id, wait_seconds)
        try:
            yield
        finally:
            self.release(run_id)

    def _alive(self, holder: Holder) -> bool:
        """Whether ``holder`` may still be working. A run of this very process is over (a process runs
        its steps one after another) when another run id asks: steps called without ``run()``, as
        scripts and ``dag.test()`` do, never release."""
        if holder.host == self.host:
            return holder.pid != self.pid and _process_alive(holder.pid)
        return datetime.now(UTC) - holder.heartbeat_at < self.stale_after

    def _insert(self, run_id: str) -> bool:
        try:
            with self.store.sessions.begin() as session:
                session.add(SyncLockRow(name=LOCK_NAME, run_id=run_id, host=self.host, pid=self.pid))
            return True
        except IntegrityError:  # another run inserted first
            return False

    def _refresh(self, run_id: str) -> None:
        with self.store.sessions.begin() as session:
            mine = (SyncLockRow.name == LOCK_NAME, SyncLockRow.run_id == run_id)
            session.execute(
                update(SyncLockRow)
                .where(*mine)
                .values(host=self.host, pid=self.pid, heartbeat_at=datetime.now(UTC))
            )

    def _take_over(self, dead: Holder, run_id: str) -> bool:
        """Compare-and-set: only the run that still sees the dead holder in the row gets it."""
        now = datetime.now(UTC)
        with self.store.sessions.begin() as session:
            taken = rows_affected(
                session,
                update(SyncLockRow)
                .where(
                    SyncLockRow.name == LOCK_NAME,
                    SyncLockRow.run_id == dead.run_id,
                    SyncLockRow.pid == dead.pid,
                    SyncLockRow.host == dead.host,
                )
                .values(run_id=run_id, host=self.host, pid=self.pid, acquired_at=now, heartbeat_at=now),
            )
            return taken == 1

    def _fail_dead_steps(self, run_id: str, dead: Holder | None) -> None:
        """With the lock held, no other run is alive: its steps still marked running never finish."""
        why = (
            f"the run was killed or lost: {dead.describe()} no longer runs (found by run {run_id})"
            if dead
            else f"the run was killed or lost (found by run {run_id})"
        )
        with self.store.sessions.begin() as session:
            session.execute(
                update(RunLog)
                .where(RunLog.status == "running", RunLog.run_id != run_id)
                .values(status="failed", error=why, finished_at=datetime.now(UTC))
            )
