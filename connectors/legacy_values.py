"""Decoding of legacy value conventions (mixed date formats, one-letter type codes) before validation.

Old systems keep dates as text in whatever format the input screen of the day used and encode the
record type as a code. Converting those values *before* the canonical model sees them keeps the model
strict: a value that none of the configured formats or codes explains is quarantined with exactly that
reason instead of being guessed. The reverse direction (:meth:`LegacyValues.to_legacy`) writes pushed
values back in the system's own convention. Shared by the SQL and the flat-file connectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from connectors.base import Page
from connectors.fixed_width_time import strptime
from connectors.mapping import FieldMapping
from schemas import QuarantinedRecord
from schemas.source_options.legacy import DEFAULT_DATE_FORMATS, DEFAULT_DATETIME_FORMATS, LegacyOptions
from schemas.values import CACHED_VALUES


@lru_cache(maxsize=CACHED_VALUES)
def _date_in(text: str, formats: tuple[str, ...]) -> date | None:
    """The date ``text`` is in the first of ``formats`` that reads it, else ``None``. Remembered:
    ``strptime`` (a failed format raises) was most of the decoding, and birth dates repeat -- the
    same few ten thousand days over a whole customer base."""
    for fmt in formats:
        try:
            return strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class LegacyValues:
    """How one source encodes values; built from a connector's options and field mapping.

    Options read (:class:`schemas.source_options.legacy.LegacyOptions`): ``value_maps``, the date and
    timestamp columns and formats, ``timezone`` (naive legacy timestamps), ``list_columns`` and
    ``list_separator``: old systems keep several numbers in one field.
    """

    value_maps: Mapping[str, Mapping[str, str]]
    date_columns: frozenset[str]
    datetime_columns: frozenset[str]
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    datetime_formats: tuple[str, ...] = DEFAULT_DATETIME_FORMATS
    date_write_format: str = DEFAULT_DATE_FORMATS[0]
    timezone: tzinfo = UTC
    list_columns: frozenset[str] = frozenset()
    list_separator: str = ";"

    @classmethod
    def from_options(cls, options: LegacyOptions, mapping: FieldMapping) -> LegacyValues:
        def mapped_to(*targets: str) -> list[str]:
            return [source for source, canonical in mapping.mapping.items() if canonical in targets]

        return cls(
            value_maps={col: {str(k).strip().upper(): v for k, v in codes.items()}
                        for col, codes in options.value_maps.items()},
            date_columns=frozenset(options.date_columns or mapped_to("date_of_birth")),
            datetime_columns=frozenset(options.datetime_columns or mapped_to("updated_at")),
            date_formats=tuple(options.date_formats),
            datetime_formats=tuple(options.datetime_formats),
            date_write_format=options.date_write_format or options.date_formats[0],
            timezone=ZoneInfo(options.timezone) if options.timezone else UTC,
            list_columns=frozenset(options.list_columns or mapped_to("email", "emails", "phone", "phones")),
            list_separator=options.list_separator,
        )

    # -- source -> canonical -------------------------------------------------------------------

    def convert(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Return a copy of ``row`` with coded and dated columns decoded; ``ValueError`` names the column."""
        out = dict(row)
        for column, codes in self.value_maps.items():
            if column in out:
                out[column] = self._decode_code(column, out[column], codes)
        for column in self.date_columns & out.keys():
            out[column] = self._parse_date(column, out[column])
        for column in self.datetime_columns & out.keys():
            out[column] = self._parse_datetime(column, out[column])
        for column in self.list_columns & out.keys():
            if isinstance(out[column], str):
                out[column] = [v.strip() for v in out[column].split(self.list_separator) if v.strip()]
        return out

    def to_page(self, system: str, mapping: FieldMapping, rows: Iterable[Mapping[str, Any]],
                cursor: str | None) -> Page:
        """Decode, map and validate rows like :meth:`SourceConnector.to_page`, keeping the *stored* values.

        ``raw`` and quarantine payloads hold the row as the legacy system has it (``'03.04.1985'``,
        ``'P'``), not the decoded values, so stewards and lineage see what the source really says.
        """
        page = Page(cursor=cursor)
        for row in rows:
            try:
                record = mapping.to_record(system, self.convert(row))
            except (ValidationError, ValueError, TypeError) as exc:
                page.quarantined.append(QuarantinedRecord.from_error(system, mapping.source_id_of(row), exc,
                                                                     dict(row)))
                continue
            page.records.append(record.model_copy(update={"raw": dict(row)}))
        return page

    def _decode_code(self, column: str, value: Any, codes: Mapping[str, str]) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        key = str(value).strip().upper()
        if key in codes:
            return codes[key]
        if value in codes.values():  # already canonical (e.g. a view that decodes it)
            return value
        raise ValueError(f"{column}: unknown code {value!r} (known: {', '.join(codes)})")

    def _parse_date(self, column: str, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value.date() if isinstance(value, datetime) else value
        text = str(value).strip()
        if not text or set(text) <= {"0", ".", "-"}:  # '00000000' / '00.00.0000': the legacy "unknown"
            return None
        parsed = _date_in(text, self.date_formats)
        if parsed is not None:
            return parsed
        formats = ", ".join(self.date_formats)
        raise ValueError(f"{column}: {value!r} is not a date in any of the formats {formats}")

    def _parse_datetime(self, column: str, value: Any) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, date):
            parsed = datetime(value.year, value.month, value.day)
        else:
            parsed = self._strptime_any(column, str(value).strip())
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.timezone)

    def _strptime_any(self, column: str, text: str) -> datetime:
        for fmt in self.datetime_formats:
            try:
                return strptime(text, fmt)
            except ValueError:
                continue
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{column}: {text!r} is not a timestamp in any of the formats "
                             f"{', '.join(self.datetime_formats)}") from None

    # -- canonical -> source -------------------------------------------------------------------

    def to_legacy(self, column: str, value: Any) -> Any:
        """Encode a pushed canonical value the way the legacy column stores it."""
        if value is None:
            return None
        if column in self.value_maps:
            reverse = {canonical: code for code, canonical in self.value_maps[column].items()}
            return reverse.get(value, value)
        if column in self.date_columns:
            parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
            return parsed.strftime(self.date_write_format)
        if isinstance(value, Sequence) and not isinstance(value, str):
            return "; ".join(str(v) for v in value)
        return value
