"""The matching package stays readable: no function longer than a screen and a half."""

from __future__ import annotations

import ast
from pathlib import Path

MAX_LINES = 80


def test_no_function_in_matching_is_over_80_lines() -> None:
    too_long = []
    for path in sorted((Path(__file__).parents[2] / "matching").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_LINES:
                    too_long.append(f"{path.name}:{node.name} ({length} lines)")
    assert not too_long, too_long


def test_the_readme_shows_the_rule_table_as_the_code_has_it() -> None:
    from matching.rules import markdown_table

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- rules:begin -->\n", 1)[1].split("\n<!-- rules:end -->", 1)[0]
    assert shown == markdown_table(), "README's rule table is stale: paste `python -m matching.rules`"
