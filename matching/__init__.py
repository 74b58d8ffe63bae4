"""Matching engine: finds which source records are the same customer, explainably and at scale.

``match_frame`` runs the whole pipeline over a flat polars frame; see :mod:`matching.engine`.
"""

from matching.engine import (
    Constraints,
    MatchResult,
    candidate_components,
    features_of,
    fingerprint,
    match_features,
    match_frame,
    train_model,
)
from matching.frame import FlatFrameError, read_flat_csv, records_to_frame
from matching.model import MatchModel, ModelMismatchError
from schemas import FLAT_COLUMNS

__all__ = [
    "FLAT_COLUMNS",
    "Constraints",
    "FlatFrameError",
    "MatchModel",
    "MatchResult",
    "ModelMismatchError",
    "candidate_components",
    "features_of",
    "fingerprint",
    "match_features",
    "match_frame",
    "read_flat_csv",
    "records_to_frame",
    "train_model",
]
