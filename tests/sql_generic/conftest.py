"""A real-world-shaped ERP schema for the generic SQL connector, on SQLite and on PostgreSQL.

Shaped like Tryton's party module: ``party_party`` (no golden-id column, and a ``write_date`` the ERP
leaves NULL on create) with one-to-many child tables ``party_contact_mechanism`` (one row per e-mail,
phone or mobile, ``type`` saying which), ``party_address`` and ``party_identifier`` (type + code).
The identifier table refuses party 3 (a CHECK constraint) so one record's push fails at the database.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    text,
)
from sqlalchemy.engine import make_url

from connectors.credentials import Credentials

metadata = MetaData()


def _stamps() -> list[Column]:
    return [Column("create_date", DateTime), Column("write_date", DateTime)]


party = Table("party_party", metadata, Column("id", Integer, primary_key=True),
              Column("name", String(100), nullable=False), Column("code", String(20)), *_stamps())
contact = Table("party_contact_mechanism", metadata, Column("id", Integer, primary_key=True),
                Column("party", Integer, ForeignKey("party_party.id"), nullable=False),
                Column("type", String(20), nullable=False), Column("value", String(100)),
                Column("active", Boolean, nullable=False), *_stamps())
address = Table("party_address", metadata, Column("id", Integer, primary_key=True),
                Column("party", Integer, ForeignKey("party_party.id"), nullable=False),
                Column("street", String(100)), Column("postal_code", String(20)), Column("city", String(60)),
                Column("country_code", String(2)), Column("active", Boolean, nullable=False), *_stamps())
identifier = Table("party_identifier", metadata, Column("id", Integer, primary_key=True),
                   Column("party", Integer, ForeignKey("party_party.id"), nullable=False),
                   Column("type", String(20)), Column("code", String(60), nullable=False),
                   Column("active", Boolean), *_stamps(),
                   CheckConstraint("party <> 3", name="no_identifier_for_party_3"))

T0 = datetime(2026, 1, 1, 9, 0)
PARTIES = [
    {"id": 1, "name": "Jürgen Müller", "code": "P1", "create_date": T0, "write_date": datetime(2026, 1, 2)},
    {"id": 2, "name": "Иван Петров", "code": "P2", "create_date": T0, "write_date": None},  # never written
    {"id": 3, "name": "陳大文", "code": "P3", "create_date": datetime(2026, 1, 3), "write_date": None},
    {"id": 4, "name": "Muster GmbH", "code": "P4", "create_date": T0, "write_date": datetime(2026, 1, 4)},
]
CONTACTS = [
    {"party": 1, "type": "email", "value": "juergen.mueller@example.de"},
    {"party": 1, "type": "phone", "value": "030 1234567"},
    {"party": 2, "type": "email", "value": "ivan.petrov@example.bg"},
    {"party": 2, "type": "mobile", "value": "+359 88 123 4567"},
    {"party": 2, "type": "fax", "value": "+359 2 987 6543"},  # a fax is no customer phone
    {"party": 4, "type": "website", "value": "https://muster.example"},
]
ADDRESSES = [  # party 1: an address with its country only (a national phone number is read in it)
    {"party": 1, "street": None, "postal_code": None, "city": None, "country_code": "DE"},
    {"party": 2, "street": "ул. Витоша 1", "postal_code": "1000", "city": "София", "country_code": "BG"},
]

_counter = itertools.count()


@dataclass
class ErpDatabase:
    """The ERP's database: an engine for the test's own plain SQL, and the hub's connection to it."""

    engine: Engine
    connection: dict[str, Any]

    @property
    def credentials(self) -> Credentials:
        return Credentials(**{k: v for k, v in self.connection.items() if k != "extra"})

    def rows(self, sql: str, **params: Any) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)


@pytest.fixture(params=["sqlite", "postgresql"])
def erp(request, tmp_path, postgres) -> Iterator[ErpDatabase]:
    """The seeded schema on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "erp.sqlite"
        url = f"sqlite:///{path}"
        connection = {"conn_type": "sqlite", "host": str(path)}
    else:
        server, base = postgres
        url = server.create_database(f"erp_{os.getpid()}_{next(_counter)}") if server else base
        parsed = make_url(url)
        connection = {"conn_type": "postgres", "host": parsed.host, "port": parsed.port,
                      "login": parsed.username, "password": parsed.password, "schema": parsed.database}
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(party), PARTIES)
        conn.execute(insert(contact), [{"active": True, "create_date": T0, **row} for row in CONTACTS])
        conn.execute(insert(address), [{"active": True, "create_date": T0, **row} for row in ADDRESSES])
    if engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequences past them
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 100)"))
    yield ErpDatabase(engine, connection)
    engine.dispose()


#: The README's example source for this schema (``tests/sql_generic/erp_parties.yaml``).
EXAMPLE = Path(__file__).with_name("erp_parties.yaml")
_SOURCE = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))[0]
ERP_MAPPING: dict[str, str] = _SOURCE["mapping"]


def erp_options(**overrides: Any) -> dict[str, Any]:
    """The example's options, some replaced."""
    return {**_SOURCE["options"], **overrides}
