"""Many rows of one INSERT or UPDATE handed to the database driver as they are: the store's big
set-based writes (a run's golden records, audit trail and outbox, a publish's push marks).

SQLAlchemy's executemany prepares every row's parameters in Python before the driver sees them: a
dict of every bind parameter per row (``construct_params``), then each value through its type's bind
processor (JSON encoding, SQLite's datetime text). In a 100k full run's golden write that was ~5 of
the ~25 CPU seconds (``_init_compiled``), more than SQLite's own work on the rows. Here the statement
is compiled once per call, each parameter's processor is looked up once, a value that repeats the
row before's (a run's timestamp, on every row) is processed once, and the rows go to
``exec_driver_sql``.

What is stored is what SQLAlchemy's own executemany stored, byte for byte: the same statement, the
same processors (the engine's ``json_serializer`` is ``hub.json_codec.dumps``, so JSON text encoded
here or by the caller is the column's text), and the same column defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import JSON, Connection, Dialect, Float, Insert, Table, TableClause
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import UpdateBase

from hub import json_codec
from hub.store.table_statistics import note_copied

Process = Callable[[Any], Any]


def execute_rows(session: Session, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``statement`` (a Core INSERT, or an UPDATE/DELETE naming its ``bindparam``s) once per row,
    in the session's transaction. Every row names the same keys.

    A JSON column's value may be JSON text already (``hub.json_codec.dumps``), sent as it is: a golden
    record is encoded once for its row, its audit entry and its outbox event. Any other value of a
    JSON column -- ``None`` included, stored as JSON ``null`` as the column type does -- is encoded
    here. (No JSON column of the store holds a bare JSON string, the one value this would misread.)
    A column the rows leave out gets its scalar default; one with a computed default must be given.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled, names = _compiled(statement, dialect, list(rows[0]))
    defaults = _defaults(compiled, rows[0])
    processors = [_processor(compiled, name, dialect) for name in names]
    columns = list(zip(names, processors, strict=True))
    values = [
        tuple(
            (row[name] if name in row else defaults[name])
            if process is None
            else process(row[name] if name in row else defaults[name])
            for name, process in columns
        )
        for row in rows
    ]
    copy_into = _copy_target(connection, statement, compiled, names)
    _send(connection, compiled, names, values, copy_into)
    if copy_into is not None:  # a table that doubled is analyzed once this commits
        note_copied(session, copy_into.name, len(values))


def insert_frame(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """INSERT every row of ``frame`` (its columns named as ``table``'s) into ``table``, in the session's
    transaction: the rows go to the driver as polars gives them, with no dict per row, for columns
    the driver takes as they are (text, numbers, and a JSON column given as its JSON text in a string
    column, no nulls: a column that needs other bind processing is refused).

    On PostgreSQL through ``COPY ... FROM STDIN`` (psycopg's ``copy``): an executemany sends and
    answers every row on its own, and at 20k records the search index's 116k rows took 2.3 s of the
    hub's CPU that way."""
    if not frame.height:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled, names = _compiled(table.insert(), dialect, frame.columns)
    processed = [name for name in names if not _as_it_is(compiled, name, dialect, frame.schema.get(name))]
    if processed or _defaults(compiled, {}):
        raise ValueError(f"insert_frame: {table.name} needs bind processing or defaults: use execute_rows")
    copy_into = table if _copies(connection) else None
    _send(connection, compiled, names, frame.select(names).rows(), copy_into)
    if copy_into is not None:
        note_copied(session, table.name, frame.height)


def _compiled(statement: UpdateBase, dialect: Dialect, keys: list[str]) -> tuple[SQLCompiler, list[str]]:
    """``statement`` compiled for the rows' ``keys``, and its parameters' names in the driver's order."""
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    assert isinstance(compiled, SQLCompiler)
    return compiled, list(compiled.positiontup or []) if dialect.positional else list(compiled.binds)


def _send(
    connection: Connection,
    compiled: SQLCompiler,
    names: list[str],
    values: Sequence[Sequence[Any]],
    copy_into: TableClause | None,
) -> None:
    """The rows' values (in ``names``' order) to the driver: a ``COPY`` into ``copy_into`` when given,
    else one executemany of the compiled statement."""
    if copy_into is not None:
        _copy(connection, copy_into, names, values)
        return
    positional = connection.dialect.positional
    params = values if positional else [dict(zip(names, v, strict=True)) for v in values]
    connection.exec_driver_sql(compiled.string, params)


def _copies(connection: Connection) -> bool:
    """Whether INSERTs of many rows go through ``COPY ... FROM STDIN``: PostgreSQL through psycopg."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def _copy_target(
    connection: Connection, statement: UpdateBase, compiled: SQLCompiler, names: list[str]
) -> TableClause | None:
    """The table a ``COPY`` can fill in place of ``statement``: on a connection that copies, when the
    statement is an INSERT of the columns ``names`` and nothing else (no SQL expression among the
    values, no RETURNING)."""
    if not (_copies(connection) and isinstance(statement, Insert)):
        return None
    plain = statement.table.insert().compile(dialect=compiled.dialect, column_keys=names)
    return statement.table if plain.string == compiled.string else None


def _copy(
    connection: Connection, table: TableClause, names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """``rows`` (values as the driver takes them, in ``names``' order) into ``table`` by ``COPY``, in the
    connection's transaction: the same rows, defaults and sequence numbers as the INSERTs, in order."""
    quote = connection.dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _defaults(compiled: SQLCompiler, row: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar defaults of the columns the rows leave out (``status='active'``, ``version=1``)."""
    out: dict[str, Any] = {}
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        if column.key in row:
            continue
        default = column.default if compiled.isinsert else column.onupdate
        if default is None or not default.is_scalar:
            raise ValueError(f"execute_rows: give {column.key!r}: its default is computed per row")
        out[column.key] = getattr(default, "arg", None)
    return out


def _processor(compiled: SQLCompiler, name: str, dialect: Dialect) -> Process | None:
    """What the driver gets of a parameter's value: JSON text for a JSON column, the dialect type's
    bind processing otherwise (``None``: the value as it is)."""
    kind = compiled.binds[name].type
    if isinstance(kind, JSON):
        return _json_text
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    return None if process is None else _repeats_once(process)


def _as_it_is(compiled: SQLCompiler, name: str, dialect: Dialect, dtype: pl.DataType | None) -> bool:
    """Whether the driver takes a frame column of ``dtype`` as it is for parameter ``name``: a type with
    no bind processing, a JSON column given as its text, a float column (polars gives Python floats,
    what SQLite's ``to_float`` makes of any number)."""
    kind = compiled.binds[name].type
    if dtype is None:  # a column the frame leaves out: its default
        return False
    if isinstance(kind, JSON):
        return dtype == pl.Utf8
    if isinstance(kind, Float) and dtype.is_float():
        return True
    return _processor(compiled, name, dialect) is None


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json_codec.dumps(value)


def _repeats_once(process: Process) -> Process:
    """``process``, applied once to a run of the same value (the same object) in a row: bind
    processors are pure, and a write stamps every row with one timestamp."""
    last: list[Any] = [_UNSET, None]

    def run(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return run


_UNSET = object()
