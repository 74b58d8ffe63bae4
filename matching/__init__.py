"""Matching engine: finds which source records are the same customer, explainably and at scale.

``match_frame`` runs the whole pipeline over a flat polars frame; see :mod:`matching.engine`.
"""

from matching.engine import Constraints, MatchResult, match_frame
from matching.frame import FLAT_COLUMNS, FlatFrameError, read_flat_csv, records_to_frame

__all__ = [
    "FLAT_COLUMNS",
    "Constraints",
    "FlatFrameError",
    "MatchResult",
    "match_frame",
    "read_flat_csv",
    "records_to_frame",
]
