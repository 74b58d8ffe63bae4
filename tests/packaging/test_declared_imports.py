"""Every third-party import is declared in pyproject.toml for its part (scripts/check_imports.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts" / "check_imports.py")
assert spec and spec.loader
check_imports = importlib.util.module_from_spec(spec)
sys.modules["check_imports"] = check_imports
spec.loader.exec_module(check_imports)


def test_every_third_party_import_is_declared_for_its_part():
    problems = [line for part in check_imports.PARTS for line in check_imports.undeclared(part)]
    assert problems == []


def test_the_check_finds_an_undeclared_import(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["pyyaml>=6"]\n[project.optional-dependencies]\n', encoding="utf-8"
    )
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "x.py").write_text("import yaml\nimport scipy.sparse\nimport os\n", encoding="utf-8")
    monkeypatch.setattr(check_imports, "ROOT", tmp_path)
    monkeypatch.setattr(check_imports, "PARTS", {"product": (("hub",), ())})
    problems = check_imports.undeclared("product")
    assert len(problems) == 1 and "scipy" in problems[0] and "hub/x.py" in problems[0]


def test_the_product_does_not_import_the_demo_part():
    found = check_imports.imported_modules(check_imports.PRODUCT)
    assert "sources" not in found and "faker" not in found
