"""The canonical customer record: what every connector yields, whatever the source system."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from schemas.trusted import STORED, door_only, is_stored
from schemas.values import clean_country, clean_email, clean_phone, clean_text

RecordType = Literal["person", "organization"]

#: The flat record format (one row per source record; several e-mails or phones joined by ";"), shared
#: by ``crmhub match``, the generator, the benchmarks and the hub store's match columns.
FLAT_COLUMNS: tuple[str, ...] = (
    "source_system",
    "source_id",
    "record_type",
    "given_name",
    "family_name",
    "full_name",
    "organization_name",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "date_of_birth",
    "tax_id",
    "updated_at",
)


class RecordKey(NamedTuple):
    """Identity of a source record across the hub: the system it lives in and its id there."""

    source_system: str
    source_id: str

    def __str__(self) -> str:
        return f"{self.source_system}:{self.source_id}"


class Address(BaseModel):
    """A postal address as the source gave it (cleaned of control characters, not reformatted)."""

    model_config = ConfigDict(frozen=True)

    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None

    _clean_text = field_validator("street", "postal_code", "city", "region", mode="before")(
        door_only(clean_text)
    )
    _clean_country = field_validator("country", mode="before")(door_only(clean_country))

    def is_empty(self) -> bool:
        return not any((self.street, self.postal_code, self.city, self.region))


class CustomerFields(BaseModel):
    """What the hub knows about a customer: shared by a source's record and the golden record."""

    record_type: RecordType = "person"
    given_name: str | None = None
    family_name: str | None = None
    full_name: str | None = None
    organization_name: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    country: str | None = None
    date_of_birth: date | None = None
    tax_id: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_store(cls, data: Mapping[str, Any]) -> Self:
        """Read back a record the hub itself wrote: types checked, normalisers skipped
        (:mod:`schemas.trusted`). Never for data from outside the hub: that takes ``model_validate``."""
        return cls.model_validate(data, context=STORED)

    @property
    def display_name(self) -> str:
        if self.record_type == "organization" and self.organization_name:
            return self.organization_name
        parts = [p for p in (self.given_name, self.family_name) if p]
        return self.full_name or " ".join(parts) or self.organization_name or ""


class CustomerRecord(CustomerFields):
    """One customer as one source system knows it, in canonical form.

    Phones are E.164, e-mails lower-cased and validated, country ISO alpha-2; names are kept as
    written (any script) because transliteration is a matching concern, not a storage one. ``raw``
    keeps the source payload for lineage and for stewards.
    """

    model_config = ConfigDict(str_strip_whitespace=True)

    source_system: str = Field(min_length=1, max_length=64)
    source_id: str = Field(min_length=1, max_length=128)
    deleted: bool = False
    raw: dict[str, Any] = Field(default_factory=dict)

    _clean_text = field_validator(
        "given_name", "family_name", "full_name", "organization_name", "tax_id", mode="before"
    )(door_only(clean_text))
    _clean_country = field_validator("country", mode="before")(door_only(clean_country))

    @field_validator("emails", mode="before")
    @classmethod
    def _clean_emails(cls, value: Any, info: ValidationInfo) -> Any:
        return value if is_stored(info) else _unique(clean_email(v) for v in _as_list(value))

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
            raise ValueError(f"implausible date of birth {value.isoformat()}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _clean_phones(cls, data: Any, info: ValidationInfo) -> Any:
        # Phones need the record's country to parse national numbers, so this runs on the whole record.
        if isinstance(data, dict) and data.get("phones") and not is_stored(info):
            country = clean_country(data.get("country"))
            data = {**data, "phones": _unique(clean_phone(v, country) for v in _as_list(data["phones"]))}
        return data

    @model_validator(mode="after")
    def _has_a_name(self) -> CustomerRecord:
        if not (self.given_name or self.family_name or self.full_name or self.organization_name):
            raise ValueError("record has no name (given, family, full or organization)")
        if self.record_type == "organization" and not self.organization_name:
            self.organization_name = self.full_name
        return self

    @property
    def key(self) -> RecordKey:
        return RecordKey(self.source_system, self.source_id)


def _as_list(value: Any) -> list[str]:
    """Text ("a; b"), a list of texts, or one number; anything else is a wrong type (a ``ValueError``,
    so the record is quarantined with the reason instead of the extract crashing)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (s.strip() for s in value.replace(";", ",").split(",")) if v]
    if isinstance(value, bool | Mapping) or not isinstance(value, Iterable):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [str(value)]
        raise ValueError(f"expected text or a list of texts, got {type(value).__name__}")
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(values))
