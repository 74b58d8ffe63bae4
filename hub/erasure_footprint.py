"""Where an erased person is in the hub: found by ``hub.erasure``, cleaned by ``hub.erasure_cleanup``
(its own module so the two do not import each other)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from hub.erasure_values import PersonValues
from schemas import RecordKey


@dataclass
class Footprint:
    """Where the person is: their records, their golden ids, and golden ids they shared with others."""

    keys: list[RecordKey]
    golden_ids: set[str]
    shared_ids: set[str]
    values: PersonValues
    #: The matcher's features of the person's records (their normalised name keys, for the model).
    features: pl.DataFrame
