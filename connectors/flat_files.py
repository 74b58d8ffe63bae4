"""Folder of CSV exports -> canonical records; golden ids back as a CSV file in an import folder.

Built for systems whose only interface is files. Each export file is processed exactly once: the
cursor is JSON holding ``{file name: fingerprint}`` of completed files (``sha256`` of the content by
default, or ``stat`` = size + mtime for huge folders) plus the byte offset reached in the file being
read. A file counts as processed only in the cursor of its *last* page, so a crash mid-file resumes at
the byte after the last stored page; a file rewritten under the same name has a new fingerprint and is
read again.

Files are read as bytes, one physical line at a time, and each line is decoded on its own: a line that
is not valid in the configured encoding is quarantined with the offending bytes while the rest of the
file is kept, and a large file is never loaded whole. This needs an ASCII-compatible encoding (UTF-8,
Windows/ISO code pages, KOI8 ...); a file with a UTF-16/32 byte order mark is read through a UTF-8
copy. Quoted fields may span lines.

Options (:class:`schemas.source_options.CsvOptions`, ``FixedWidthOptions``): ``export_dir`` /
``import_dir`` (default ``<extra.path>/export`` and ``<extra.path>/import`` of the ``fs`` connection),
``pattern``, ``encoding`` and ``delimiter`` (when not set: the connection's ``extra``, else
``utf-8-sig`` and ``;``), ``fingerprint``, ``golden_id_column``, ``max_line_bytes`` (1 MiB: a longer
line is quarantined on its own), plus the value-decoding options of
:class:`connectors.legacy_values.LegacyValues`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from connectors.base import ConnectorError, Page, PushResult, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.erasure_files import ErasureFiles
from connectors.legacy_values import LegacyValues
from schemas import QuarantinedRecord, SourceConfig
from schemas.csv_safe import safe_cell
from schemas.quarantine import describe_error
from schemas.source_options import CsvOptions, FixedWidthOptions

#: A quoted field spanning more lines than this is taken to be an unbalanced quote, not data.
MAX_RECORD_LINES = 50
#: Byte order marks of the wide Unicode encodings, longest first (UTF-32 LE starts like UTF-16 LE).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Of an over-long line, the start kept in the quarantine (it names the record's id).
LINE_START_KEPT = 2_000
IMPORT_PREFIX = "golden_ids_"


@dataclass
class FolderState:
    """The connector's cursor: completed files and the position inside the file being read."""

    done: dict[str, str] = field(default_factory=dict)
    file: str | None = None
    fingerprint: str | None = None
    offset: int = 0
    line: int = 0

    @classmethod
    def decode(cls, cursor: str | None) -> FolderState:
        if not cursor:
            return cls()
        try:
            return cls(**json.loads(cursor))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a CSV folder cursor: {cursor!r}") from exc

    def encode(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False)

    def resumes(self, name: str, fingerprint: str) -> bool:
        return self.file == name and self.fingerprint == fingerprint

    def reading(self, name: str, fingerprint: str, offset: int, line: int) -> str:
        self.file, self.fingerprint, self.offset, self.line = name, fingerprint, offset, line
        return self.encode()

    def finished(self, name: str, fingerprint: str) -> str:
        self.done[name] = fingerprint
        self.file, self.fingerprint, self.offset, self.line = None, None, 0, 0
        return self.encode()


@dataclass
class RawRecord:
    """One record as read from the file: its fields, or why it could not be read."""

    line: int  # physical line the record starts on (1-based)
    end: int  # byte offset just after it
    text: str
    fields: list[str] | None = None
    error: str | None = None


class CsvFolderConnector(SourceConnector):
    """CSV files dropped by a legacy branch system (see :mod:`sources.legacy.csv_export`)."""

    default_mapping = {
        "KDNR": "source_id", "ART": "record_type", "VORNAME": "given_name", "NACHNAME": "family_name",
        "NAME": "full_name", "FIRMA": "organization_name", "STRASSE": "street", "PLZ": "postal_code",
        "ORT": "city", "LAND": "country", "TELEFON": "phone", "EMAIL": "email", "GEBDAT": "date_of_birth",
        "USTID": "tax_id", "GEAEND": "updated_at",
    }
    options_model: type[CsvOptions] = CsvOptions

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = self.options_model.for_source(config.name, config.options)
        self.encoding: str = codecs.lookup(self._set_or_connection("encoding")).name
        self.delimiter: str = self._set_or_connection("delimiter")
        _require_ascii_compatible(self.encoding, self.delimiter)
        self.export_dir = self._folder(self.options.export_dir, "export")
        self.import_dir = self._folder(self.options.import_dir, "import")
        self.values = LegacyValues.from_options(self.options, self.mapping)
        self.id_column = self._mapped_from("source_id")
        self.max_line_bytes = self.options.max_line_bytes
        #: The header's number of columns, once read: a multi-line record must have as many.
        self.expected_fields: int | None = None
        #: shapes of the first values of the current file's rows ("K-1001" -> "A-9"), see _swallows_rows
        self._row_shapes: set[str] = set()
        # the csv module's own field limit (128 KiB) would fail the whole file on one long field
        csv.field_size_limit(max(csv.field_size_limit(), self.max_line_bytes * MAX_RECORD_LINES))

    def _set_or_connection(self, option: str) -> str:
        """The option when the YAML sets it, else the connection's ``extra`` value, else the default."""
        if option in self.options.model_fields_set:
            return str(getattr(self.options, option))
        return str(self.credentials.extra.get(option) or getattr(self.options, option))

    def _folder(self, configured: str | None, default_name: str) -> Path:
        if configured:
            return Path(configured)
        base = self.credentials.extra.get("path") or self.credentials.host
        if not base:
            raise ValueError(
                f"source {self.name!r}: set options.{default_name}_dir or the connection's extra.path"
            )
        return Path(base) / default_name

    def _mapped_from(self, target: str) -> str:
        for source_field, canonical in self.mapping.mapping.items():
            if canonical == target:
                return source_field
        raise ValueError(f"source {self.name!r}: no column is mapped to {target!r}")

    def check(self) -> None:
        if not self.export_dir.is_dir() or not os.access(self.export_dir, os.R_OK | os.X_OK):
            raise ConnectorError(self.name, "check", f"cannot read export folder {self.export_dir}")
        writable = self.import_dir.is_dir() and os.access(self.import_dir, os.W_OK)
        if self.config.push_back and not writable:
            raise ConnectorError(self.name, "check", f"cannot write import folder {self.import_dir}")

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Page]:
        state = FolderState.decode(cursor)
        for path in sorted(p for p in self.export_dir.glob(self.options.pattern) if p.is_file()):
            fingerprint = self._fingerprint(path)
            if state.done.get(path.name) != fingerprint:
                yield from self._pull_file(path, fingerprint, state)

    def _fingerprint(self, path: Path) -> str:
        if self.options.fingerprint == "stat":
            stat = path.stat()
            return f"stat:{stat.st_size}:{stat.st_mtime_ns}"
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return f"sha256:{digest.hexdigest()}"

    def _pull_file(self, path: Path, fingerprint: str, state: FolderState) -> Iterator[Page]:
        with self._open_export(path) as handle:
            header, header_lines = self._read_header(handle)
            if isinstance(header, RawRecord) or header is None:
                bad = [self._quarantine(path, header, None, header.error or "?")] if header else []
                yield Page(quarantined=bad, cursor=state.finished(path.name, fingerprint))
                return
            self.expected_fields = len(header)
            if state.resumes(path.name, fingerprint):
                handle.seek(state.offset)
                records = self._records(handle, state.line)
            else:
                records = self._records(handle, header_lines)
            batch: list[RawRecord] = []
            for record in records:
                if len(batch) == self.config.page_size:  # only now is it known that this page is not the last
                    end = batch[-1]
                    yield self._page(path, header, batch, state.reading(path.name, fingerprint, end.end,
                                                                        end.line + end.text.count("\n") - 1))
                    batch = []
                batch.append(record)
            yield self._page(path, header, batch, state.finished(path.name, fingerprint))

    @contextmanager
    def _open_export(self, path: Path) -> Iterator[BinaryIO]:
        """The export as bytes in the configured encoding. A file starting with a UTF-16 or UTF-32 byte
        order mark (Excel's "Unicode text") is read through a UTF-8 copy, made streaming into a
        temporary file: byte offsets in the cursor then refer to that copy, which is the same each time.
        Read with the configured encoding, its header would be garbage and its rows lost."""
        with path.open("rb") as raw:
            head = raw.read(4)
            wide = next((encoding for bom, encoding in _WIDE_BOMS if head.startswith(bom)), None)
            raw.seek(0)
            if wide is None:
                yield raw
                return
            configured = self.encoding
            with tempfile.TemporaryFile() as copy:
                reader = codecs.getreader(wide)(raw)
                while chunk := reader.read(1 << 16):
                    copy.write(chunk.encode("utf-8"))
                copy.seek(0)
                self.encoding = "utf-8"  # this file's lines are decoded as the copy is written
                try:
                    yield copy
                finally:
                    self.encoding = configured

    def _read_header(self, handle: BinaryIO) -> tuple[list[str] | RawRecord | None, int]:
        """Column names and the lines they took; or the unreadable header record (``None``: empty file)."""
        record = next(self._records(handle, 0), None)
        if record is None or record.fields is None:
            return record, 0
        names = [name.strip().lstrip("\ufeff") for name in record.fields]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:  # a column read twice keeps only its last value: refuse the file, say why
            return RawRecord(record.line, record.end, record.text,
                             error=f"duplicate column names {', '.join(repeated)}: fix the export"), 0
        return names, record.text.count("\n") or 1

    def _continues(self, pending: list[str]) -> bool:
        """Whether the record goes on in the next line: a quoted field is still open. A quote opens a
        field only where the field starts; inside an unquoted field (O"BRIEN, 5" APT) it is a letter,
        as the csv module reads it."""
        text = "".join(pending)
        return '"' in text and _quote_open(text, self.delimiter)

    def _split(self, lines: list[str]) -> list[str]:
        rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=self.delimiter, strict=True))
        if len(rows) != 1:
            raise ValueError(f"{len(rows)} rows where one record was expected")
        return rows[0]

    def _split_leniently(self, text: str) -> list[str]:
        """Best-effort fields of a rejected record, only to name its id in the quarantine."""
        return next(csv.reader([text], delimiter=self.delimiter), [])

    def _lines(self, handle: BinaryIO, line_no: int) -> Iterator[tuple[int, int, str, str | None]]:
        """(line number, offset after it, text, error) per physical line; a line is decoded on its own
        and read at most ``max_line_bytes`` at a time, so one bad or endless line costs that line."""
        limit = self.max_line_bytes
        while raw := handle.readline(limit + 1):
            line_no += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                while (rest := handle.readline(limit + 1)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the line, never holding more than the limit
                start = raw[:LINE_START_KEPT].decode(self.encoding, errors="replace")  # names the record
                yield line_no, handle.tell(), start, f"line {line_no}: longer than {limit} bytes"
                continue
            try:
                yield line_no, handle.tell(), raw.decode(self.encoding), None
            except UnicodeDecodeError as exc:
                bad = raw[exc.start:exc.end].hex(" ")
                yield line_no, handle.tell(), raw.decode(self.encoding, errors="replace"), (
                    f"line {line_no}: bytes {bad} at byte {exc.start + 1} are not valid {self.encoding}"
                )

    def _records(self, handle: BinaryIO, line_no: int) -> Iterator[RawRecord]:
        """Physical lines -> records, each stored or quarantined with its first line's number. A quoted
        field still open after ``MAX_RECORD_LINES`` lines, at a bad line or at the end of the file
        quarantines its first line only; the lines after it are read again, one record at a time, so
        no customer's row is ever glued to another's or lost with it."""
        lines = self._lines(handle, line_no)
        again: deque[tuple[int, int, str, str | None]] = deque()
        pending: list[tuple[int, int, str, str | None]] = []
        self._row_shapes = set()
        while True:
            item = again.popleft() if again else next(lines, None)
            if item is None or (pending and item[3] is not None):  # the open quote meets EOF or a bad line
                if pending:
                    first, *rest = pending
                    pending = []
                    again.extendleft(reversed([*rest, *([item] if item else [])]))
                    yield RawRecord(first[0], first[1], first[2],
                                    error=f"line {first[0]}: quoted field never closed")
                    continue
                return
            number, end, text, error = item
            if error is not None:
                yield RawRecord(number, end, text, error=error)
                continue
            if not pending and len(self._row_shapes) < MAX_ROW_SHAPES and text.strip():
                self._row_shapes.add(_shape(text.split(self.delimiter, 1)[0]))
            pending.append(item)
            texts = [p[2] for p in pending]
            if self._continues(texts):
                if len(pending) < MAX_RECORD_LINES:
                    continue
                first, *rest = pending
                pending = []
                again.extendleft(reversed(rest))
                reason = f"line {first[0]}: quoted field not closed within {MAX_RECORD_LINES} lines"
                yield RawRecord(first[0], first[1], first[2], error=reason)
                continue
            record, pending = pending, []
            joined = "".join(texts)
            if len(record) == 1 and not joined.strip():
                continue
            try:
                fields = self._split(texts)
            except (csv.Error, ValueError) as exc:
                if len(record) == 1:
                    yield RawRecord(record[0][0], record[-1][1], joined, error=f"line {record[0][0]}: {exc}")
                    continue
                fields = None
            if len(record) > 1 and (fields is None or self._swallows_rows(fields, texts)):
                # a quote opened in one row and closed in a later one: the first row is broken, the
                # rows it swallowed are customers of their own, read again one by one
                first, *rest = record
                again.extendleft(reversed(rest))
                reason = f"line {first[0]}: a quoted field runs into the rows after it"
                yield RawRecord(first[0], first[1], first[2], error=reason)
                continue
            yield RawRecord(record[0][0], record[-1][1], joined, fields=fields)

    def _swallows_rows(self, fields: list[str], lines: list[str]) -> bool:
        """Whether a record of several lines is really a broken quote over whole rows: it has another
        number of fields than the header, or a later line is shaped like a row — it starts with a value
        shaped like the first value of a row seen before in this file (ids of one export share a
        format: "K-1001", "K-2003"; the record's own first line may itself be the broken tail of a quote)
        or holds half or more of a row's delimiters (free text running over lines, an address's second
        line, has a few at most)."""
        expected = self.expected_fields
        if expected is None:
            return False
        row_like = max(2, (expected - 1) // 2)
        id_shapes = self._row_shapes | {_shape(lines[0].split(self.delimiter, 1)[0])}
        starts_like_a_row = any(
            self.delimiter in line and _shape(line.split(self.delimiter, 1)[0]) in id_shapes
            for line in lines[1:]
        )
        # (the last line goes on with the row's own fields after the quote closes: not counted)
        holds_a_row = any(line.count(self.delimiter) >= row_like for line in lines[1:-1])
        rows_inside = starts_like_a_row or holds_a_row
        return len(fields) != expected or rows_inside

    def _page(self, path: Path, header: list[str], batch: list[RawRecord], cursor: str) -> Page:
        rows: list[dict[str, Any]] = []
        bad: list[QuarantinedRecord] = []
        for record in batch:
            if record.fields is None:
                bad.append(self._quarantine(path, record, header, record.error or "unreadable"))
            elif len(record.fields) != len(header):
                reason = f"line {record.line}: expected {len(header)} fields, got {len(record.fields)}"
                bad.append(self._quarantine(path, record, header, reason))
            else:
                rows.append({**dict(zip(header, record.fields, strict=True)),
                             "_file": path.name, "_line": record.line})
        page = self.values.to_page(self.name, self.mapping, rows, cursor)
        page.quarantined.extend(bad)
        return page

    def _quarantine(self, path: Path, record: RawRecord, header: list[str] | None,
                    reason: str) -> QuarantinedRecord:
        source_id = None
        if header and self.id_column in header:
            fields = self._split_leniently(record.text.strip("\r\n"))
            position = header.index(self.id_column)
            source_id = (fields[position].strip() or None) if position < len(fields) else None
        return QuarantinedRecord(source_system=self.name, source_id=source_id, reason=f"{path.name} {reason}",
                                 payload={"_file": path.name, "_line": record.line, "text": record.text})

    # -- push ------------------------------------------------------------------------------------

    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        """Write ``golden_ids_<UTC timestamp>.csv`` (id, golden id, surviving fields) into the import folder.

        Records the file's encoding cannot hold fail individually. If the content equals the latest
        file already there, nothing is written: pushing the same updates twice is a no-op.
        """
        result = PushResult()
        rows: dict[str, dict[str, Any]] = {}
        # The id is the key, and the change stamp is the system's own, never the hub's.
        skipped = {self.id_column, *self.values.datetime_columns}
        golden_column = self.options.golden_id_column
        for item in updates:
            try:
                values = {col: self.values.to_legacy(col, value)
                          for col, value in self.mapping.to_source(item.fields).items() if col not in skipped}
                row = {self.id_column: item.source_id, golden_column: item.golden_id, **values}
                self._encode([row], list(row))
            except (ValueError, TypeError) as exc:
                result.failed[item.source_id] = describe_error(exc)
                continue
            rows[item.source_id] = row
        if not rows:
            return result
        present = {col for row in rows.values() for col in row}
        columns = [self.id_column, golden_column, *(c for c in self.mapping.mapping if c in present - {
            self.id_column, golden_column})]
        content = self._encode([rows[key] for key in sorted(rows)], columns, header=True)
        try:
            self._write_import(content)
        except OSError as exc:
            raise ConnectorError(self.name, "push", f"cannot write into {self.import_dir}: {exc}") from exc
        result.pushed.extend(rows)
        return result

    def delete(self, source_ids: Sequence[str]) -> PushResult:
        """Erasure: an ``erase_*.csv`` file for the system's import job, and the ids wiped from the
        golden-id files the hub wrote (:mod:`connectors.erasure_files`)."""
        files = ErasureFiles(self.import_dir, self.id_column, self.delimiter, self.encoding, IMPORT_PREFIX)
        try:
            files.deliver(source_ids)
        except (OSError, UnicodeError) as exc:
            raise ConnectorError(self.name, "delete", f"cannot write into {self.import_dir}: {exc}") from exc
        return PushResult(pushed=list(source_ids))

    def _encode(self, rows: Iterable[dict[str, Any]], columns: list[str], header: bool = False) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, columns, delimiter=self.delimiter, lineterminator="\r\n")
        if header:
            writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
        try:
            return buffer.getvalue().encode(self.encoding)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start:exc.end]
            raise ValueError(f"{bad!r} cannot be written in {self.encoding}") from None

    def _write_import(self, content: bytes) -> Path | None:
        existing = sorted(self.import_dir.glob(f"{IMPORT_PREFIX}*.csv"))
        if existing and existing[-1].read_bytes() == content:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.import_dir / f"{IMPORT_PREFIX}{stamp}.csv"
        tmp = self.import_dir / f".{path.name}.part"  # renamed when complete: no reader sees half a file
        tmp.write_bytes(content)
        os.replace(tmp, path)
        return path


#: Shapes of rows' first values remembered per file: a few id formats, not every broken line's.
MAX_ROW_SHAPES = 8


def _shape(value: str) -> str:
    """A value's shape: runs of digits as 9, of letters as A, other characters kept ("K-1001" -> "A-9")."""
    shape = re.sub(r"[^\W\d_]+", "A", re.sub(r"\d+", "9", value.strip().strip('"')))
    return shape


def _quote_open(text: str, delimiter: str) -> bool:
    """Whether a quoted field is still open at the end of ``text`` (RFC 4180 as the csv module reads
    it: a quote opens a field only at its start, "" inside quotes is one quote)."""
    in_quotes, field_start, i = False, True, 0
    while i < len(text):
        char = text[i]
        if in_quotes:
            if char == '"':
                if text.startswith('"', i + 1):
                    i += 1
                else:
                    in_quotes, field_start = False, False
        elif char == '"' and field_start:
            in_quotes = True
        else:
            field_start = char in (delimiter, "\r", "\n")
        i += 1
    return in_quotes


def _require_ascii_compatible(encoding: str, delimiter: str) -> None:
    plain = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM aside, utf-8-sig is UTF-8
    for char in ("\n", '"', delimiter):
        if char.encode(plain) != char.encode("ascii"):
            raise ValueError(f"encoding {encoding!r} is not ASCII-compatible; line-by-line reading needs one "
                             "(UTF-8, a Windows or ISO code page, KOI8 ...)")


class FixedWidthFolderConnector(CsvFolderConnector):
    """Folder of fixed-width exports (mainframe / COBOL style): same cursor, paging and push as CSV.

    Options: ``fields`` = ``[[column, width], ...]`` in record order (required) and ``header_lines``
    (lines to skip at the top, default 0). Widths count characters after decoding; values are stripped;
    a line shorter than the layout is padded (trailing blanks are often trimmed), a longer one is
    quarantined. Golden ids go back as a CSV file exactly like :class:`CsvFolderConnector`.
    """

    options_model = FixedWidthOptions
    options: FixedWidthOptions

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.layout = list(self.options.fields)
        self.record_length = sum(width for _, width in self.layout)

    def _read_header(self, handle: BinaryIO) -> tuple[list[str] | RawRecord | None, int]:
        skip = self.options.header_lines
        for _ in range(skip):
            handle.readline()
        return [name for name, _ in self.layout], skip

    def _continues(self, pending: list[str]) -> bool:
        return False

    def _split(self, lines: list[str]) -> list[str]:
        line = lines[0].rstrip("\r\n")
        if len(line) > self.record_length:
            raise ValueError(f"line has {len(line)} characters, the layout {self.record_length}")
        return self._split_leniently(line)

    def _split_leniently(self, text: str) -> list[str]:
        fields, start = [], 0
        for _, width in self.layout:
            fields.append(text[start:start + width].strip())
            start += width
        return fields
