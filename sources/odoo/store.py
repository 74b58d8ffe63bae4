"""SQLite storage of the local Odoo: ``res.partner`` and ``res.country`` with Odoo's field semantics.

What matters to a connector is kept as Odoo does it: empty fields read as ``False`` (not ``null``),
many2one fields read as ``[id, display_name]``, ``write_date`` is a naive UTC ``YYYY-MM-DD HH:MM:SS``
string, archived partners (``active = False``) are hidden unless the context says ``active_test: False``,
and every ``write`` stamps ``write_date`` -- even one that changes nothing, exactly like the ORM, which is
why the connector compares before it writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sources.odoo.domain import DomainError, compile_domain
from sources.sqlite_store import SqliteStore
from sources.timestamps import parse_utc

SCHEMA = """
CREATE TABLE IF NOT EXISTS res_country (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS res_partner (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    is_company INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    type TEXT NOT NULL DEFAULT 'contact',
    parent_id INTEGER REFERENCES res_partner (id),
    email TEXT, phone TEXT, mobile TEXT,
    street TEXT, street2 TEXT, zip TEXT, city TEXT,
    country_id INTEGER REFERENCES res_country (id),
    company_name TEXT,
    vat TEXT, ref TEXT,
    x_crm_golden_id TEXT,
    create_date TEXT NOT NULL,
    write_date TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS res_partner_write ON res_partner (write_date, id);
"""

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Field:
    type: str  # char | boolean | integer | datetime | many2one | selection
    relation: str | None = None
    readonly: bool = False


MODELS: dict[str, tuple[str, dict[str, Field]]] = {
    "res.partner": ("res_partner", {
        "id": Field("integer", readonly=True),
        "name": Field("char"), "is_company": Field("boolean"), "active": Field("boolean"),
        "type": Field("selection"), "parent_id": Field("many2one", "res.partner"),
        "email": Field("char"), "phone": Field("char"), "mobile": Field("char"),
        "street": Field("char"), "street2": Field("char"), "zip": Field("char"), "city": Field("char"),
        "country_id": Field("many2one", "res.country"), "company_name": Field("char"),
        "vat": Field("char"), "ref": Field("char"),
        "x_crm_golden_id": Field("char"),
        "create_date": Field("datetime", readonly=True), "write_date": Field("datetime", readonly=True),
    }),
    "res.country": ("res_country", {
        "id": Field("integer", readonly=True), "name": Field("char"), "code": Field("char"),
    }),
}


class MissingError(LookupError):
    """Odoo's ``odoo.exceptions.MissingError``: a record id that does not exist (any more)."""


class UnknownModel(KeyError):
    pass


def now_utc() -> str:
    return datetime.now(UTC).strftime(ODOO_DATETIME)


def odoo_datetime(value: Any) -> str:
    """A domain/seed value -> stored ``YYYY-MM-DD HH:MM:SS`` (UTC); ``ValueError`` if it is no date."""
    parsed = parse_utc(str(value))
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    return parsed.strftime(ODOO_DATETIME)


class OdooStore(SqliteStore):
    SCHEMA = SCHEMA

    # -- ORM-like API ----------------------------------------------------------------------------

    def search_read(self, model: str, domain: Any = None, fields: Sequence[str] | None = None, *,
                    offset: int = 0, limit: int | None = None, order: str | None = None,
                    active_test: bool = True) -> list[dict[str, Any]]:
        table, spec = _model(model)
        names = _check_fields(model, spec, fields or list(spec))
        booleans = frozenset(name for name, field in spec.items() if field.type == "boolean")
        where, params = compile_domain(domain, lambda f: _column(model, spec, f),
                                       lambda f, v: _value(spec, f, v), booleans)
        if active_test and "active" in spec and not _mentions(domain, "active"):
            where = f"({where}) AND active = 1"
        sql = f"SELECT * FROM {table} WHERE {where} ORDER BY {_order(model, spec, order)}"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else int(limit), int(offset or 0)]
        with self._connect() as db:
            rows = db.execute(sql, params).fetchall()
            return [self._read_row(db, spec, row, names) for row in rows]

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str] | None = None,
             load: str | None = "_classic_read") -> list[dict[str, Any]]:
        """Odoo's ``read``: with ``load="_classic_read"`` (the default) a many2one reads as
        ``[id, display_name]``, with any other ``load`` (odoorpc sends ``_classic_write``) as the id."""
        table, spec = _model(model)
        names = _check_fields(model, spec, fields or list(spec))
        ids = _ids(ids)
        with self._connect() as db:
            rows = {row["id"]: row for row in db.execute(
                f"SELECT * FROM {table} WHERE id IN ({', '.join('?' * len(ids))})", ids)}
            missing = [i for i in ids if i not in rows]
            if missing:
                raise MissingError(_missing_message(model, missing))
            return [self._read_row(db, spec, rows[i], names, load == "_classic_read") for i in ids]

    def write(self, model: str, ids: Sequence[int], values: Mapping[str, Any]) -> bool:
        """Odoo's ``write``: same values for every id; ``write_date`` stamped even if nothing changed."""
        table, spec = _model(model)
        ids = _ids(ids)
        columns = _writable(model, spec, values)
        with self._connect() as db:
            _require(db, table, model, ids)
            stamp = ", write_date = ?" if "write_date" in spec else ""
            assignments = ", ".join([f"{c} = ?" for c in columns] + ([stamp[2:]] if stamp else []))
            for record_id in ids:
                db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?",
                           [*columns.values(), *([now_utc()] if stamp else []), record_id])
        return True

    def unlink(self, model: str, ids: Sequence[int]) -> bool:
        """Odoo's ``unlink``: the records are deleted; an unknown id fails the whole call."""
        table, _spec = _model(model)
        ids = _ids(ids)
        with self._connect() as db:
            _require(db, table, model, ids)
            db.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in ids])
        return True

    def create(self, model: str, vals_list: Sequence[Mapping[str, Any]]) -> list[int]:
        """Odoo's ``create`` (``@api.model_create_multi``): one record per dict, ``create_date`` and
        ``write_date`` stamped; the new ids in order."""
        table, spec = _model(model)
        ids = []
        with self._connect() as db:
            for values in vals_list:
                columns = _writable(model, spec, values)
                if "write_date" in spec:
                    columns["create_date"] = columns["write_date"] = now_utc()
                names = list(columns)
                cursor = db.execute(f"INSERT INTO {table} ({', '.join(names)}) "
                                    f"VALUES ({', '.join('?' * len(names))})", [columns[n] for n in names])
                ids.append(int(cursor.lastrowid))
        return ids

    def fields_get(self, model: str) -> dict[str, dict[str, Any]]:
        """Odoo's ``fields_get``: per field its ``type``, ``string``, ``relation``, ``readonly``."""
        _table, spec = _model(model)
        return {name: {"type": field.type, "string": name.replace("_", " ").title(),
                       "readonly": field.readonly, "required": False,
                       **({"relation": field.relation} if field.relation else {}),
                       **({"selection": [["contact", "Contact"], ["invoice", "Invoice"]]}
                          if field.type == "selection" else {})}
                for name, field in spec.items()}

    # -- seeding ---------------------------------------------------------------------------------

    def country_id(self, code: str, name: str) -> int:
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO res_country (code, name) VALUES (?, ?)", (code, name))
            return db.execute("SELECT id FROM res_country WHERE code = ?", (code,)).fetchone()[0]

    def insert_partners(self, partners: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert partners (with their ``id``) that are not stored yet; returns the ids inserted.

        Re-seeding never touches an existing partner, so golden ids pushed back survive restarts.
        """
        inserted = []
        with self._connect() as db:
            for partner in partners:
                columns = list(partner)
                cursor = db.execute(
                    f"INSERT OR IGNORE INTO res_partner ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})", [partner[c] for c in columns])
                if cursor.rowcount == 1:
                    inserted.append(int(partner["id"]))
        return inserted

    # -- helpers ---------------------------------------------------------------------------------

    def _read_row(self, db: sqlite3.Connection, spec: dict[str, Field], row: sqlite3.Row,
                  names: list[str], many2one_names: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row["id"]}
        for name in names:
            field, value = spec[name], row[name]
            if field.type == "boolean":
                out[name] = bool(value)
            elif field.type == "many2one" and many2one_names:
                out[name] = [value, _display_name(db, field.relation, value)] if value else False
            else:
                out[name] = False if value in (None, "") else value
        return out


def _model(model: str) -> tuple[str, dict[str, Field]]:
    try:
        return MODELS[model]
    except KeyError:
        raise UnknownModel(model) from None


def _check_fields(model: str, spec: dict[str, Field], fields: Sequence[str]) -> list[str]:
    for name in fields:
        if name not in spec:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
    return [name for name in fields if name != "id"]


def _column(model: str, spec: dict[str, Field], field: str) -> str:
    if field not in spec:
        raise DomainError(f"Invalid field {model}.{field} in leaf")
    return field


def _value(spec: dict[str, Field], field: str, value: Any) -> Any:
    kind = spec[field].type
    if kind == "datetime":
        try:
            return odoo_datetime(value)
        except ValueError:
            raise DomainError(f"Invalid datetime value {value!r} for field {field!r}") from None
    if kind == "boolean":
        return int(bool(value))
    return value


def _mentions(domain: Any, field: str) -> bool:
    return isinstance(domain, list | tuple) and any(
        isinstance(t, list | tuple) and len(t) == 3 and t[0] == field for t in domain)


def _order(model: str, spec: dict[str, Field], order: str | None) -> str:
    """Odoo's ``order`` spec (``"write_date asc, id asc"``); the id is appended so paging is stable."""
    terms = []
    for part in (order or "id").split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0] not in spec or (
                len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ValueError(f"Invalid \"order\" specified ({order}). A valid \"order\" specification is a "
                             "comma-separated list of valid field names (optionally followed by asc/desc "
                             "for the direction)")
        terms.append(f"{words[0]} {words[1].upper() if len(words) == 2 else 'ASC'}")
    if not any(t.startswith("id ") for t in terms):
        terms.append("id ASC")
    return ", ".join(terms)


def _ids(ids: Any) -> list[int]:
    if isinstance(ids, int) and not isinstance(ids, bool):
        ids = [ids]
    if not isinstance(ids, list | tuple) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                     for i in ids):
        raise TypeError(f"record ids must be a list of integers, got {ids!r}")
    return list(ids)


def _writable(model: str, spec: dict[str, Field], values: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise TypeError(f"write values must be a dict, got {type(values).__name__}")
    columns: dict[str, Any] = {}
    for name, value in values.items():
        field = spec.get(name)
        if field is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        if field.readonly:
            continue  # the ORM silently ignores writes to magic fields
        if field.type == "boolean":
            columns[name] = int(bool(value))
        elif field.type == "many2one":
            if value not in (False, None) and not (isinstance(value, int) and not isinstance(value, bool)):
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
            columns[name] = value or None
        else:
            columns[name] = None if value is False or value is None else str(value)
    return columns


def _require(db: sqlite3.Connection, table: str, model: str, ids: list[int]) -> None:
    """MissingError naming the ids of ``ids`` that do not exist (as the ORM fails a whole call)."""
    marks = ", ".join("?" * len(ids))
    found = {r[0] for r in db.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise MissingError(_missing_message(model, missing))


def _display_name(db: sqlite3.Connection, relation: str | None, record_id: int) -> str:
    table = MODELS[relation or ""][0]
    row = db.execute(f"SELECT name FROM {table} WHERE id = ?", (record_id,)).fetchone()
    return row[0] if row else ""


def _missing_message(model: str, missing: list[int]) -> str:
    ids = ", ".join(str(i) for i in missing)
    return (f"Record does not exist or has been deleted.\n(Record: {model}({ids},), User: 2)")
