"""Options of the SQL connector for ERP schemas: one-to-many child tables read and written by configuration.

Real ERPs keep a customer in several tables (Tryton: ``party_party`` with ``party_contact_mechanism``,
``party_address`` and ``party_identifier`` rows pointing to it). A child table is described as data —
table, the column pointing to the parent, the value column(s), the constant columns that select the
rows (``where``) — so the generic connector pulls those rows into the list fields and pushes a missing
value as a new row, without a hand-written query and without DDL on the ERP's tables.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Canonical address parts an address child table may map its columns to.
AddressPart = Literal["street", "postal_code", "city", "region", "country"]
#: A phone's kind as the hub tells it from the number (phonenumbers' metadata): the canonical record
#: keeps phones as E.164 strings without a kind, so a fax cannot be told and is never written.
PhoneKind = Literal["mobile", "landline"]


class SqlChildTable(BaseModel):
    """One child table: ``parent_column`` points to the main table's id column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(description="child table name")
    parent_column: str = Field(description="column holding the parent row's id")
    value_column: str | None = Field(None, description="column holding the value (e-mail, phone, id)")
    columns: dict[str, AddressPart] = Field(
        default_factory=dict, description="address tables: child column -> address part"
    )
    where: dict[str, Any] = Field(
        default_factory=dict, description="constant columns: select the rows pulled, set on rows inserted"
    )
    kind_column: str | None = Field(None, description="phones: column holding the phone's kind")
    kinds: dict[PhoneKind, str] = Field(
        default_factory=lambda: dict[PhoneKind, str]({"mobile": "mobile", "landline": "phone"}),
        description="phones: hub kind -> value in `kind_column` (pulled: these values; pushed: by kind)",
    )
    insert_values: dict[str, Any] = Field(
        default_factory=dict, description="further constant columns of inserted rows (NOT NULL columns)"
    )
    stamp_columns: list[str] = Field(
        default_factory=list, description="columns set to the current UTC time on insert and update"
    )
    order_column: str | None = Field(None, description="order of the child rows; none = the primary key")

    @model_validator(mode="after")
    def _both_kinds(self) -> Self:
        if self.kind_column and set(self.kinds) != {"mobile", "landline"}:
            raise ValueError("kinds needs the value of both `mobile` and `landline` in `kind_column`")
        return self


class SqlChildren(BaseModel):
    """The child tables of option ``children`` (each optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    emails: SqlChildTable | None = None
    phones: SqlChildTable | None = None
    addresses: SqlChildTable | None = None

    @model_validator(mode="after")
    def _shapes(self) -> Self:
        for name in ("emails", "phones"):
            child = getattr(self, name)
            if child is not None and not child.value_column:
                raise ValueError(f"children.{name} needs value_column")
        if self.addresses is not None and not self.addresses.columns:
            raise ValueError("children.addresses needs columns (child column -> street, postal_code, ...)")
        return self

    def items(self) -> list[tuple[str, SqlChildTable]]:
        """The configured child tables by canonical list field."""
        return [(name, child) for name in ("emails", "phones", "addresses")
                if (child := getattr(self, name)) is not None]
