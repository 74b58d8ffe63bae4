"""The product wheel, built from the repository and installed into a fresh venv, matches a CSV file
without faker and without sources/ (issue 19: the demo part is not part of the product).

Slow-ish (about 20 s with a warm uv cache; a cold cache downloads the dependencies from the package
registry), hence a file of its own.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from sources.generator import generate_dataset, write_flat_csv

ROOT = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).with_name("uv"))

pytestmark = pytest.mark.packaging


def _run(*args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> Path:
    """A fresh venv with only the product wheel (no extras) installed."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run(UV, "build", "--wheel", "--out-dir", str(work / "dist"), str(ROOT), cwd=work)
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("crmhub-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("sources/")], "the demo part is in the product wheel"
    venv.create(work / "venv", with_pip=False)
    python = work / "venv" / "bin" / "python"
    installed = _run(UV, "pip", "install", "--python", str(python), str(wheel), cwd=work)
    assert installed.returncode == 0, installed.stderr
    return work / "venv"


def test_the_installed_wheel_has_neither_faker_nor_sources(product, tmp_path):
    for module in ("faker", "sources"):
        probe = _run(str(product / "bin" / "python"), "-c", f"import {module}", cwd=tmp_path)
        assert probe.returncode != 0 and "No module named" in probe.stderr, module


def test_the_installed_wheel_matches_a_csv_file(product, tmp_path):
    dataset = generate_dataset(n_records=150, seed=5, malformed_rate=0.0)
    source = tmp_path / "customers.csv"
    write_flat_csv(dataset.rows, source, include_truth=True)
    result = _run(str(product / "bin" / "crmhub"), "match", str(source), "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with (tmp_path / "out" / "clusters.csv").open(encoding="utf-8") as handle:
        clusters = list(csv.DictReader(handle))
    assert len(clusters) == len(dataset.rows)
    assert len({row["golden_id"] for row in clusters}) < len(clusters)  # some duplicates merged


def test_demo_commands_say_what_to_install(product, tmp_path):
    result = _run(str(product / "bin" / "crmhub"), "sources", "show", "erp", "C1", cwd=tmp_path)
    assert result.returncode == 2
    assert "demo extra" in result.stderr and "Traceback" not in result.stderr
