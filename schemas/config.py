"""Configuration that IT staff edit: which systems to sync, how, when, and how strictly to match.

The YAML holds no secrets: each source names a ``connection_id`` that is resolved from Airflow
Connections (or ``CRMHUB_CONN_*`` / ``AIRFLOW_CONN_*`` environment variables outside Airflow).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from schemas.config_errors import describe_error
from schemas.source_options import OptionsError, options_model

SourceKind = Literal[
    "soap_erp",
    "soap",
    "salesforce",
    "rest_shop",
    "woocommerce",
    "shopify",
    "sugarcrm",
    "vtiger",
    "odoo",
    "tryton",
    "sql",
    "csv",
    "fixed_width",
]
PushField = Literal[
    "given_name",
    "family_name",
    "full_name",
    "organization_name",
    "emails",
    "phones",
    "street",
    "postal_code",
    "city",
    "country",
    "date_of_birth",
    "tax_id",
]

DEFAULT_DATABASE_URL = "sqlite:///var/crmhub.db"


class SourceConfig(BaseModel):
    """One source system: how to reach it and how its fields map onto the canonical record."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    kind: SourceKind
    connection_id: str | None = None
    enabled: bool = True
    #: Survivorship: lower numbers win when values conflict (1 = most trusted system).
    trust: int = Field(default=10, ge=1)
    #: Whether golden ids and surviving fields are written back to this system.
    push_back: bool = True
    #: Golden fields written back besides the golden id, only where the source's value differs.
    #: Empty by default: each system keeps names in its own script; opt in per system.
    push_fields: list[PushField] = Field(default_factory=list)
    #: False (default): push_fields only fill values the source lacks; True: also overwrite differing ones.
    push_overwrite: bool = False
    page_size: int = Field(default=100, ge=1, le=10_000)
    #: Connector-specific settings (table, query, file folder, encoding, ...). No secrets here.
    #: Kept as written; checked against the kind's model (:mod:`schemas.source_options`) here, and
    #: parsed into it by the connector.
    options: dict[str, Any] = Field(default_factory=dict)
    #: Source field -> canonical field; merged over the connector's default mapping.
    mapping: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> SourceConfig:
        """A misspelt or mistyped option fails when the configuration is loaded, before any work."""
        options_model(self.kind).for_source(self.name, self.options)
        return self


class MatchingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Pairs scoring at or above this probability are merged automatically.
    match_threshold: float = Field(default=0.92, gt=0, lt=1)
    #: Pairs between the two thresholds go to the data stewards.
    review_threshold: float = Field(default=0.5, gt=0, lt=1)
    #: Matching is split into this many shards of whole candidate components; under Airflow each shard
    #: is one mapped task (on Celery workers when the deployment has them).
    shards: int = Field(default=1, ge=1, le=1024)

    @model_validator(mode="after")
    def _ordered(self) -> MatchingConfig:
        if self.review_threshold >= self.match_threshold:
            raise ValueError("review_threshold must be below match_threshold")
        return self


SurvivorshipRule = Literal["source_trust", "most_recent", "most_complete", "most_frequent"]


class SurvivorshipConfig(BaseModel):
    """How a golden field picks its value among the cluster's source records.

    Rules are applied in order, each breaking the ties of the one before; a steward's override
    always wins. Multi-valued fields (e-mails, phones, addresses) keep every distinct value and use
    the rules only to choose the primary one.
    """

    model_config = ConfigDict(extra="forbid")

    default: list[SurvivorshipRule] = Field(default_factory=lambda: ["source_trust", "most_recent"])  # type: ignore[arg-type]
    fields: dict[str, list[SurvivorshipRule]] = Field(default_factory=dict)
    #: Fields on which two different values are a conflict raised to the data stewards.
    conflict_fields: list[str] = Field(default_factory=lambda: ["tax_id", "date_of_birth"])

    def rules(self, field_name: str) -> list[SurvivorshipRule]:
        return self.fields.get(field_name, self.default)


class HubConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: SQLAlchemy URL of the hub store; ``CRMHUB_DATABASE_URL`` overrides it.
    database_url: str = DEFAULT_DATABASE_URL
    #: Airflow schedule of the sync DAG (cron or preset such as ``@hourly``); ``null`` = manual only.
    schedule: str | None = "@hourly"
    #: How many sources ``crmhub sync`` extracts and publishes at once: the sync's process and worker
    #: processes (:mod:`hub.source_workers`); ``null`` = automatic: one per usable core for a first or
    #: full pull and for a publish of many changes, else one after another (a worker's start costs
    #: seconds, which the sync does not wait for); ``1`` = always one after another in the sync's
    #: process. The Airflow DAG runs its sources as mapped tasks and does not read this.
    source_workers: int | None = Field(default=None, ge=1)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    survivorship: SurvivorshipConfig = Field(default_factory=SurvivorshipConfig)
    sources: list[SourceConfig]

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in sources]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique, repeated: {', '.join(duplicates)}")
        return sources

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source named {name!r} in the configuration")

    @property
    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources if s.enabled]


#: Where the configuration is looked for when no path is given.
CONFIG_ENV = "CRMHUB_CONFIG"
DEFAULT_CONFIG_PATH = Path("config/crmhub.yaml")


class ConfigError(ValueError):
    """The configuration file does not fit: one line per problem, naming the source and the key."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"invalid configuration {path}:\n" + "\n".join(f"  {p}" for p in problems))


def load_config(path: str | Path | None = None) -> HubConfig:
    """Read the YAML configuration; environment variables override the store URL.

    Raises :class:`ConfigError` when the file does not fit the models (unknown keys and options
    included), so a typo stops ``crmhub sync`` and the DAG file before anything is pulled.
    """
    path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        config = HubConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, [_problem(data, error) for error in exc.errors()]) from None
    if url := os.environ.get("CRMHUB_DATABASE_URL"):
        config = config.model_copy(update={"database_url": url})
    return config


def _problem(data: Any, error: ErrorDetails) -> str:
    """One config error in words: a source's options error as such, others with the source's name."""
    options_error = error.get("ctx", {}).get("error")
    if isinstance(options_error, OptionsError):
        return str(options_error)
    loc = error["loc"]
    if len(loc) > 2 and loc[0] == "sources" and isinstance(loc[1], int):
        source = data["sources"][loc[1]] if isinstance(data, dict) else {}
        name = source.get("name") if isinstance(source, dict) else None
        local = cast(ErrorDetails, {**error, "loc": loc[2:]})
        return f"source {name or loc[1]!r}: {describe_error(SourceConfig, local)}"
    return describe_error(HubConfig, error)
