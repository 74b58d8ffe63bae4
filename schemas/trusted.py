"""The trusted read path: a record the hub itself wrote is read back without passing the door again.

Every value in the store went through the normalisers of :mod:`schemas.values` when it was staged
(or was built from such values, as a golden record is). Running them again on every read cost a
third of a 20k sync (``unicodedata.name`` per character, ``email_validator``, ``phonenumbers``) and
could not change a thing. A model read with :data:`STORED` as its validation context (what
``CustomerRecord.from_store`` does) lets each normaliser wrapped by :func:`door_only` pass the
value through; pydantic still checks the types, so a row that is not a record still fails loudly.

Data from outside — connectors, steward edits, released quarantine rows — never carries this
context, so the door validates exactly as before. A change to a normaliser's rules therefore needs a
migration that re-stages the stored rows; reads alone will not re-normalise them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from pydantic import ValidationInfo

#: Validation context of a row the hub wrote itself (``Model.model_validate(data, context=STORED)``).
STORED: Final[Mapping[str, bool]] = {"stored": True}


def is_stored(info: ValidationInfo) -> bool:
    """Whether the value being validated is read back from the hub's own store.

    Asked once per field of every record: the two usual answers -- no context at the door, ``STORED``
    itself on a read -- come without ``isinstance(context, Mapping)``, an ABC check that cost more
    than the question (a tenth of validating a source record)."""
    context = info.context
    if context is None or context is STORED:
        return context is STORED
    return isinstance(context, Mapping) and context.get("stored") is True


def door_only(clean: Callable[[Any], Any]) -> Callable[[Any, ValidationInfo], Any]:
    """A field validator that runs ``clean`` on data arriving from outside and passes stored data through."""

    def validator(value: Any, info: ValidationInfo) -> Any:
        return value if is_stored(info) else clean(value)

    # not functools.wraps: pydantic reads the signature through __wrapped__ and would drop ``info``
    validator.__name__ = validator.__qualname__ = f"door_only_{clean.__name__}"
    return validator
