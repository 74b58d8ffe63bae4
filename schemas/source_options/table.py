"""The README's connector option table, generated from the option models so the docs cannot drift.

One row per option and meaning: an option that several kinds share with the same type, default and
description (``rate_limit``, ``timeout``) is one row listing those kinds; one whose default differs
per kind (``golden_id_field``) has a row per default. ``python -m schemas.source_options`` prints it.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from schemas.source_options import OPTIONS_BY_KIND

SIMPLE_TYPES = {str: "text", int: "integer", float: "number", bool: "true/false", Any: "any"}


def markdown_table() -> str:
    """The table as pasted between ``<!-- options:begin -->`` and ``<!-- options:end -->`` in README.md."""
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for kind, model in OPTIONS_BY_KIND.items():
        for name, info in model.model_fields.items():
            key = (name, type_name(info.annotation), default_text(info), info.description or "")
            rows.setdefault(key, []).append(kind)
    lines = ["| option | kinds | type | default | meaning |", "|---|---|---|---|---|"]
    for (name, type_text, default, meaning), kinds in sorted(rows.items(), key=lambda r: (r[0][0], r[1])):
        cells = [f"`{name}`", ", ".join(f"`{k}`" for k in kinds), type_text, default, meaning]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def type_name(annotation: Any) -> str:
    """A type as a person editing YAML reads it: ``list of text``, ``delete / anonymise``."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in SIMPLE_TYPES:
        return SIMPLE_TYPES[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "{" + ", ".join(annotation.model_fields) + "}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in arguments if a is not type(None))
    if origin is Literal:
        return " / ".join(f"`{a}`" for a in arguments)
    if origin is typing.Annotated:
        return type_name(arguments[0])
    if origin is list:
        return f"list of {type_name(arguments[0])}"
    if origin is dict:
        return f"map of {type_name(arguments[0])} to {type_name(arguments[1])}"
    if origin is tuple:
        return "[" + ", ".join(type_name(a) for a in arguments) + "]"
    return getattr(annotation, "__name__", str(annotation))


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
    if value is None or value is PydanticUndefined:
        return "none"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    return f"`{json.dumps(value)}`"
