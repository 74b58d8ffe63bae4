"""The local legacy database: a ``CUST_MASTER`` table in the style of a 1990s customer master.

Upper-case abbreviated column names, one-letter type codes (``P`` person, ``F`` firm), birth dates as
text in two formats depending on which input screen wrote them, phones and e-mails as typed, and a
``LAST_CHG`` timestamp maintained by the application. ``GOLDEN_ID`` was added for the hub.

It has no HTTP API: :meth:`LegacyDbSystem.connection` publishes an Airflow connection for
:class:`connectors.sql_table.SqlTableConnector`. For SQLite that is ``conn_type="sqlite"`` with the
database file path in ``host``; when the system is created with ``url=`` (e.g. a PostgreSQL URL for
tests) it is ``conn_type`` ``postgres``/``mysql``/``mssql`` with host, port, login, password and
``schema`` = database name, and ``extra.driver`` = the SQLAlchemy driver name.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, select, update
from sqlalchemy.engine import Engine, make_url

from sources.legacy.flat import iso_date, now_utc, utc_timestamp, value

TABLE_NAME = "CUST_MASTER"
metadata = MetaData()
cust_master = Table(
    TABLE_NAME, metadata,
    Column("CUSTNO", String(20), primary_key=True),
    Column("CUST_TYPE", String(1), nullable=False),
    Column("LNAME", String(100)),
    Column("FNAME", String(100)),
    Column("FULLNAME", String(200)),
    Column("COMPANY", String(200)),
    Column("STREET", String(200)),
    Column("ZIP", String(20)),
    Column("CITY", String(100)),
    Column("CTRY", String(2)),
    Column("TEL", String(100)),
    Column("FAX", String(50)),
    Column("EMAIL", String(200)),
    Column("BIRTHDT", String(10)),
    Column("TAXNO", String(30)),
    Column("LAST_CHG", DateTime, index=True),
    Column("GOLDEN_ID", String(64)),
)
custno_column = cust_master.c["CUSTNO"]
DATA_COLUMNS = [c.name for c in cust_master.c if c.name not in ("CUSTNO", "LAST_CHG", "GOLDEN_ID")]
CONN_TYPES = {"postgresql": "postgres", "mysql": "mysql", "mssql": "mssql"}


class LegacyDbSystem:
    name = "legacy_db"

    def __init__(self, data_dir: Path, url: str | None = None, **_settings: Any):
        """``url`` puts the table in another database (any SQLAlchemy URL); default: SQLite under data_dir."""
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "legacy.db"
        self.url = make_url(url) if url else make_url(f"sqlite:///{self.path}")
        self.engine: Engine = create_engine(self.url)
        metadata.create_all(self.engine)

    # -- seeding and local edits -----------------------------------------------------------------

    def seed(self, rows: list[dict[str, str]]) -> int:
        """Insert or refresh the rows (flat format); unchanged rows are left alone, the golden id is kept."""
        native = {r["CUSTNO"]: r for r in (to_native(row) for row in rows)}
        with self.engine.begin() as conn:
            existing = {r["CUSTNO"]: dict(r) for r in conn.execute(
                select(cust_master).where(custno_column.in_(list(native)))).mappings()}
            for custno, row in native.items():
                old = existing.get(custno)
                if old is None:
                    stamped = {**row, "LAST_CHG": row["LAST_CHG"] or now_utc()}
                    conn.execute(cust_master.insert().values(stamped))
                elif any(old[c] != row[c] for c in DATA_COLUMNS) or (row["LAST_CHG"] and
                                                                      old["LAST_CHG"] != row["LAST_CHG"]):
                    changes = {**row, "LAST_CHG": row["LAST_CHG"] or now_utc()}
                    conn.execute(update(cust_master).where(custno_column == custno).values(changes))
        return len(native)

    def edit(self, custno: str, **columns: Any) -> None:
        """Change a record the way the legacy application does: the columns plus ``LAST_CHG = now``."""
        with self.engine.begin() as conn:
            stamped = {**columns, "LAST_CHG": columns.get("LAST_CHG") or now_utc()}
            result = conn.execute(update(cust_master).where(custno_column == custno).values(stamped))
        if not result.rowcount:
            raise KeyError(f"no CUST_MASTER row {custno!r}")

    # -- the source-system shape -----------------------------------------------------------------

    def app(self) -> None:
        return None

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        if self.url.get_backend_name() == "sqlite":
            return {"conn_type": "sqlite", "host": self.url.database, "port": None, "login": None,
                    "password": None, "schema": None, "extra": {}}
        backend = self.url.get_backend_name()
        return {"conn_type": CONN_TYPES.get(backend, backend), "host": self.url.host, "port": self.url.port,
                "login": self.url.username, "password": self.url.password, "schema": self.url.database,
                "extra": {"driver": self.url.drivername}}

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(cust_master).where(custno_column == source_id))
            row = found.mappings().first()
        return dict(row) if row else None

    def rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(cust_master).order_by(custno_column)).mappings()]

    def close(self) -> None:
        self.engine.dispose()


def to_native(row: Mapping[str, str | None]) -> dict[str, Any]:
    """One flat row in ``CUST_MASTER`` shape (values verbatim except codes and dates)."""
    source_id = value(row, "source_id")
    if not source_id:
        raise ValueError(f"flat row without source_id: {dict(row)!r}")
    return {
        "CUSTNO": source_id,
        "CUST_TYPE": "F" if value(row, "record_type") == "organization" else "P",
        "LNAME": value(row, "family_name"),
        "FNAME": value(row, "given_name"),
        "FULLNAME": value(row, "full_name"),
        "COMPANY": value(row, "organization_name"),
        "STREET": value(row, "street"),
        "ZIP": value(row, "postal_code"),
        "CITY": value(row, "city"),
        "CTRY": value(row, "country"),
        "TEL": value(row, "phone"),
        "FAX": None,
        "EMAIL": value(row, "email"),
        "BIRTHDT": legacy_birth_date(source_id, value(row, "date_of_birth")),
        "TAXNO": value(row, "tax_id"),
        "LAST_CHG": utc_timestamp(value(row, "updated_at")),
    }


def legacy_birth_date(source_id: str, text: str | None) -> str | None:
    """``YYYYMMDD`` or ``DD.MM.YYYY`` (stable per record, like two input screens); non-dates verbatim."""
    parsed = iso_date(text)
    if parsed is None:
        return text
    return parsed.strftime("%Y%m%d" if zlib.crc32(source_id.encode()) % 2 else "%d.%m.%Y")

