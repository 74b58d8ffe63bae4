"""Options of the legacy connectors: any SQL table or query, CSV and fixed-width export folders.

They share how an old system encodes values (:class:`connectors.legacy_values.LegacyValues`): mixed
date formats, one-letter type codes, several phone numbers in one field, naive local timestamps.
"""

from __future__ import annotations

import codecs
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from schemas.source_options.base import SourceOptions
from schemas.source_options.sql_children import SqlChildren, SqlChildTable

#: Tried in order; the first one is also the format written back unless ``date_write_format`` is set.
DEFAULT_DATE_FORMATS = ("%Y%m%d", "%d.%m.%Y", "%Y-%m-%d")
DEFAULT_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
#: A longer line of an export is quarantined on its own, so memory is bounded by this, not the file.
MAX_LINE_BYTES = 1 << 20


def value_maps_field(default: dict[str, dict[str, str]]) -> Any:
    """The ``value_maps`` field with a kind's own default codes (each legacy format has its own)."""
    return Field(
        default_factory=lambda: {column: dict(codes) for column, codes in default.items()},
        description="`{column: {code: canonical value}}`, e.g. record-type codes",
    )


def date_formats_field(default: tuple[str, ...]) -> Any:
    """The ``date_formats`` field with a kind's own default order (the first is also written back)."""
    return Field(
        default_factory=lambda: list(default), min_length=1, description="date formats tried in order"
    )


class LegacyOptions(SourceOptions):
    """Value decoding and the golden-id column, shared by ``sql``, ``csv`` and ``fixed_width``."""

    golden_id_column: str = Field("GOLDEN_ID", description="column that receives the golden id")
    value_maps: dict[str, dict[str, str]] = value_maps_field({})
    date_columns: list[str] | None = Field(
        None, description="columns holding dates; none = those mapped to `date_of_birth`"
    )
    datetime_columns: list[str] | None = Field(
        None, description="columns holding timestamps; none = those mapped to `updated_at`"
    )
    date_formats: list[str] = date_formats_field(DEFAULT_DATE_FORMATS)
    datetime_formats: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DATETIME_FORMATS),
        min_length=1,
        description="timestamp formats tried in order",
    )
    date_write_format: str | None = Field(
        None, description="format of dates written back; none = the first of `date_formats`"
    )
    timezone: str | None = Field(None, description="IANA zone naive timestamps are in; none = UTC")
    list_columns: list[str] | None = Field(
        None, description="columns holding several values; none = those mapped to e-mails and phones"
    )
    list_separator: str = Field(";", min_length=1, description="separator inside such a column")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
                raise ValueError(
                    f"unknown time zone {value!r} (an IANA name such as Europe/Berlin)"
                ) from None
        return value


class SqlOptions(LegacyOptions):
    """``kind: sql`` (:mod:`connectors.sql_table`)."""

    table: str | None = Field(None, description="table read, and updated by pushes")
    query: str | None = Field(
        None, description="query read instead of the table (pushes still update `table`)"
    )
    table_schema: str | None = Field(None, description="database schema of `table`")
    id_column: str | None = Field(None, description="key column; none = the column mapped to `source_id`")
    cursor_column: str | None = Field(
        None, description="change-time column of the keyset cursor; none = the column mapped to `updated_at`"
    )
    cursor_expression: str | None = Field(
        None,
        description="SQL expression of the keyset cursor instead of `cursor_column`, "
        "e.g. `COALESCE(write_date, create_date)`",
    )
    columns: list[str] | None = Field(None, description="columns read; none = all")
    children: SqlChildren | None = Field(
        None, description="one-to-many child tables of `emails`, `phones`, `addresses` (pulled and pushed)"
    )
    golden_id_table: SqlChildTable | None = Field(
        None, description="identifier child table that receives the golden id instead of `golden_id_column`"
    )
    value_maps: dict[str, dict[str, str]] = value_maps_field(
        {"CUST_TYPE": {"P": "person", "F": "organization"}}
    )
    erasure: Literal["delete", "anonymise", "anonymize"] = Field(
        "delete", description="`delete` the row, or `anonymise`: null its personal columns and keep it"
    )
    erasure_values: dict[str, Any] = Field(
        default_factory=dict, description="values anonymising writes instead of NULL (NOT NULL columns)"
    )

    @model_validator(mode="after")
    def _table_or_query(self) -> Self:
        if not (self.table or self.query):
            raise ValueError("set option 'table' (and/or 'query')")
        if self.cursor_expression and self.cursor_column:
            raise ValueError("set 'cursor_column' or 'cursor_expression', not both")
        if (self.children or self.golden_id_table) and not self.table:
            raise ValueError("'children' and 'golden_id_table' need option 'table' (the parent table)")
        if self.golden_id_table and not self.golden_id_table.value_column:
            raise ValueError("golden_id_table needs value_column")
        return self


class CsvOptions(LegacyOptions):
    """``kind: csv`` (:mod:`connectors.flat_files`)."""

    export_dir: str | None = Field(None, description="folder read; none = `<connection extra.path>/export`")
    import_dir: str | None = Field(
        None, description="folder written; none = `<connection extra.path>/import`"
    )
    pattern: str = Field("*.csv", description="file names read (glob)")
    encoding: str = Field(
        "utf-8-sig",
        description="file encoding (ASCII-compatible); when not set, the connection's `extra.encoding` wins",
    )
    delimiter: str = Field(
        ";",
        min_length=1,
        max_length=1,
        description="field delimiter; when not set, the connection's `extra.delimiter` wins",
    )
    fingerprint: Literal["sha256", "stat"] = Field(
        "sha256", description="how a changed file is recognised: content hash, or size and modification time"
    )
    max_line_bytes: int = Field(
        MAX_LINE_BYTES, ge=1024, description="a longer line is quarantined on its own"
    )
    date_formats: list[str] = date_formats_field(("%d.%m.%Y", "%Y-%m-%d", "%Y%m%d"))
    value_maps: dict[str, dict[str, str]] = value_maps_field(
        {"ART": {"PRIV": "person", "FIRMA": "organization"}}
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


class FixedWidthOptions(CsvOptions):
    """``kind: fixed_width`` (:mod:`connectors.flat_files`): as CSV, columns cut by width."""

    fields: list[tuple[str, Annotated[int, Field(gt=0)]]] = Field(
        min_length=1, description="`[[column, width], ...]` in record order (widths in characters)"
    )
    header_lines: int = Field(0, ge=0, description="lines to skip at the top of each file")
