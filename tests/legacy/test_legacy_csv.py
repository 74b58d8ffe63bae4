"""The CSV export system and CsvFolderConnector: encodings, exactly-once files, resume, push files."""

from __future__ import annotations

import os
from datetime import date

import pytest

from connectors.base import ConnectorError, PushUpdate
from connectors.flat_files import CsvFolderConnector, FixedWidthFolderConnector
from sources.legacy import LegacyCsvSystem
from sources.legacy.csv_export import to_native


@pytest.fixture
def connect(make_config, credentials_of):
    def build(system: LegacyCsvSystem, page_size: int = 3, **options) -> CsvFolderConnector:
        return CsvFolderConnector(make_config("legacy_csv", "csv", page_size, **options),
                                  credentials_of(system.connection(None)))
    return build


def ids(pages):
    return [r.source_id for page in pages for r in page.records]


def test_seed_writes_one_export_idempotently(tmp_path, rows):
    system = LegacyCsvSystem(tmp_path)
    assert system.seed(rows) == len(rows) and system.seed(rows) == len(rows)
    [export] = list(system.export_dir.glob("customers_*.csv"))
    raw = export.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfKDNR;ART;") and b"\r\n" in raw
    assert system.inspect("K-1006")["ART"] == "FIRMA" and system.inspect("K-1001")["GEBDAT"] == "29.02.1980"
    assert system.connection(None)["conn_type"] == "fs" and system.app() is None


def test_pull_default_utf8_export(tmp_path, rows, connect, valid_ids):
    system = LegacyCsvSystem(tmp_path)
    system.seed(rows)
    connector = connect(system)
    connector.check()
    pages = list(connector.pull(None))
    assert ids(pages) == valid_ids
    records = {r.source_id: r for p in pages for r in p.records}
    assert records["K-1003"].given_name == "สมชาย" and records["K-1004"].full_name == "陳大文"
    assert records["K-1001"].date_of_birth == date(1980, 2, 29) and records["K-1001"].updated_at.year == 2026
    assert records["K-1001"].phones == ["+49301234567", "+491712345678"]
    assert records["K-1006"].record_type == "organization"
    assert records["K-1008"].given_name.startswith("Robert');")
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == "K-1007" and "not-an-e-mail" in bad.reason


@pytest.mark.parametrize(("encoding", "delimiter", "ids_", "name"), [
    ("cp1251", ",", ["K-1002"], "Иван"),
    ("cp1252", ";", ["K-1001", "K-1006"], "Jürgen"),
    ("utf-8", ",", ["K-1002", "K-1005"], "Иван"),
])
def test_configured_encodings_and_delimiters(tmp_path, rows, connect, encoding, delimiter, ids_, name):
    system = LegacyCsvSystem(tmp_path, encoding=encoding, delimiter=delimiter)
    system.seed([r for r in rows if r["source_id"] in ids_])
    pages = list(connect(system, encoding=encoding, delimiter=delimiter).pull(None))
    assert ids(pages) == ids_ and pages[0].records[0].given_name == name
    assert not [q for p in pages for q in p.quarantined]


def test_text_the_encoding_cannot_hold_is_refused_at_export(tmp_path, rows):
    with pytest.raises(ValueError, match="cp1252 cannot encode"):
        LegacyCsvSystem(tmp_path, encoding="cp1252").seed(rows)


def test_undecodable_and_malformed_lines_are_quarantined_rest_kept(tmp_path, rows, connect):
    system = LegacyCsvSystem(tmp_path, encoding="utf-8")
    path = system.write_export([to_native(r) for r in rows[:3]], filename="customers_2026-11-01.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(2, "K-2001;PRIV;Müller;Hans;;;;;;DE;;;;;".encode("cp1252"))  # a cp1252 line in a UTF-8 file
    lines.insert(3, b"K-2002;PRIV;Short")
    lines.insert(4, b'K-2003;PRIV;Lang;Eva;;;"Erste Zeile\r\nZweite Zeile";10115;Berlin;DE;;;;;')
    path.write_bytes(b"\r\n".join(lines))
    pages = list(connect(system, page_size=50).pull(None))
    assert ids(pages) == ["K-1001", "K-2003", "K-1002", "K-1003"]
    street = next(r for r in pages[0].records if r.source_id == "K-2003").addresses[0].street
    assert street == "Erste Zeile Zweite Zeile"
    reasons = {q.source_id: q.reason for q in pages[0].quarantined}
    assert "line 3: bytes fc" in reasons["K-2001"] and "not valid utf-8" in reasons["K-2001"]
    assert "line 4: expected 15 fields, got 3" in reasons["K-2002"]
    assert all(r.startswith("customers_2026-11-01.csv line") for r in reasons.values())


def test_each_file_once_and_changed_files_again(tmp_path, rows, connect):
    system = LegacyCsvSystem(tmp_path)
    first = system.write_export([to_native(r) for r in rows[:2]], filename="customers_2026-11-01.csv")
    connector = connect(system)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    system.write_export([to_native(r) for r in rows[2:4]], filename="customers_2026-11-02.csv")
    pages = list(connector.pull(cursor))
    assert ids(pages) == ["K-1003", "K-1004"]
    cursor = pages[-1].cursor
    changed = [to_native(r) for r in rows[:2]]
    changed[0]["ORT"] = "Potsdam"
    first.unlink()
    system.write_export(changed, filename=first.name)  # rewritten under the same name
    pages = list(connector.pull(cursor))
    assert ids(pages) == ["K-1001", "K-1002"] and pages[0].records[0].addresses[0].city == "Potsdam"


def test_crash_mid_file_resumes_after_last_stored_page(tmp_path, rows, flat_row, connect):
    system = LegacyCsvSystem(tmp_path)
    many = [to_native(flat_row(f"K-{3000 + n}", given_name=f"Name{n}", family_name="Ng", country="VN"))
            for n in range(11)]
    system.write_export(many, filename="customers_2026-11-01.csv")
    system.write_export([to_native(r) for r in rows[:2]], filename="customers_2026-11-02.csv")
    full = list(connect(system, page_size=4).pull(None))
    assert [len(p.records) for p in full] == [4, 4, 3, 2]
    assert '"done": {}' in full[1].cursor  # a file counts as processed only with its last page
    resumed = list(connect(system, page_size=4).pull(full[1].cursor))
    assert ids(full[:2]) + ids(resumed) == ids(full)
    assert len(set(ids(full))) == 13


def test_push_writes_one_import_file_per_distinct_content(tmp_path, rows, connect):
    system = LegacyCsvSystem(tmp_path)
    system.seed(rows)
    connector = connect(system)
    updates = [PushUpdate("K-1002", "G-2", {"emails": ["ivan@example.bg"], "date_of_birth": "1975-12-31",
                                            "updated_at": "2030-01-01T00:00:00"}),
               PushUpdate("K-1001", "G-1", {"family_name": "Müller-Lüdenscheidt", "record_type": "person"})]
    assert sorted(connector.push(updates).pushed) == ["K-1001", "K-1002"]
    assert connector.push(list(reversed(updates))).pushed  # same content again: no second file
    [pushed] = list(system.import_dir.glob("golden_ids_*.csv"))
    text = pushed.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "KDNR;GOLDEN_ID;ART;NACHNAME;EMAIL;GEBDAT"
    assert "K-1001;G-1;PRIV;Müller-Lüdenscheidt;;" in text and "GEAEND" not in text
    ivan = system.inspect("K-1002")
    assert (ivan["GOLDEN_ID"], ivan["GEBDAT"], ivan["EMAIL"]) == ("G-2", "31.12.1975", "ivan@example.bg")
    connector.push([PushUpdate("K-1002", "G-9", {})])
    assert len(list(system.import_dir.glob("golden_ids_*.csv"))) == 2
    assert system.inspect("K-1002")["GOLDEN_ID"] == "G-9" and system.inspect("K-1002")["NAME"] == ""
    assert not [p for p in system.import_dir.iterdir() if p.name.endswith(".part")]


def test_push_fails_records_the_file_encoding_cannot_hold(tmp_path, rows, connect):
    system = LegacyCsvSystem(tmp_path, encoding="cp1252")
    system.seed(rows[:1])
    result = connect(system).push([PushUpdate("K-1001", "G-1", {"given_name": "Jürgen"}),
                                   PushUpdate("K-1003", "G-3", {"given_name": "สมชาย"})])
    assert result.pushed == ["K-1001"] and "cannot be written in cp1252" in result.failed["K-1003"]
    assert system.inspect("K-1001")["GOLDEN_ID"] == "G-1"


def test_check_and_configuration_errors(tmp_path, connect):
    system = LegacyCsvSystem(tmp_path)
    connector = connect(system)
    os.rmdir(system.import_dir)
    with pytest.raises(ConnectorError, match="cannot write import folder"):
        connector.check()
    with pytest.raises(ValueError, match="not ASCII-compatible"):
        connect(system, encoding="utf-16")


def test_fixed_width_export(tmp_path, make_config):
    export = tmp_path / "export"
    export.mkdir()
    layout = [["KDNR", 8], ["ART", 5], ["NACHNAME", 12], ["VORNAME", 10], ["LAND", 2], ["GEBDAT", 10]]
    lines = ["CUSTOMER EXPORT 2026-11-01",
             "F-1     PRIV Петров      Иван      BG31.12.1975",
             "F-2     PRIV Nguyễn Thị  Hương     VN",  # trailing blanks trimmed by the exporter
             "F-3     PRIV Far         Too       DE01.01.1970 overflow",
             "F-4     FIRMAAcme Ltd              GB"]
    (export / "customers.txt").write_bytes("\r\n".join(lines).encode("utf-8"))
    config = make_config("legacy_fw", "fixed_width", 2, export_dir=str(export),
                         import_dir=str(tmp_path / "import"), pattern="*.txt", encoding="utf-8",
                         fields=layout, header_lines=1)
    pages = list(FixedWidthFolderConnector(config).pull(None))
    assert ids(pages) == ["F-1", "F-2", "F-4"] and len(pages) == 2
    records = {r.source_id: r for p in pages for r in p.records}
    assert (records["F-1"].family_name, records["F-1"].date_of_birth) == ("Петров", date(1975, 12, 31))
    assert records["F-2"].given_name == "Hương" and records["F-4"].record_type == "organization"
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == "F-3" and "line 4: line has 56 characters, the layout 47" in bad.reason
