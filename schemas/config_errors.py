"""Configuration mistakes in words an IT person acts on: the key, a likely meant key, the keys allowed.

pydantic's own message for a misspelt key is ``Extra inputs are not permitted`` at a dotted location;
whoever edits the YAML then has to look up what the right spelling was. These helpers turn each error
of a :class:`pydantic.ValidationError` into one line that says it, for the options of a source
(:mod:`schemas.source_options`) and for the configuration file as a whole (:mod:`schemas.config`).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

#: At most this many characters of a refused value are quoted back (a whole pasted list helps nobody).
MAX_QUOTED = 60


def describe_error(model: type[BaseModel], error: ErrorDetails, noun: str = "key") -> str:
    """One line for one pydantic error of ``model``: unknown keys with a suggestion and the allowed
    keys, missing keys, and refused values with the key and what was given."""
    path, holder = _walk(model, error["loc"])
    key = ".".join(path)
    if error["type"] == "extra_forbidden":
        return f"unknown {noun} {key!r} ({_suggestion(path[-1], holder)})"
    if error["type"] == "missing":
        return f"{noun} {key!r} is required"
    if error["type"] == "value_error":  # our own validators' messages, which quote the value themselves
        message = str(error.get("ctx", {}).get("error") or error["msg"])
        return f"{noun} {key!r}: {message}" if key else message
    return f"{noun} {key!r}: {error['msg']} (got {_quoted(error.get('input'))})"


def _suggestion(key: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return "not allowed here"
    allowed = sorted(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}allowed: {', '.join(allowed)}"


def _walk(model: type[BaseModel], loc: Sequence[int | str]) -> tuple[list[str], type[BaseModel] | None]:
    """The readable key path along ``loc`` and the model that holds its last key (``None`` inside a
    plain dict or list). Inside a union (``str | Rule``) pydantic's locations name the branch it tried
    (``str``, ``Rule``): followed, not shown, as the user wrote no such key."""
    path: list[str] = []
    current: type[BaseModel] | None = model
    holder = current
    branch_next = False
    for part in loc:
        if branch_next:
            branch_next = False
            current = current if current is not None and part == current.__name__ else None
            continue
        if part == "[key]":
            continue  # pydantic marks an error in a dict key this way; the key itself is already shown
        path.append(str(part))
        holder = current
        if current is not None and isinstance(part, str) and part in current.model_fields:
            annotation = current.model_fields[part].annotation
            branch_next = _is_union(annotation)
            current = _nested_model(annotation)
        # list indexes and dict keys keep the model of their values (found from the field above)
    return path, holder


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model in an annotation such as ``Rule``, ``Rule | str``, ``list[Rule]``, ``dict[str, Rule]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, tuple):
        for argument in typing.get_args(annotation):
            if found := _nested_model(argument):
                return found
    return None


def _is_union(annotation: Any) -> bool:
    """A union of two or more types besides ``None`` (``X | None`` alone gets no branch in locations)."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    return len([a for a in typing.get_args(annotation) if a is not type(None)]) > 1


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 3] + "..."
