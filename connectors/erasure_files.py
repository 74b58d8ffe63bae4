"""Erasure for systems whose only interface is files (CSV and fixed-width exports).

The hub cannot delete in such a system, so it hands the system a file its import job reads: one
``erase_<UTC timestamp>.csv`` in the import folder, holding the ids to delete (``<id column>;ACTION``
with ``DELETE``), in the encoding and delimiter the system uses, each cell formula-safe (a value
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``: people open
these files in spreadsheets). And it wipes the person from the files it wrote there itself: the rows
of the golden-id push-back files (``golden_ids_*.csv``) that hold the person's surviving values.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from schemas.csv_safe import safe_cell

ERASURE_PREFIX = "erase_"
ACTION_COLUMN, DELETE_ACTION = "ACTION", "DELETE"


@dataclass(frozen=True)
class ErasureFiles:
    """The import folder of one file-based system, and how that system writes its files."""

    import_dir: Path
    id_column: str
    delimiter: str
    encoding: str
    #: File-name prefix of the hub's own push-back files in ``import_dir``.
    pushed_prefix: str

    def deliver(self, source_ids: Sequence[str]) -> Path:
        """Write the erasure file for ``source_ids`` and wipe them from the hub's push-back files."""
        path = self.write(source_ids)
        self.scrub_pushed(set(source_ids))
        return path

    def write(self, source_ids: Sequence[str]) -> Path:
        rows = [{self.id_column: sid, ACTION_COLUMN: DELETE_ACTION} for sid in sorted(set(source_ids))]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.import_dir / f"{ERASURE_PREFIX}{stamp}.csv"
        _replace(path, self._encode([self.id_column, ACTION_COLUMN], rows))
        return path

    def scrub_pushed(self, source_ids: set[str]) -> int:
        """Rewrite every push-back file holding one of ``source_ids`` without those rows (a file left
        with no row is removed); returns how many files changed."""
        changed = 0
        for path in sorted(self.import_dir.glob(f"{self.pushed_prefix}*.csv")):
            with path.open(encoding=self.encoding, newline="") as handle:
                reader = csv.DictReader(handle, delimiter=self.delimiter)
                columns, rows = list(reader.fieldnames or []), list(reader)
            kept = [row for row in rows if row.get(self.id_column) not in source_ids]
            if len(kept) == len(rows):
                continue
            changed += 1
            if kept:
                _replace(path, self._encode(columns, kept, formula_safe=False))
            else:
                path.unlink()
        return changed

    def _encode(self, columns: list[str], rows: Iterable[dict[str, str]], formula_safe: bool = True) -> bytes:
        """``formula_safe=False`` only for rows read back from a file the hub wrote safe already (a
        second ``'`` would change the value)."""
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, columns, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()} if formula_safe else row)
        return buffer.getvalue().encode(self.encoding, errors="strict")


def _replace(path: Path, content: bytes) -> None:
    """Written under a temporary name and renamed: the import job never reads half a file."""
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(content)
    os.replace(tmp, path)
