"""A fingerprint of everything that decides a match, stored with the model.

The hub re-matches only what changed, with the stored model, and that gives what a full rebuild would
only while the engine around the model is the same: the normalizers and the transliteration libraries
they call, the comparisons and their levels, the blocking keys, the rule table, the thresholds and the
clustering parameters. Each part is hashed on its own, so when the stored fingerprint differs from the
running engine's the hub can say *what* changed ("rules", "thresholds") and re-match everything once.

Engine code is hashed from its syntax tree without docstrings, so editing a comment or a docstring
does not force a re-match, while any change of behaviour does.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from functools import cache
from importlib import metadata
from pathlib import Path

from matching.block import BlockingKey
from matching.cluster import ClusterParams
from matching.compare import Comparison
from matching.rules import Rule, table_fingerprint

#: Modules of ``matching/`` whose code decides a match (the engine's plumbing and explanations do not).
DECIDING_MODULES = (
    "normalize",
    "thai_words",
    "features",
    "phones",
    "households",
    "block",
    "codes",
    "compare",
    "score",
    "conditions",
    "rules",
    "decide",
    "cluster",
)
#: Libraries whose readings of names, phones and strings the normalizers and comparisons rely on; all
#: are required dependencies (the transliterators too), their versions are part of the print.
LIBRARIES = ("anyascii", "pythainlp", "cantonese-romanisation", "phonenumbers", "rapidfuzz")


def _digest(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return tree


@cache
def code_fingerprint(modules: tuple[str, ...] = DECIDING_MODULES) -> str:
    return _digest([_module_code(name) for name in modules])


@cache
def _module_code(name: str) -> str:
    """A module of ``matching/`` as its syntax tree without docstrings (parsed once per process: the
    model's and the feature cache's prints share most modules)."""
    source = (Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8")
    return ast.dump(_without_docstrings(ast.parse(source)))


@cache
def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed version of each library, or ``missing``."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            module = name.replace("-", "_")
            versions[name] = "present" if importlib.util.find_spec(module) else "missing"
    return versions


def engine_fingerprint(
    *,
    comparisons: Iterable[Comparison],
    blocking_keys: Iterable[BlockingKey],
    rules: tuple[Rule, ...],
    thresholds: Mapping[str, float],
    cluster_params: ClusterParams | None = None,
) -> dict[str, str]:
    """Part name -> short hash; two engines decide alike exactly when all parts are equal."""
    return {
        "engine_code": code_fingerprint(),
        "libraries": _digest(library_versions()),
        "comparisons": _digest(
            [
                [c.name, c.levels, c.prior_m, c.prior_u, c.display, c.tf_column, c.compute.__qualname__]
                for c in comparisons
            ]
        ),
        "blocking_keys": _digest([asdict(k) for k in blocking_keys]),
        "rules": table_fingerprint(rules),
        "thresholds": _digest(dict(thresholds)),
        "clustering": _digest(asdict(cluster_params or ClusterParams())),
    }


def differences(stored: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The parts that differ, in words (a model stored before fingerprints has all of them differing)."""
    if not stored:
        return ["the stored model has no fingerprint (trained by an older engine)"]
    return [part for part in current if stored.get(part) != current[part]]
