"""An unchanged source row told before it is mapped and validated (issue 15: echoes and full scans).

Most rows a sync reads are ones the hub holds already: a web shop without a "modified since" filter
is scanned whole every run, and a source re-delivers every record our own push wrote the golden id
into (its change stamp moved). Mapping and validating each of them into a ``CustomerRecord`` only to
find its content hash unchanged is most of an extract's cost.

A row's digest covers exactly what the record is made of: the values at the mapping's source paths
except the change time (``updated_at``, which a record's content hash leaves out as well), the
connector's configuration, and the code that turns rows into records. A field the mapping does not
read (the golden id the hub writes, the change stamp) cannot change the record, so it is not in the
digest: the re-delivery of our golden-id write has the digest of the row before it. The hub keeps the
digest of the row each stored record was last staged from (``source_records.row_digest``); a row with
the stored digest would give a record with the stored content, so it is counted unchanged without
being mapped (as a row with an unchanged content hash always was). Anything else -- a new digest, a
record never digested, a changed configuration or hub version -- takes the full path.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from connectors.mapping import FieldMapping, get_parts, split_path

#: Packages whose code decides what record a row becomes (with the connector's own module, which may
#: live elsewhere): the connectors and their helpers, the record schemas and their validators.
RECORD_CODE = ("connectors", "schemas")
_ROOT = Path(__file__).resolve().parents[1]


@cache
def code_fingerprint(connector_file: str) -> str:
    """Digest of the code that turns this connector's rows into records: after an upgrade that
    changes it, every row takes the full path once."""
    digest = hashlib.sha256()
    paths = [Path(connector_file)]
    for name in RECORD_CODE:
        path = _ROOT / name
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def digest_salt(connector: Any) -> str:
    """What besides the row decides its record: connector class, configuration, code."""
    code = code_fingerprint(inspect.getfile(type(connector)))
    return json.dumps([type(connector).__qualname__, connector.config.model_dump(mode="json"), code],
                      sort_keys=True, default=str)


def content_paths(mapping: FieldMapping) -> list[tuple[str, ...]]:
    """The source paths a record's content is read from (all but the change time's), split."""
    return [split_path(path) for path, target in mapping.mapping.items() if target != "updated_at"]


#: ``json.dumps(value, ensure_ascii=False, default=str)`` made once (``json.dumps`` builds it per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


@lru_cache(maxsize=64)
def _salted(salt: str) -> Any:
    """SHA-256 fed with the digest text's start, ``[<salt as JSON>, ``: the salt (the connector's whole
    configuration and code digest, the longer part of the text) is encoded and hashed once per pull,
    not once per row."""
    return hashlib.sha256(("[" + _ENCODER.encode(salt) + ", ").encode())


def row_digest(paths: list[tuple[str, ...]], salt: str, row: Mapping[str, Any]) -> str:
    """SHA-256 of ``json.dumps([salt, values], ensure_ascii=False, default=str)``, ``values`` being
    the row's at ``paths``: the same text, the salt's part hashed ahead (stored digests stay valid)."""
    digest = _salted(salt).copy()
    digest.update((_ENCODER.encode([get_parts(row, path) for path in paths]) + "]").encode())
    return digest.hexdigest()
