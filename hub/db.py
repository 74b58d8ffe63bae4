"""Engine and session set-up for the hub store, and schema migration to the latest revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from hub import json_codec

MIGRATIONS = Path(__file__).parent / "migrations"


#: SQLite's page size for a new store, in bytes (the pragma does nothing to one that holds a table: its
#: pages keep their size). The store's big rows -- a golden record with its lineage, the same JSON in
#: its audit entry and change event, a source record with its payload -- are 1.5 to 2.5 KB, and a 4 KB
#: page (SQLite's default) holds one of them with the rest of the page unused. With 16 KB pages the
#: 20k benchmark's store was 18 % smaller; at 100k the golden-record write was about 1 s shorter and the
#: publish, which rewrites each pushed row, 1 to 2 s longer (bench/README.md, s25).
SQLITE_PAGE_SIZE = 16_384

#: The JSON columns' codec on every backend (``hub.json_codec``: orjson, where ``json`` was the
#: largest per-row cost of the SQL writes).
JSON_CODEC = {"json_serializer": json_codec.dumps, "json_deserializer": json_codec.loads}


#: Seconds a SQLite connection waits for another's write transaction before it gives up ("database is
#: locked"). A step that runs beside a sync's long writes asks for longer (``make_engine``'s
#: ``lock_wait``).
SQLITE_LOCK_WAIT = 30.0


def make_engine(url: str, lock_wait: float = SQLITE_LOCK_WAIT) -> Engine:
    """Create the engine; SQLite gets WAL and a busy timeout (``lock_wait`` seconds) so readers never
    block the sync, ``secure_delete`` so that deleted values are overwritten, not left in free space
    (erasure), and a new store pages of ``SQLITE_PAGE_SIZE``.
    JSON columns go through ``hub.json_codec`` on both backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and not in_memory(url):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": lock_wait}, **JSON_CODEC)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:  # a DB-API connection
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # before WAL: fixed from then on
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **JSON_CODEC)


def in_memory(url: str | URL) -> bool:
    """Whether ``url`` is a SQLite database in this process's memory (no other process can open it)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the store's schema to the latest Alembic revision (idempotent)."""
    command.upgrade(alembic_config(url), "head")


def rows_affected(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it touched (``Session.execute`` is typed as
    returning a plain ``Result``; for DML it is a ``CursorResult``, which counts them)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class SchemaOutOfDateError(RuntimeError):
    """The hub store's schema is older than this code: run ``crmhub db-upgrade`` (once, not per task)."""


def check_schema(engine: Engine, url: str) -> None:
    """Fail clearly when the database is not at the latest revision, instead of migrating it on the
    fly: migrations run once (``crmhub db-upgrade``), never inside every Airflow task or web request."""
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        found = ", ".join(sorted(current)) or "no schema"
        raise SchemaOutOfDateError(
            f"the hub store at {make_url(url).render_as_string(hide_password=True)} is at {found}, "
            f"this CRM Hub needs {', '.join(sorted(heads))}: run `crmhub db-upgrade` first"
        )
