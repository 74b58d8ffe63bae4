"""Determinism, source-id shapes, CSV round trip, CLI and argument errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sources.generator import (
    FLAT_COLUMNS,
    TRUTH_COLUMN,
    generate_dataset,
    iter_rows,
    read_flat_csv,
    write_flat_csv,
)
from sources.generator.__main__ import main

ID_SHAPES = {
    "erp": re.compile(r"\d{10}"),
    "webshop": re.compile(r"[1-9]\d*"),
    "legacy_db": re.compile(r"K-\d{5,}"),
    "legacy_csv": re.compile(r"C\d{5,}"),
}


def test_same_seed_same_rows_other_seed_other_rows():
    first = generate_dataset(1500, seed=5)
    assert first.rows == generate_dataset(1500, seed=5).rows
    assert first.rows != generate_dataset(1500, seed=6).rows
    assert list(iter_rows(1500, seed=5)) == first.rows


def test_record_count_is_about_n_records(dataset):
    assert 5000 <= len(dataset.rows) <= 5020
    small = generate_dataset(40, seed=1)
    assert 40 <= len(small.rows) <= 55


def test_rows_have_exactly_the_flat_columns_as_strings(dataset):
    for row in dataset.rows:
        assert set(row) == {*FLAT_COLUMNS, TRUTH_COLUMN}
        assert all(isinstance(v, str) for v in row.values())
        assert row["record_type"] in ("person", "organization")


def test_source_ids_are_unique_and_shaped_per_system(dataset):
    keys = Counter((r["source_system"], r["source_id"]) for r in dataset.rows)
    assert max(keys.values()) == 1
    for system, shape in ID_SHAPES.items():
        ids = [r["source_id"] for r in dataset.rows if r["source_system"] == system]
        assert len(ids) > 500, system
        assert all(shape.fullmatch(i) for i in ids), system


def test_row_order_does_not_group_a_customer_together(dataset):
    # Rows are shuffled before ids are given, so neighbours are rarely the same customer.
    rows = dataset.valid_rows
    adjacent_same = sum(a["truth_id"] == b["truth_id"] for a, b in zip(rows, rows[1:], strict=False))
    assert adjacent_same < len(rows) * 0.02


def test_system_subset_only_yields_those_systems():
    ds = generate_dataset(600, seed=2, systems=("erp", "legacy_csv"))
    assert {r["source_system"] for r in ds.rows} == {"erp", "legacy_csv"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"systems": ("erp", "crm")}, "unknown or no systems"),
        ({"systems": ()}, "unknown or no systems"),
        ({"systems": ("erp", "erp")}, "listed twice"),
        ({"n_records": 0}, "must be positive"),
        ({"malformed_rate": 0.9}, "malformed_rate"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_dataset(**{"n_records": 10, **kwargs})


def test_csv_round_trip_keeps_every_value(dataset, tmp_path):
    path = tmp_path / "flat.csv"
    assert write_flat_csv(dataset.rows, path) == len(dataset.rows)
    assert read_flat_csv(path) == dataset.rows  # includes NFD text, control characters, 500+ char values


def test_csv_without_truth_has_only_flat_columns(dataset, tmp_path):
    path = tmp_path / "no_truth.csv"
    write_flat_csv(dataset.rows[:50], path, include_truth=False)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(FLAT_COLUMNS)


def test_cli_streams_a_csv(tmp_path, capsys):
    out = tmp_path / "bench" / "multi.csv"
    assert main(["--records", "400", "--seed", "3", "--out", str(out)]) == 0
    rows = read_flat_csv(out)
    assert rows == generate_dataset(400, seed=3).rows
    assert "wrote" in capsys.readouterr().err


def test_cli_rejects_unknown_system(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["--records", "10", "--systems", "erp,crm", "--out", str(tmp_path / "x.csv")])
    assert exc.value.code == 2


def test_output_does_not_depend_on_the_interpreter_hash_seed(tmp_path):
    # Set iteration order changes with PYTHONHASHSEED; the generator must never depend on it.
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}.csv"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        cmd = [
            sys.executable,
            "-m",
            "sources.generator",
            "--records",
            "300",
            "--seed",
            "4",
            "--out",
            str(out),
        ]
        subprocess.run(cmd, check=True, env=env, cwd=Path(__file__).parents[2], capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
