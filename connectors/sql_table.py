"""Generic SQL connector (SQLAlchemy): keyset-paged pulls from a table or query, golden ids pushed by UPDATE.

Works against any SQLAlchemy URL. The URL is built from the Airflow connection (:func:`sqlalchemy_url`):

* ``conn_type`` ``sqlite``: ``host`` is the database file path (Airflow's SQLite convention);
* ``postgres``/``mysql``/``mssql``: ``host``, ``port``, ``login``, ``password`` and ``schema`` (= the
  database name); ``extra.driver`` overrides the SQLAlchemy driver (default ``postgresql+psycopg``,
  ``mysql+pymysql``, ``mssql+pyodbc``), every other ``extra`` key becomes a URL query argument.

Options (:class:`schemas.source_options.SqlOptions`): ``table`` and/or ``query`` (pulls read the query
when given, pushes update the table), key and cursor columns — or ``cursor_expression`` such as
``COALESCE(write_date, create_date)`` for ERPs that leave the change date NULL on create —, ``erasure``
(``delete`` | ``anonymise``), plus the value-decoding options of :class:`connectors.legacy_values.
LegacyValues`. ERP schemas: ``children`` (one-to-many e-mail, phone and address tables) and
``golden_id_table`` (the golden id as an identifier row), see :mod:`connectors.sql_children`. What the
configured ``push_fields`` cannot go into is listed by :meth:`SqlTableConnector.push_problems` before
the sync starts, never dropped while pushing.

Paging is keyset paging in its portable form — ``WHERE cur > :c OR (cur = :c AND id > :i) ORDER BY cur,
id`` with ``LIMIT`` rendered per dialect — so every page costs one index range scan however deep the
sync is, and no value is ever formatted into SQL text. Rows whose cursor column is NULL (legacy rows
nobody touched since the column was added) are read first, ordered by id, so they are not lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    MetaData,
    Table,
    bindparam,
    column,
    create_engine,
    event,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import URL
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from connectors.base import ConnectorError, Page, PushResult, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.legacy_values import LegacyValues
from connectors.mapping import FieldMapping
from connectors.sql_children import ChildTables
from connectors.sql_keyset import KeysetPosition
from connectors.wsdl_facets import split_fitting
from schemas import SourceConfig
from schemas.quarantine import describe_error
from schemas.source_options import SqlOptions

DEFAULT_DRIVERS = {
    "postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql", "mssql": "mssql+pyodbc",
}


def sqlalchemy_url(credentials: Credentials) -> URL:
    """Turn an Airflow-style connection into a SQLAlchemy URL (see the module docstring)."""
    conn_type = (credentials.conn_type or "").lower()
    if not conn_type:
        raise ValueError("SQL connection has no conn_type (sqlite, postgres, mysql, mssql)")
    extra = dict(credentials.extra)
    if conn_type == "sqlite":
        path = credentials.host or credentials.schema
        if not path:
            raise ValueError("sqlite connection needs the database file path in 'host'")
        return URL.create("sqlite", database=path)
    driver = extra.pop("driver", None) or DEFAULT_DRIVERS.get(conn_type, conn_type)
    return URL.create(driver, username=credentials.login, password=credentials.password,
                      host=credentials.host, port=credentials.port, database=credentials.schema,
                      query={k: str(v) for k, v in extra.items()})


def make_engine(url: URL | str) -> Engine:
    """Engine whose SAVEPOINTs work on SQLite too (SQLAlchemy's documented pysqlite recipe)."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _explicit_begin(connection):  # noqa: ANN001
            connection.exec_driver_sql("BEGIN")
    return engine


#: Label of the keyset cursor in pulled rows (a column, or the value of ``cursor_expression``).
CURSOR_KEY = "_crmhub_cursor"


class SqlTableConnector(SourceConnector):
    """Legacy customer table (``CUST_MASTER`` by default) or any query, over SQLAlchemy."""

    default_mapping = {
        "CUSTNO": "source_id", "CUST_TYPE": "record_type", "FNAME": "given_name", "LNAME": "family_name",
        "FULLNAME": "full_name", "COMPANY": "organization_name", "STREET": "street", "ZIP": "postal_code",
        "CITY": "city", "CTRY": "country", "TEL": "phone", "EMAIL": "email", "BIRTHDT": "date_of_birth",
        "TAXNO": "tax_id", "LAST_CHG": "updated_at",
    }
    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = SqlOptions.for_source(config.name, config.options)
        self.table_name = self.options.table
        self.query = self.options.query
        self.children = ChildTables(config.name, self.options.children, self.options.golden_id_table,
                                    lambda: self.engine)
        # the source's own mapping before the default CUST_MASTER names (the first source_id wins)
        self.mapping = FieldMapping({**config.mapping, **self.mapping.mapping, **self.children.mapping()})
        self.id_column: str = self.options.id_column or self._mapped_from("source_id")
        self.cursor_expression = self.options.cursor_expression
        self.cursor_column: str | None = None if self.cursor_expression else (
            self.options.cursor_column or self._mapped_from("updated_at"))
        self.columns = self.options.columns
        self.golden_id_column = self.options.golden_id_column
        self.values = LegacyValues.from_options(self.options, self.mapping)
        self._engine: Engine | None = None
        self._table: Table | None = None

    def _mapped_from(self, target: str) -> str:
        for source_field, canonical in self.mapping.mapping.items():
            if canonical == target:
                return source_field
        raise ValueError(f"source {self.name!r}: no column is mapped to {target!r}; set it in options")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            url = sqlalchemy_url(self.credentials)
            if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
                # SQLite would silently create an empty database; a missing file is a configuration error.
                raise ConnectorError(self.name, "connect", f"SQLite file {url.database!r} does not exist")
            self._engine = make_engine(url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- schema ----------------------------------------------------------------------------------

    def table(self) -> Table:
        """The reflected table (cached): its column types make bound cursor values compare correctly."""
        if self._table is None:
            if not self.table_name:
                raise ConnectorError(self.name, "push", "pushing needs options.table (the table to update)")
            try:
                self._table = Table(self.table_name, MetaData(), schema=self.options.table_schema,
                                    autoload_with=self.engine)
            except NoSuchTableError:
                raise ConnectorError(self.name, "reflect", f"no table {self.table_name!r}") from None
            except SQLAlchemyError as exc:
                raise ConnectorError(self.name, "reflect", describe_error(exc)) from exc
        return self._table

    def _source(self) -> FromClause:
        wanted = {self.id_column, *(self.columns or [])}
        if self.cursor_column:
            wanted.add(self.cursor_column)
        if self.query:
            return text(self.query).columns(*(column(name) for name in wanted)).subquery("src")
        table = self.table()
        missing = wanted - set(table.c.keys())
        if missing:
            raise ConnectorError(self.name, "pull", f"table {self.table_name!r} has no column(s) "
                                 f"{', '.join(sorted(missing))}")
        return table

    def _cursor(self, source: FromClause) -> ColumnElement[Any]:
        """The keyset cursor: the column, or ``cursor_expression`` over the source's columns."""
        if self.cursor_expression:
            return literal_column(f"({self.cursor_expression})")
        return source.c[self.cursor_column or ""]

    def _check_cursor_expression(self, source: FromClause) -> None:
        """Run the expression once with ``LIMIT 0``: a typo fails here, naming the source and option."""
        if not self.cursor_expression:
            return
        try:
            with self.engine.connect() as conn:
                conn.execute(select(self._cursor(source)).select_from(source).limit(0)).all()
        except SQLAlchemyError as exc:
            raise ConnectorError(self.name, "check", f"option cursor_expression "
                                 f"{self.cursor_expression!r} does not run: {describe_error(exc)}") from exc

    def check(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(literal_column("1"))).scalar_one()
            source = self._source()
            self._check_cursor_expression(source)
            if problems := self.push_problems():
                raise ConnectorError(self.name, "check", "; ".join(problems))
            with self.engine.connect() as conn:
                conn.execute(select(literal_column("1")).select_from(source).limit(1)).all()
        except SQLAlchemyError as exc:
            raise ConnectorError(self.name, "check", describe_error(exc)) from exc

    def push_problems(self) -> list[str]:
        """Push fields the table (and child tables) cannot take, and configured columns that are not
        there: a configuration error before the sync, never values dropped while pushing."""
        if not self.config.push_back:
            return []
        if not self.table_name:
            return [f"source {self.name!r}: push_back needs option table (the table pushes update), "
                    "or set push_back: false"]
        table = self.table()
        lines = self.children.problems()
        if not self.options.golden_id_table and self.golden_id_column not in table.c:
            lines.append(f"table {self.table_name!r} has no golden-id column {self.golden_id_column!r} "
                         "(add it, or set option golden_id_table)")
        protected = {self.id_column, self.cursor_column}
        for name in self.config.push_fields:
            if why := _cannot_push(name, self.mapping, table, protected, self.children.pushable()):
                lines.append(f"push field {name!r}: {why}")
        return [f"source {self.name!r}: {line}" for line in lines]

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        position = KeysetPosition.decode(cursor)
        source = self._source()
        self._check_cursor_expression(source)
        id_col, cur_col = source.c[self.id_column], self._cursor(source)
        selected = [*self._selected(source), cur_col.label(CURSOR_KEY)]
        while True:
            stmt = select(*selected).select_from(source).where(position.condition(cur_col, id_col))
            order = (id_col,) if position.phase == "null" else (cur_col, id_col)
            stmt = stmt.order_by(*order).limit(self.config.page_size)
            try:
                with self.engine.connect() as conn:
                    rows = [dict(row) for row in conn.execute(stmt).mappings()]
            except SQLAlchemyError as exc:
                raise ConnectorError(self.name, "pull", describe_error(exc)) from exc
            if rows:
                last = rows[-1]
                position = position.after(last[CURSOR_KEY], last[self.id_column])
                for row in rows:
                    del row[CURSOR_KEY]
                self.children.attach(rows, self.id_column)
                yield self._page(rows, position.encode())
            if len(rows) < self.config.page_size:
                if position.phase == "value":
                    return
                position = position.to_value_phase()

    def _selected(self, source: FromClause) -> list[Any]:
        # Typed table columns (not ``*``) so that result values, and the cursor taken from them, carry
        # the column's Python type; a query's columns are untyped and come back as the driver gives them.
        if self.columns:
            names = dict.fromkeys([*self.columns, self.id_column, self.cursor_column])
            return [source.c[name] for name in names if name]
        return list(source.c) if isinstance(source, Table) else [literal_column("*")]

    def _page(self, rows: list[dict[str, Any]], cursor: str) -> Page:
        return self.values.to_page(self.name, self.mapping, rows, cursor)

    # -- push ------------------------------------------------------------------------------------

    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        """UPDATE the mapped columns and the golden id by id; one transaction per page of updates.

        Each record runs in its own SAVEPOINT so one failing row (value too long, constraint) is
        reported in ``failed`` without undoing the rest of the page. The id and cursor columns are
        never written: the cursor column is the system's own change marker, and bumping it would make
        the next incremental pull fetch back what the hub just wrote. With child tables, a record's
        child rows and identifier row are written in the same SAVEPOINT as its own row.
        """
        if problems := self.push_problems():
            raise ConnectorError(self.name, "push", "; ".join(problems))
        table = self.table()
        # a text longer than its column is left out (parked with the reason), the rest of the row written
        lengths = {c.name: c.type.length for c in table.c if isinstance(getattr(c.type, "length", None), int)}
        planned = {u.source_id: split_fitting(self._row_values(u, table), lengths, f"column length in "
                                              f"{self.table_name}") for u in updates}

        def action(conn: Connection, item: PushUpdate) -> int:
            return self._write_one(conn, table, item, planned[item.source_id][0])

        result = PushResult()
        for start in range(0, len(updates), self.config.page_size):
            page = updates[start:start + self.config.page_size]
            done: set[str] = set()
            if not self.children:
                done = set(self._executemany(table, [(u.source_id, planned[u.source_id][0]) for u in page]))
            part = self._per_row("push", [(u.source_id, u) for u in page if u.source_id not in done],
                                 action, missing_ok=False)
            written = done | set(part.pushed)
            result.pushed += [u.source_id for u in page if u.source_id in written]
            result.failed.update(part.failed)
        result.parked = {sid: why for sid in result.pushed if (why := planned[sid][1])}
        return result

    def _key(self, source_id: str) -> Any:
        """The hub's text id as the id column's type: PostgreSQL compares no integer with text."""
        try:
            python_type = self.table().c[self.id_column].type.python_type
        except NotImplementedError:
            return source_id
        return int(source_id) if python_type is int and source_id.lstrip("-").isdigit() else source_id

    def _write_one(self, conn: Connection, table: Table, item: PushUpdate, values: dict[str, Any]) -> int:
        """One record's row, child rows and identifier row; the number of parent rows found (0 or 1)."""
        id_col = table.c[self.id_column]
        parent = conn.execute(select(id_col).where(id_col == self._key(item.source_id))).scalar_one_or_none()
        if parent is None:
            return 0
        if values:
            conn.execute(update(table).where(id_col == parent).values(values))
        self.children.push(conn, parent, item.fields)
        self.children.write_golden_id(conn, parent, item.golden_id)
        return 1
    def _executemany(self, table: Table, rows: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
        """One executemany UPDATE per set of written columns, each in its own SAVEPOINT; returns the ids
        written. A group that fails, or updates fewer rows than it has (an id that is not there), is
        rolled back and left to :meth:`_per_row`, which finds the failing record and keeps the others —
        so a batch keeps the one-record-fails-alone guarantee. Drivers that cannot count the rows of an
        executemany (``supports_sane_multi_rowcount``) get no batch at all."""
        if not self.engine.dialect.supports_sane_multi_rowcount:
            return []
        groups: dict[tuple[str, ...], list[tuple[str, dict[str, Any]]]] = {}
        for source_id, values in rows:
            groups.setdefault(tuple(sorted(values)), []).append((source_id, values))
        id_col, written = table.c[self.id_column], []
        try:
            with self.engine.begin() as conn:
                for columns, members in groups.items():
                    statement = (update(table).where(id_col == bindparam("_hub_id"))
                                 .values({c: bindparam(f"_hub_{c}") for c in columns}))
                    params = [{"_hub_id": self._key(sid), **{f"_hub_{c}": v[c] for c in columns}}
                              for sid, v in members]
                    try:
                        with conn.begin_nested() as savepoint:
                            if conn.execute(statement, params).rowcount != len(members):
                                savepoint.rollback()
                                continue
                    except (SQLAlchemyError, ValueError, TypeError):
                        continue
                    written += [sid for sid, _ in members]
        except SQLAlchemyError:
            return []
        return written

    def delete(self, source_ids: Sequence[str]) -> PushResult:
        """Erase rows by id: ``DELETE`` (option ``erasure: delete``, the default) or, for tables other
        rows point to, ``erasure: anonymise``: an UPDATE that sets every nullable column but the id and
        the cursor column to NULL (or to ``erasure_values[column]``, e.g. a placeholder for a NOT NULL
        name) and keeps the row. A row that is not there counts as erased."""
        table = self.table()
        id_col = table.c[self.id_column]
        if self.options.erasure == "delete":
            def action(conn: Connection, source_id: str) -> int:
                return conn.execute(sql_delete(table).where(id_col == self._key(source_id))).rowcount
        else:  # anonymise
            values = self._erased_values(table)

            def action(conn: Connection, source_id: str) -> int:
                where = id_col == self._key(source_id)
                return conn.execute(update(table).where(where).values(values)).rowcount
        return self._per_row("delete", [(sid, sid) for sid in source_ids], action, missing_ok=True)

    def _erased_values(self, table: Table) -> dict[str, Any]:
        given = self.options.erasure_values
        kept = {self.id_column, self.cursor_column}
        values = {c.name: None for c in table.c if c.nullable and c.name not in kept}
        return {**values, **{k: v for k, v in given.items() if k in table.c and k not in kept}}

    def _per_row(
        self, operation: str, items: Sequence[tuple[str, Any]], action: Callable[[Connection, Any], int],
        missing_ok: bool,
    ) -> PushResult:
        """``action(conn, item)`` (rows found) per record, each in its own SAVEPOINT, one transaction
        per page: a failing row is reported in ``failed`` without undoing the rest of the page. A page
        whose transaction fails (connection lost, commit refused) fails its records with the reason;
        the pages before it stay reported as written, so the hub records what really landed."""
        result = PushResult()
        for start in range(0, len(items), self.config.page_size):
            page = items[start : start + self.config.page_size]
            outcome = PushResult()
            try:
                with self.engine.begin() as conn:
                    for source_id, item in page:
                        try:
                            with conn.begin_nested():
                                changed = action(conn, item)
                        except (SQLAlchemyError, ValueError, TypeError) as exc:
                            outcome.failed[source_id] = describe_error(exc)
                            continue
                        if changed or missing_ok:
                            outcome.pushed.append(source_id)
                        else:
                            outcome.failed[source_id] = f"no row with {self.id_column} = {source_id!r}"
            except (SQLAlchemyError, ConnectorError) as exc:
                reason = describe_error(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
                why = f"{self.name}.{operation}: {reason}"
                outcome = PushResult(failed={source_id: why for source_id, _ in page})
            result.pushed += outcome.pushed
            result.failed.update(outcome.failed)
        return result

    def _row_values(self, item: PushUpdate, table: Table) -> dict[str, Any]:
        protected = {self.id_column, self.cursor_column}
        values = {col: self.values.to_legacy(col, value)
                  for col, value in self.mapping.to_source(item.fields).items()
                  if col in table.c and col not in protected}
        if not self.options.golden_id_table:
            values[self.golden_id_column] = item.golden_id
        return values


def _cannot_push(name: str, mapping: FieldMapping, table: Table, protected: set[str | None],
                 children: set[str]) -> str | None:
    """Why push field ``name`` has no place in ``table`` or the child tables; ``None`` when it has."""
    if name in children:
        return None
    targets = {"emails": {"emails", "email"}, "phones": {"phones", "phone"}}.get(name, {name})
    mapped = [source for source, target in mapping.mapping.items() if target in targets]
    writable = [c for c in mapped if c in table.c and c not in protected]
    if writable:
        return None
    children_could = name in {"emails", "phones", "street", "postal_code", "city", "region", "country"}
    hint = "; or describe its child table in option children" if children_could else ""
    if not mapped:
        return f"no column of table {table.name!r} is mapped to it{hint}"
    if any(c in protected for c in mapped):
        return f"it is mapped to the id or cursor column ({', '.join(mapped)}), which a push never writes"
    return f"mapped from {', '.join(mapped)}, which table {table.name!r} does not have{hint}"


