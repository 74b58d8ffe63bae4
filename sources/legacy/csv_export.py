"""The local legacy branch system that talks to the world only through CSV files.

It drops customer exports into ``export/`` (``customers_<date>.csv``; German column names, ``PRIV`` /
``FIRMA`` type codes, ``DD.MM.YYYY`` dates, ``;`` delimiter, CRLF) and picks up golden-id files that
the hub writes into ``import/``, and erasure files (``erase_*.csv``: ``KDNR;ACTION`` rows with
``DELETE``): its import job deletes those customers from its data, that is from every export it
still keeps, and marks the file imported (``.imported``).

Encoding and delimiter are settings because real branch systems differ; the default is UTF-8 with
BOM (what Windows tools write and Excel reads), because the customers'
Thai, Chinese and Vietnamese names do not survive a Windows code page such as cp1252.

Connection (Airflow "File (path)" style): ``conn_type="fs"``, ``extra.path`` = the folder holding
``export/`` and ``import/``, plus ``extra.encoding`` / ``extra.delimiter`` so the connector reads the
files the way this system wrote them.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sources.legacy.flat import iso_date, now_utc, utc_timestamp, value

EXPORT_COLUMNS = ["KDNR", "ART", "NACHNAME", "VORNAME", "NAME", "FIRMA", "STRASSE", "PLZ", "ORT", "LAND",
                  "TELEFON", "EMAIL", "GEBDAT", "USTID", "GEAEND"]
ID_COLUMN = "KDNR"
GOLDEN_ID_COLUMN = "GOLDEN_ID"
EXPORT_PATTERN = "customers_*.csv"
IMPORT_PATTERN = "golden_ids_*.csv"
ERASURE_PATTERN = "erase_*.csv"


class LegacyCsvSystem:
    name = "legacy_csv"

    def __init__(self, data_dir: Path, encoding: str = "utf-8-sig", delimiter: str = ";", **_settings: Any):
        self.data_dir = Path(data_dir)
        self.export_dir = self.data_dir / "export"
        self.import_dir = self.data_dir / "import"
        self.export_dir.mkdir(parents=True, exist_ok=True)
        self.import_dir.mkdir(parents=True, exist_ok=True)
        self.encoding, self.delimiter = encoding, delimiter

    # -- exports ---------------------------------------------------------------------------------

    def seed(self, rows: list[dict[str, str]]) -> int:
        self.write_export([to_native(row) for row in rows])
        return len(rows)

    def write_export(self, rows: Iterable[Mapping[str, Any]], filename: str | None = None) -> Path:
        """Drop one export file (native rows); an identical existing export is reused, not duplicated.

        Written under a temporary name and renamed, so a reader never sees a half-written file.
        """
        content = self._render(rows)
        for existing in sorted(self.export_dir.glob(EXPORT_PATTERN)):
            if existing.read_bytes() == content:
                return existing
        path = self.export_dir / (filename or self._free_name(f"customers_{now_utc():%Y-%m-%d}"))
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(content)
        os.replace(tmp, path)
        return path

    def _render(self, rows: Iterable[Mapping[str, Any]]) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, EXPORT_COLUMNS, delimiter=self.delimiter, lineterminator="\r\n",
                                extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
        try:
            return buffer.getvalue().encode(self.encoding)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start:exc.end]
            raise ValueError(f"the export holds {bad!r}, which {self.encoding} cannot encode") from None

    def _free_name(self, stem: str) -> str:
        name, n = f"{stem}.csv", 1
        while (self.export_dir / name).exists():
            n += 1
            name = f"{stem}_{n}.csv"
        return name

    # -- the source-system shape -----------------------------------------------------------------

    def app(self) -> None:
        return None

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        extra = {"path": str(self.data_dir), "encoding": self.encoding, "delimiter": self.delimiter}
        return {"conn_type": "fs", "host": None, "port": None, "login": None, "password": None,
                "schema": None, "extra": extra}

    def import_erasures(self) -> int:
        """The import job for erasure files: delete the customers they name from every export, then
        mark each file imported. Returns how many customers were deleted."""
        erased: set[str] = set()
        files = sorted(self.import_dir.glob(ERASURE_PATTERN))
        for path in files:
            with path.open(encoding=self.encoding, newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter=self.delimiter))
            erased |= {cell_text(row[ID_COLUMN]) for row in rows
                       if (row.get("ACTION") or "").strip() == "DELETE" and row.get(ID_COLUMN)}
        deleted = 0
        for export in sorted(self.export_dir.glob(EXPORT_PATTERN)):
            with export.open(encoding=self.encoding, newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter=self.delimiter))
            kept = [row for row in rows if row.get(ID_COLUMN) not in erased]
            if len(kept) < len(rows):
                deleted += len(rows) - len(kept)
                tmp = export.with_name(export.name + ".part")
                tmp.write_bytes(self._render(kept))
                os.replace(tmp, export)
        for path in files:
            path.rename(path.with_name(path.name + ".imported"))
        return deleted

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        """The record as last exported, overlaid with the latest golden-id file entry pushed for it
        (after the import job took in pending erasure files, as it does before anyone reads the data)."""
        self.import_erasures()
        exported = self._latest(self.export_dir.glob(EXPORT_PATTERN), source_id)
        pushed = self._latest(self.import_dir.glob(IMPORT_PATTERN), source_id)
        if exported is None and pushed is None:
            return None
        return {**(exported or {}), **(pushed or {})}

    def _latest(self, files: Iterable[Path], source_id: str) -> dict[str, str] | None:
        found = None
        for path in sorted(files):  # names sort by date / UTC timestamp
            with path.open(encoding=self.encoding, newline="") as handle:
                for row in csv.DictReader(handle, delimiter=self.delimiter):
                    if row.get(ID_COLUMN) == source_id:
                        found = row
        return found


def cell_text(value: str) -> str:
    """A formula-safe cell back to its value: the ``'`` a writer put before ``= + - @``, tab or CR."""
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value


def to_native(row: Mapping[str, str | None]) -> dict[str, str]:
    """One flat row as the branch system exports it."""
    birth = value(row, "date_of_birth")
    parsed_birth = iso_date(birth)
    changed = utc_timestamp(value(row, "updated_at"))
    return {
        "KDNR": value(row, "source_id") or "",
        "ART": "FIRMA" if value(row, "record_type") == "organization" else "PRIV",
        "NACHNAME": value(row, "family_name") or "",
        "VORNAME": value(row, "given_name") or "",
        "NAME": value(row, "full_name") or "",
        "FIRMA": value(row, "organization_name") or "",
        "STRASSE": value(row, "street") or "",
        "PLZ": value(row, "postal_code") or "",
        "ORT": value(row, "city") or "",
        "LAND": value(row, "country") or "",
        "TELEFON": value(row, "phone") or "",
        "EMAIL": value(row, "email") or "",
        "GEBDAT": parsed_birth.strftime("%d.%m.%Y") if parsed_birth else (birth or ""),
        "USTID": value(row, "tax_id") or "",
        "GEAEND": changed.strftime("%d.%m.%Y %H:%M:%S") if changed else "",
    }
