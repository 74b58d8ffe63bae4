"""``crmhub sync`` with the generic SQL connector on the ERP-shaped schema (issue 18 items 4 and 5): a
push field the target cannot take stops the sync before any work (exit 2, naming source, field and
why); a push the database refuses fails that record only, the others are written *and recorded*, and
the sync exits 1 saying how many failed and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crmhub.cli import main
from tests.sql_generic.conftest import ERP_MAPPING, EXAMPLE, erp_options


@pytest.fixture
def configure(erp, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMHUB_CONN_CRMHUB_ERP_SQL", json.dumps(erp.connection))
    monkeypatch.delenv("CRMHUB_DATABASE_URL", raising=False)

    def write(push_fields: list[str]) -> Path:
        path = tmp_path / "crmhub.yaml"
        path.write_text(yaml.safe_dump({
            "database_url": f"sqlite:///{tmp_path}/hub.db",
            "sources": [{"name": "erp_sql", "kind": "sql", "connection_id": "crmhub_erp_sql", "page_size": 2,
                         "push_fields": push_fields, "mapping": ERP_MAPPING, "options": erp_options()}],
        }), encoding="utf-8")
        assert main(["--config", str(path), "db-upgrade"]) == 0
        return path
    return write


def sync(path: Path, capsys) -> tuple[int, dict, str]:
    code = main(["--config", str(path), "sync", "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out[out.index("{"):]) if "{" in out else {}, err


def test_a_push_field_without_a_place_stops_the_sync_before_any_work(erp, configure, capsys):
    path = configure(["emails", "tax_id"])
    code, _summary, err = sync(path, capsys)
    assert code == 2
    assert "source 'erp_sql': push field 'tax_id'" in err and "TAXNO" in err, err
    assert "'emails'" not in err  # the e-mail child table takes them
    assert erp.rows("SELECT COUNT(*) FROM party_identifier") == [(0,)]
    assert main(["--config", str(path), "quarantine"]) == 0 and capsys.readouterr().out == ""


def test_a_refused_push_fails_its_record_and_the_written_ones_are_recorded(erp, configure, capsys):
    path = configure(["emails", "phones"])
    code, summary, err = sync(path, capsys)
    assert code == 1, err
    assert "publish:erp_sql: 1 push(es) failed" in err and "no_identifier_for_party_3" in err.lower(), err
    stats = summary["published"]["erp_sql"]
    assert (stats["pushed"], stats["failed"]) == (3, 1) and list(stats["failures"]) == ["3"]
    written = erp.rows("SELECT party FROM party_identifier ORDER BY party")
    assert written == [(1,), (2,), (4,)]
    # the next sync pushes only the failed record again: the written ones were recorded as pushed
    code, summary, err = sync(path, capsys)
    assert code == 1 and "1 push(es) failed" in err
    stats = summary["published"]["erp_sql"]
    assert (stats["pushed"], stats["failed"]) == (0, 1) and list(stats["failures"]) == ["3"]
    assert erp.rows("SELECT COUNT(*) FROM party_identifier") == [(3,)]


def test_the_readme_shows_the_tested_example() -> None:
    readme = (EXAMPLE.parents[2] / "README.md").read_text(encoding="utf-8")
    assert "```yaml\n" + EXAMPLE.read_text(encoding="utf-8") + "```" in readme


@pytest.mark.parametrize("erp", ["sqlite"], indirect=True)  # the ERP is replaced by a missing file
def test_a_source_not_reachable_before_the_sync_is_left_to_its_extract(erp, configure, capsys, monkeypatch,
                                                                       tmp_path):
    path = configure(["tax_id"])
    missing = {"conn_type": "sqlite", "host": str(tmp_path / "gone.sqlite")}
    monkeypatch.setenv("CRMHUB_CONN_CRMHUB_ERP_SQL", json.dumps(missing))
    code, summary, err = sync(path, capsys)
    assert code == 1 and "extract:erp_sql" in err and "does not exist" in err, err
    assert not (tmp_path / "gone.sqlite").exists()
