"""One-to-many child tables of the SQL connector: e-mails, phones and addresses read into the list
fields, pushed values written as child rows, and the golden id kept as an identifier row.

ERP schemas keep contacts in child tables (Tryton's ``party_contact_mechanism``: one row per e-mail or
phone, its ``type`` saying which). Reading them takes one ``IN`` query per child table and page, not a
query per customer. Pushing *adds* what the target lacks — an e-mail or phone missing from the
customer's rows becomes a new row with the configured constant columns (a phone with the kind the hub
tells from the number: mobile or landline) — and never deletes or rewrites a row: which of two numbers
is stale is for the system's users to say. An address is filled in on the customer's first address
row, or inserted when there is none. The golden id goes into an identifier row (type + value), so no
column has to be added to the ERP's tables behind its ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from sqlalchemy import Connection, Engine, MetaData, Table, and_, insert, select, update
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from connectors.base import ConnectorError
from matching.phones import is_mobile
from schemas.source_options.sql_children import SqlChildren, SqlChildTable
from schemas.values import clean_phone

#: Key under which a pulled row carries its child values (read through the mapping's dotted paths).
CHILD_KEY = "children"
#: Canonical push fields an address child table takes, by the address part they fill.
ADDRESS_PUSH_PARTS = ("street", "postal_code", "city", "region", "country")


class ChildTables:
    """The configured child tables of one SQL source, reflected on first use."""

    def __init__(self, source: str, children: SqlChildren | None, golden_id_table: SqlChildTable | None,
                 engine: Callable[[], Engine]):
        self.source = source
        self.children = dict(children.items()) if children else {}
        self.golden_id_table = golden_id_table
        self._engine = engine
        self._tables: dict[str, Table] = {}

    def __bool__(self) -> bool:
        return bool(self.children or self.golden_id_table)

    def mapping(self) -> dict[str, str]:
        """Mapping entries for the pulled child values (``children.emails`` -> ``emails`` ...)."""
        out = {f"{CHILD_KEY}.{name}": name for name in ("emails", "phones") if name in self.children}
        if address := self.children.get("addresses"):
            for part in address.columns.values():
                # an address's country is the record's country too (phones are read in it)
                out[f"{CHILD_KEY}.address.{part}"] = part
        return out

    def pushable(self) -> set[str]:
        """Canonical push fields the child tables take."""
        fields = {name for name in ("emails", "phones") if name in self.children}
        if address := self.children.get("addresses"):
            fields |= set(address.columns.values())
        return fields

    # -- schema ----------------------------------------------------------------------------------

    def table(self, child: SqlChildTable) -> Table:
        if child.table not in self._tables:
            try:
                self._tables[child.table] = Table(child.table, MetaData(), autoload_with=self._engine())
            except NoSuchTableError:
                raise ConnectorError(self.source, "reflect", f"no child table {child.table!r}") from None
            except SQLAlchemyError as exc:
                raise ConnectorError(self.source, "reflect", str(exc)) from exc
        return self._tables[child.table]

    def problems(self) -> list[str]:
        """Columns the configuration names that a child table does not have, one line each."""
        lines = []
        named = [(f"children.{name}", child) for name, child in self.children.items()]
        if self.golden_id_table:
            named.append(("golden_id_table", self.golden_id_table))
        for option, child in named:
            try:
                columns = set(self.table(child).c.keys())
            except ConnectorError as exc:
                lines.append(f"option {option}: {exc}")
                continue
            wanted = {child.parent_column, *child.columns, *child.where, *child.insert_values,
                      *child.stamp_columns} | {c for c in (child.value_column, child.kind_column,
                                                           child.order_column) if c}
            if missing := sorted(wanted - columns):
                lines.append(f"option {option}: table {child.table!r} has no column(s) {', '.join(missing)}")
        return lines

    # -- pull ------------------------------------------------------------------------------------

    def attach(self, rows: Sequence[dict[str, Any]], id_column: str) -> None:
        """Add each row's child values under :data:`CHILD_KEY`: lists of e-mails and phones, and the
        first address row as ``address`` (one query per child table for the whole page)."""
        if not self.children or not rows:
            return
        ids = list(dict.fromkeys(row[id_column] for row in rows))
        found: dict[Any, dict[str, Any]] = {i: {} for i in ids}
        try:
            with self._engine().connect() as conn:
                for name, child in self.children.items():
                    for parent, values in self._read(conn, child, ids):
                        slot = found.setdefault(parent, {})
                        if name == "addresses":
                            slot.setdefault("address", values)
                        else:
                            slot.setdefault(name, []).append(values)
        except SQLAlchemyError as exc:
            raise ConnectorError(self.source, "pull", f"child tables: {exc}") from exc
        for row in rows:
            row[CHILD_KEY] = found.get(row[id_column], {})

    def _read(self, conn: Connection, child: SqlChildTable, ids: list[Any]) -> Iterable[tuple[Any, Any]]:
        table = self.table(child)
        parent = table.c[child.parent_column]
        if child.columns:
            picked = [table.c[c].label(part) for c, part in child.columns.items()]
        else:
            picked = [table.c[child.value_column or ""].label("value")]
        stmt = select(parent, *picked).where(parent.in_(ids), *self._selecting(table, child))
        stmt = stmt.order_by(parent, *self._order(table, child))
        for row in conn.execute(stmt).mappings():
            if child.columns:
                values = {part: row[part] for part in child.columns.values() if row[part] not in (None, "")}
                if values:
                    yield row[child.parent_column], values
            elif row["value"] not in (None, ""):
                yield row[child.parent_column], str(row["value"])

    def _selecting(self, table: Table, child: SqlChildTable) -> list[Any]:
        conditions = [table.c[c] == v for c, v in child.where.items()]
        if child.kind_column:
            conditions.append(table.c[child.kind_column].in_(list(child.kinds.values())))
        return conditions

    @staticmethod
    def _order(table: Table, child: SqlChildTable) -> list[Any]:
        if child.order_column:
            return [table.c[child.order_column], *table.primary_key.columns]
        return list(table.primary_key.columns)

    # -- push ------------------------------------------------------------------------------------

    def push(self, conn: Connection, parent_id: Any, fields: dict[str, Any]) -> None:
        """Write the pushed child values of one parent row (inside the caller's SAVEPOINT)."""
        if (child := self.children.get("emails")) and fields.get("emails"):
            self._add_missing(conn, child, parent_id, fields["emails"], _same_email)
        if (child := self.children.get("phones")) and fields.get("phones"):
            self._add_missing(conn, child, parent_id, fields["phones"], _same_phone)
        if (child := self.children.get("addresses")) is not None:
            parts = {part: fields[part] for part in child.columns.values() if fields.get(part) is not None}
            if parts:
                self._fill_address(conn, child, parent_id, parts)

    def _add_missing(self, conn: Connection, child: SqlChildTable, parent_id: Any, values: list[str],
                     same: Callable[[str, str], bool]) -> None:
        table = self.table(child)
        value_column = child.value_column or ""
        stmt = select(table.c[value_column]).where(table.c[child.parent_column] == parent_id,
                                                   *self._selecting(table, child))
        have = [str(v) for v in conn.execute(stmt).scalars() if v is not None]
        for value in values:
            if any(same(stored, value) for stored in have):
                continue
            row = {child.parent_column: parent_id, value_column: value, **child.where, **child.insert_values}
            if child.kind_column:
                row[child.kind_column] = child.kinds["mobile" if is_mobile(value) else "landline"]
            conn.execute(insert(table).values({**row, **_stamps(child)}))
            have.append(value)

    def _fill_address(self, conn: Connection, child: SqlChildTable, parent_id: Any,
                      parts: dict[str, Any]) -> None:
        table = self.table(child)
        by_part = {part: column for column, part in child.columns.items()}
        values = {by_part[part]: value for part, value in parts.items()}
        key = list(table.primary_key.columns)
        stmt = select(*key).where(table.c[child.parent_column] == parent_id, *self._selecting(table, child))
        first = conn.execute(stmt.order_by(*self._order(table, child)).limit(1)).first()
        if first is None:
            row = {child.parent_column: parent_id, **child.where, **child.insert_values, **values}
            conn.execute(insert(table).values({**row, **_stamps(child)}))
            return
        where = and_(*(c == v for c, v in zip(key, first, strict=True)))
        conn.execute(update(table).where(where).values({**values, **_stamps(child)}))

    def write_golden_id(self, conn: Connection, parent_id: Any, golden_id: str) -> None:
        """Set the parent's identifier row of the configured type to ``golden_id`` (insert if none)."""
        child = self.golden_id_table
        if child is None:
            return
        table = self.table(child)
        value = table.c[child.value_column or ""]
        mine = [table.c[child.parent_column] == parent_id, *self._selecting(table, child)]
        current = conn.execute(select(value).where(*mine)).scalars().all()
        if current == [golden_id]:
            return  # already there: an idempotent push writes nothing
        if current:
            conn.execute(update(table).where(*mine).values({value.name: golden_id, **_stamps(child)}))
            return
        row = {child.parent_column: parent_id, value.name: golden_id, **child.where, **child.insert_values}
        conn.execute(insert(table).values({**row, **_stamps(child)}))


def _stamps(child: SqlChildTable) -> dict[str, datetime]:
    now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC: what timestamp-without-zone columns hold
    return dict.fromkeys(child.stamp_columns, now)


def _same_email(stored: str, pushed: str) -> bool:
    return stored.strip().casefold() == pushed.strip().casefold()


def _same_phone(stored: str, pushed: str) -> bool:
    """Whether a stored number (any format, often national) is the pushed E.164 number: the stored one
    is read in the pushed number's country."""
    if stored.strip() == pushed:
        return True
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(pushed))
        return clean_phone(stored, region) == pushed
    except (phonenumbers.NumberParseException, ValueError):
        return False
