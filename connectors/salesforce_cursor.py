"""The Salesforce connector's cursor: one position per stream (Account, Contact) in one JSON object.

A position is ``[SystemModstamp, Id]`` (keyset paging), or, within a Bulk API 2.0 full pull,
``{"bulk_job": id, "locator": next page, "greatest": [SystemModstamp, Id] or null}``. A cursor comes
back from the hub's store and its values are pasted into SOQL and URLs, so every part is validated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

STREAMS = ("Account", "Contact")
STAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
ID_PATTERN = re.compile(r"[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?")
Position = list[str] | dict[str, Any] | None
_JOB_ID = re.compile(r"[a-zA-Z0-9]{15,18}")
_LOCATOR = re.compile(r"[A-Za-z0-9+/=_-]{1,200}")


def decode_cursor(cursor: str | None) -> dict[str, Position]:
    """``None`` = full refresh of both streams; otherwise validated (it is pasted into SOQL and URLs).
    A stream's position is ``[SystemModstamp, Id]``, or, within a Bulk API 2.0 full pull,
    ``{"bulk_job": id, "locator": next page, "greatest": [SystemModstamp, Id] or null}``."""
    state: dict[str, Position] = dict.fromkeys(STREAMS)
    if cursor is None:
        return state
    try:
        data = json.loads(cursor)
        if not isinstance(data, dict) or set(data) - set(STREAMS):
            raise ValueError(f"expected an object with keys {', '.join(STREAMS)}")
        for stream in STREAMS:
            position = data.get(stream)
            if isinstance(position, dict):
                state[stream] = _bulk_position(stream, position)
            elif position is not None:
                state[stream] = _keyset_position(stream, position)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}: {exc}") from None
    return state


def _keyset_position(stream: str, position: Any) -> list[str]:
    stamp, last_id = position
    if not STAMP_PATTERN.fullmatch(str(stamp)) or not ID_PATTERN.fullmatch(str(last_id)):
        raise ValueError(f"{stream}: expected [SystemModstamp, Id], got {position!r}")
    return [stamp, last_id]


def _bulk_position(stream: str, position: dict[str, Any]) -> dict[str, Any]:
    if set(position) != {"bulk_job", "locator", "greatest"}:
        raise ValueError(f"{stream}: expected bulk_job, locator and greatest, got {sorted(position)}")
    job, locator = str(position["bulk_job"]), str(position["locator"])
    if not _JOB_ID.fullmatch(job) or not _LOCATOR.fullmatch(locator):
        raise ValueError(f"{stream}: not a Bulk API 2.0 job id and locator: {position!r}")
    greatest = position["greatest"]
    return {**position, "greatest": _keyset_position(stream, greatest) if greatest is not None else None}


def encode_cursor(state: Mapping[str, Position]) -> str:
    return json.dumps({stream: state.get(stream) for stream in STREAMS}, separators=(",", ":"))
