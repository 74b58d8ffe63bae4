"""Pydantic models: the contract between connectors, matching, the hub store, the API and config.

Everything that crosses a layer boundary is one of these models; inside the hot matching loop the
same data travels as columns (see :mod:`matching.frame`).
"""

from schemas.config import (
    ConfigError,
    HubConfig,
    MatchingConfig,
    SourceConfig,
    SurvivorshipConfig,
    load_config,
)
from schemas.customer import FLAT_COLUMNS, Address, CustomerRecord, RecordKey, RecordType
from schemas.golden import FieldLineage, GoldenRecord, SourceRef
from schemas.matching import FieldComparison, MatchDecision, MatchPair
from schemas.order import OrderRecord
from schemas.quarantine import QuarantinedRecord
from schemas.steward import DecisionKind, StewardDecision

__all__ = [
    "ConfigError",
    "FLAT_COLUMNS",
    "Address",
    "CustomerRecord",
    "DecisionKind",
    "FieldComparison",
    "FieldLineage",
    "GoldenRecord",
    "HubConfig",
    "MatchDecision",
    "MatchPair",
    "MatchingConfig",
    "OrderRecord",
    "QuarantinedRecord",
    "RecordKey",
    "RecordType",
    "SourceConfig",
    "SourceRef",
    "SurvivorshipConfig",
    "StewardDecision",
    "load_config",
]
