"""SQLite persistence of the ERP's customer master, keyed by KUNNR and ordered by change time.

Every change gets a strictly increasing UTC change stamp (never two changes with the same stamp), so
keyset paging over (stamp, KUNNR) neither skips nor repeats a customer, and a customer changed after
a client's last page sorts after that page. The store is used from the server's worker threads and
from the seeding/inspecting process alike: each thread opens its own connection on its first call and
keeps it (opening one per call was a tenth of the ERP's time in a bulk sync).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sources.erp.fields import (
    PERSONAL_FIELDS,
    WRITABLE_FIELDS,
    change_stamp,
    customer_number,
    is_customer_number,
    parse_stamp,
    split_stamp,
)

FIRST_CUSTOMER_NUMBER = 100_000
_COLUMNS = ("KUNNR", *WRITABLE_FIELDS, "AEDAT", "AEZET", "CHANGED_AT")
#: AEDAT and AEZET as a seeding client gave them (kept instead of the change stamp's), else None.
Recorded = tuple[str | None, str | None]


@dataclass(frozen=True)
class UpsertOutcome:
    customer: dict[str, str | None]
    created: bool
    changed: bool


class CustomerStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()  # this thread's connection (see _connect)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            columns = ", ".join(f"{c} TEXT" for c in (*WRITABLE_FIELDS, "AEDAT", "AEZET"))
            db.execute(f"CREATE TABLE IF NOT EXISTS kna1 "
                       f"(KUNNR TEXT PRIMARY KEY, {columns}, CHANGED_AT TEXT NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS kna1_changes ON kna1 (CHANGED_AT, KUNNR)")
            if "CVP_XBLCK" not in {row["name"] for row in db.execute("PRAGMA table_info(kna1)")}:
                db.execute("ALTER TABLE kna1 ADD COLUMN CVP_XBLCK TEXT")  # the data-protection block

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, in autocommit mode (transactions are explicit, BEGIN IMMEDIATE),
        so each statement sees what other threads and processes committed before it."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.row_factory = sqlite3.Row
        yield db

    def get(self, kunnr: str) -> dict[str, str | None] | None:
        with self._connect() as db:
            return CustomerBatch(db).get(kunnr)

    def get_many(self, kunnrs: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """The stored customers among ``kunnrs``, by normalised customer number, in one query (the
        bulk read GetCustomers answers 100 customers with, not 100 connections and lookups)."""
        numbers = list(dict.fromkeys(customer_number(k) for k in kunnrs))
        if not numbers:
            return {}
        sql = f"SELECT * FROM kna1 WHERE KUNNR IN ({', '.join('?' for _ in numbers)})"
        with self._connect() as db:
            return {row["KUNNR"]: _customer(row) for row in db.execute(sql, numbers)}

    @contextmanager
    def bulk(self) -> Iterator[CustomerBatch]:
        """One connection and one transaction for a bulk write (UpsertCustomers): each customer is
        still its own unit of work -- a savepoint that a failing customer rolls back alone -- but the
        call commits once instead of once per customer."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield CustomerBatch(db, self)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM kna1").fetchone()[0]

    def list_changed(
        self, since: datetime | None, after: tuple[str, str] | None, limit: int
    ) -> list[dict[str, str | None]]:
        """Up to ``limit`` customers ordered by (change stamp, KUNNR): changed at/after ``since``, or
        strictly after the ``(stamp, KUNNR)`` position ``after`` when given."""
        if after is not None:
            where, params = "(CHANGED_AT, KUNNR) > (?, ?)", [after[0], after[1]]
        elif since is not None:
            where, params = "CHANGED_AT >= ?", [change_stamp(since)]
        else:
            where, params = "1 = 1", []
        sql = f"SELECT * FROM kna1 WHERE ({where}) AND CVP_XBLCK IS NULL ORDER BY CHANGED_AT, KUNNR LIMIT ?"
        with self._connect() as db:
            return [_customer(row) for row in db.execute(sql, [*params, limit])]

    def is_blocked(self, kunnr: str) -> bool:
        with self._connect() as db:
            return CustomerBatch(db).is_blocked(kunnr)

    def block(self, kunnr: str, anonymize: bool) -> bool:
        """Set the data-protection block (and overwrite the personal fields); False if no such customer."""
        blanks = ", ".join(f"{name} = NULL" for name in PERSONAL_FIELDS) + ", " if anonymize else ""
        with self._connect() as db:
            changed = db.execute(f"UPDATE kna1 SET {blanks}CVP_XBLCK = 'X' WHERE KUNNR = ?",
                                 (customer_number(kunnr),))
            return changed.rowcount > 0

    def upsert(
        self, kunnr: str | None, fields: Mapping[str, str | None], changed_at: datetime | None = None
    ) -> UpsertOutcome:
        """Create or update one customer with the given writable fields (others stay as they are).

        The change stamp moves only when a value really changes, so writing the same data twice is a
        no-op that clients will not see as a new change. ``changed_at`` back-dates a change (seeding
        historic data); otherwise the stamp is "now", kept strictly after every earlier stamp. AEDAT /
        AEZET follow the stamp unless given in ``fields`` (seeding keeps migrated values as they are).
        """
        fields, recorded = _writable(fields)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                outcome = self._upsert(db, kunnr, fields, changed_at, recorded)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return outcome

    def _upsert(
        self, db: sqlite3.Connection, kunnr: str | None, fields: Mapping[str, str | None],
        changed_at: datetime | None, recorded: tuple[str | None, str | None],
        known: _KnownRows | None = None,
    ) -> UpsertOutcome:
        """``known``: a bulk call's rows and stamps read so far (``CustomerBatch``), else read here."""
        known = known or _KnownRows(db)
        kunnr = known.new_number() if kunnr is None else customer_number(kunnr)
        row = known.row(kunnr)
        current = {f: row[f] for f in WRITABLE_FIELDS} if row else dict.fromkeys(WRITABLE_FIELDS)
        wanted = {**current, **{k: (v or None) for k, v in fields.items()}}
        if row is not None and wanted == current:
            return UpsertOutcome(_customer(row), created=False, changed=False)
        stamp = known.stamp(changed_at)
        aedat, aezet = recorded if recorded[0] else split_stamp(stamp)
        values = {"KUNNR": kunnr, **wanted, "AEDAT": aedat, "AEZET": aezet, "CHANGED_AT": stamp}
        placeholders = ", ".join("?" for _ in _COLUMNS)
        db.execute(f"INSERT OR REPLACE INTO kna1 ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                   [values[c] for c in _COLUMNS])
        known.wrote(values)
        return UpsertOutcome(_customer(values), created=row is None, changed=True)


class _KnownRows:
    """What a unit of work holding the write lock has read or written of the customer table: rows by
    KUNNR, the latest change stamp and the highest customer number. No other writer can change them
    meanwhile (``BEGIN IMMEDIATE``), so each is read once: a bulk call of 100 customers read the same
    row twice and the newest stamp once per customer (half of the ERP's time in a bulk push)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.rows: dict[str, Mapping[str, str | None] | None] = {}
        self._latest: str | None = None
        self._latest_read = False
        self._highest: int | None = None

    def read(self, kunnrs: Sequence[str]) -> None:
        """The stored rows of ``kunnrs`` (normalised numbers) in one query."""
        wanted = [k for k in dict.fromkeys(kunnrs) if k not in self.rows]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT * FROM kna1 WHERE KUNNR IN ({', '.join('?' for _ in chunk)})"
            self.rows.update(dict.fromkeys(chunk))
            self.rows.update((row["KUNNR"], row) for row in self.db.execute(sql, chunk))

    def row(self, kunnr: str) -> Mapping[str, str | None] | None:
        if kunnr not in self.rows:
            self.rows[kunnr] = self.db.execute("SELECT * FROM kna1 WHERE KUNNR = ?", (kunnr,)).fetchone()
        return self.rows[kunnr]

    def stamp(self, changed_at: datetime | None) -> str:
        """``changed_at``'s stamp (back-dated seeding), else "now", strictly after every earlier stamp."""
        if changed_at is not None:  # as given: the newest stored stamp is not needed
            return change_stamp(changed_at)
        if not self._latest_read:
            self._latest = self.db.execute("SELECT MAX(CHANGED_AT) FROM kna1").fetchone()[0]
            self._latest_read = True
        now = datetime.now(UTC)
        if self._latest is not None:
            now = max(now, parse_stamp(self._latest) + timedelta(microseconds=1))
        return change_stamp(now)

    def new_number(self) -> str:
        if self._highest is None:
            highest = self.db.execute("SELECT MAX(CAST(KUNNR AS INTEGER)) FROM kna1").fetchone()[0]
            self._highest = max(highest or 0, FIRST_CUSTOMER_NUMBER - 1)
        return customer_number(str(self._highest + 1))

    def wrote(self, values: Mapping[str, str | None]) -> None:
        kunnr = str(values["KUNNR"])
        self.rows[kunnr] = {**values, "CVP_XBLCK": None}  # the row as stored: a REPLACE clears the block
        if self._latest is None or str(values["CHANGED_AT"]) > self._latest:
            self._latest = str(values["CHANGED_AT"])
        if self._highest is not None and kunnr.isdigit():
            self._highest = max(self._highest, int(kunnr))


class CustomerBatch:
    """Reads and writes on one open connection: a single call's (see ``CustomerStore.get``) or a
    bulk call's (``CustomerStore.bulk``), where each ``upsert`` runs in its own savepoint."""

    def __init__(self, db: sqlite3.Connection, store: CustomerStore | None = None):
        self.db, self.store = db, store
        self.known = _KnownRows(db)

    def read(self, kunnrs: Sequence[str]) -> None:
        """Read the customers ``kunnrs`` in one query, before a bulk call works through them (one that
        is no customer number is left to its own upsert, which refuses it)."""
        self.known.read([customer_number(k) for k in kunnrs if is_customer_number(k)])

    def get(self, kunnr: str) -> dict[str, str | None] | None:
        row = self.known.row(customer_number(kunnr))
        return _customer(row) if row else None

    def is_blocked(self, kunnr: str) -> bool:
        row = self.known.row(customer_number(kunnr))
        return bool(row and row["CVP_XBLCK"])

    def upsert(self, kunnr: str | None, fields: Mapping[str, str | None],
               changed_at: datetime | None = None) -> UpsertOutcome:
        """As ``CustomerStore.upsert``, inside the bulk call's transaction."""
        if self.store is None:
            raise RuntimeError("upsert needs a bulk unit of work (CustomerStore.bulk)")
        writable, recorded = _writable(fields)
        self.db.execute("SAVEPOINT customer")
        try:
            outcome = self.store._upsert(self.db, kunnr, writable, changed_at, recorded, self.known)
        except BaseException:
            self.db.execute("ROLLBACK TO customer")
            self.known = _KnownRows(self.db)  # what it read may include the undone write
            raise
        finally:
            self.db.execute("RELEASE customer")
        return outcome


def _writable(fields: Mapping[str, str | None]) -> tuple[dict[str, str | None], Recorded]:
    """(the writable fields, the AEDAT/AEZET given); ValueError naming any field a client cannot write."""
    fields = dict(fields)
    recorded = (fields.pop("AEDAT", None), fields.pop("AEZET", None))
    unknown = set(fields) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not writable customer fields: {', '.join(sorted(unknown))}")
    return fields, recorded


def _customer(row: sqlite3.Row | Mapping[str, str | None]) -> dict[str, str | None]:
    """Stored row -> customer fields plus CHANGED_AT, the position in the change order (and the
    data-protection block CVP_XBLCK when it is set). A row is read by position once: looking its
    columns up by name is a scan of the column names each, the larger part of a page's cost."""
    stored = dict(zip(row.keys(), row, strict=True)) if isinstance(row, sqlite3.Row) else dict(row)
    customer = {f: stored[f] for f in _COLUMNS}
    if block := stored.get("CVP_XBLCK"):
        customer["CVP_XBLCK"] = block
    return customer
