"""The crmhub console script, run as a user runs it."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from sources.generator import generate_dataset, write_flat_csv

CRMHUB = [str(Path(sys.executable).with_name("crmhub"))]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CRMHUB, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("sync", "match", "summary", "report", "quarantine", "erase", "sources"):
        assert command in result.stdout


def test_match_on_the_flat_csv_format(tmp_path):
    dataset = generate_dataset(n_records=300, seed=3, malformed_rate=0.0)
    source = tmp_path / "customers.csv"
    write_flat_csv(dataset.rows, source, include_truth=True)  # extra columns are kept but ignored
    result = run("match", str(source), "--out", str(tmp_path / "out"), "--explain", "2")
    assert result.returncode == 0, result.stderr
    assert "score" in result.stdout and "->" in result.stdout  # the explanation of two pairs
    # the weights learnt from this file, and the rules with their reasons
    weights = [line.split() for line in result.stdout.splitlines() if line.startswith("    email ")]
    assert any(w[1] == "exact" and float(w[-1]) > 0 for w in weights), result.stdout
    assert "Rules fired" in result.stdout
    from matching.rules import RULES

    assert any(rule.reason in result.stdout for rule in RULES), result.stdout

    with open(tmp_path / "out" / "clusters.csv", encoding="utf-8") as f:
        clusters = list(csv.DictReader(f))
    assert list(clusters[0]) == ["source_system", "source_id", "golden_id"]
    assert len(clusters) == len(dataset.rows)
    golden = {(r["source_system"], r["source_id"]): r["golden_id"] for r in clusters}
    truth = {(r["source_system"], r["source_id"]): r["truth_id"] for r in dataset.rows}
    merged = [(a, b) for a in golden for b in golden if a < b and golden[a] == golden[b]]
    assert merged and sum(truth[a] == truth[b] for a, b in merged) / len(merged) >= 0.95

    with open(tmp_path / "out" / "pairs.csv", encoding="utf-8") as f:
        pairs = list(csv.DictReader(f))
    assert list(pairs[0]) == ["left_system", "left_id", "right_system", "right_id", "score", "decision"]
    assert {p["decision"] for p in pairs} <= {"match", "review", "distinct"}
    assert {p["decision"] for p in pairs} >= {"match"}


def test_match_refuses_a_file_without_the_key_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("given_name,family_name\nAnna,Weber\n", encoding="utf-8")
    result = run("match", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "source_system" in result.stderr


def test_a_misspelt_option_fails_sync_before_any_work_naming_source_and_key(tmp_path):
    import yaml

    shipped = Path(__file__).parents[2] / "config" / "crmhub.yaml"
    config = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    database = tmp_path / "hub.db"
    config["database_url"] = f"sqlite:///{database}"
    config["sources"][1]["options"] = {"rate_limt": 2}  # the webshop
    path = tmp_path / "crmhub.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run("--config", str(path), "sync", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"crmhub: invalid configuration {path}:\n"
        "  source 'webshop': unknown option 'rate_limt' (did you mean 'rate_limit'? "
        "allowed: api_path, backoff, full_scan_every_seconds, page_concurrency, push_concurrency, "
        "push_fields, rate_limit, retries, timeout)\n"
    )
    assert result.stdout == ""
    assert not database.exists()  # nothing pulled, not even the store created


def test_sync_on_a_store_never_upgraded_names_db_upgrade_and_db_upgrade_makes_it_usable(tmp_path):
    import yaml

    shipped = Path(__file__).parents[2] / "config" / "crmhub.yaml"
    config = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    config["database_url"] = f"sqlite:///{tmp_path / 'hub.db'}"
    path = tmp_path / "crmhub.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    refused = run("--config", str(path), "summary", cwd=tmp_path)
    assert refused.returncode == 2 and "run `crmhub db-upgrade` first" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    upgraded = run("--config", str(path), "db-upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert run("--config", str(path), "summary", cwd=tmp_path).returncode == 0
