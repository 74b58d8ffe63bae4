"""Decisions of data stewards: constraints that every later matching run honours.

Each kind of decision is its own model, told apart by ``kind`` (a discriminated union), so a decision
carries exactly the fields its kind needs and nothing else: a "same" names two records, a field
override names a golden record, a field and a value of that field's type. Everything is checked here,
before anything is stored — a list of e-mails for ``emails`` (each one valid), one text for
``tax_id`` — so a stored decision can always be applied.

A request (what the workbench or a script sends) has no author; the hub stamps it with the steward's
user name and the time (:func:`taken`), which gives the stored :data:`StewardDecision`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from schemas.customer import Address, RecordKey, RecordType
from schemas.values import clean_country, clean_email, clean_phone, clean_text


class DecisionKind(StrEnum):
    SAME = "same"  # force these two source records into one golden record
    NOT_SAME = "not_same"  # never merge these two again
    FIELD_OVERRIDE = "field_override"  # this golden field has this value, whatever the sources say
    UNMERGE = "unmerge"  # take this source record out of its golden record


def _record_key(value: Any) -> Any:
    """``{"source_system": …, "source_id": …}`` (JSON) or a ``RecordKey``/pair -> ``RecordKey``."""
    if isinstance(value, Mapping):
        value = (value.get("source_system"), value.get("source_id"))
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError("a source record is {source_system, source_id}")
    system, source_id = value
    if not isinstance(system, str) or not 0 < len(system) <= 64:
        raise ValueError("source_system must be text of 1 to 64 characters")
    if not isinstance(source_id, str) or not 0 < len(source_id) <= 128:
        raise ValueError("source_id must be text of 1 to 128 characters")
    return RecordKey(system, source_id)


SourceRecord = Annotated[
    RecordKey,
    BeforeValidator(_record_key),
    PlainSerializer(lambda k: {"source_system": k.source_system, "source_id": k.source_id}, when_used="json"),
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "source_system": {"type": "string", "maxLength": 64},
                "source_id": {"type": "string", "maxLength": 128},
            },
            "required": ["source_system", "source_id"],
        }
    ),
]


# ---- field values: the type of each golden field a steward may override ------------------------------


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    text = clean_text(value)
    if text is None:
        raise ValueError("is empty")
    return text


def _country(value: Any) -> str:
    code = clean_country(_text(value))
    assert code is not None  # _text refused empty input
    return code


def _birth_date(value: date) -> date:
    if not date(1900, 1, 1) <= value <= date.today():
        raise ValueError(f"implausible date of birth {value.isoformat()}")
    return value


def _address_fields(value: Any) -> Any:
    if isinstance(value, Mapping) and (unknown := set(value) - set(Address.model_fields)):
        raise ValueError(f"an address has no {', '.join(sorted(unknown))}")
    return value


def _not_empty(address: Address) -> Address:
    if address.is_empty():
        raise ValueError("an address needs a street, postal code, city or region")
    return address


def _distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


Text = Annotated[str, BeforeValidator(_text)]
Email = Annotated[str, AfterValidator(clean_email)]
#: E.164 only: an override belongs to no source record whose country could place a national number.
Phone = Annotated[str, AfterValidator(lambda v: clean_phone(v, None))]


def _values(item: Any) -> Any:
    """A list field takes a non-empty list of valid, distinct items (not one bare item)."""
    return Annotated[list[item], Field(min_length=1), AfterValidator(_distinct)]


#: Golden field -> the type of an override's value. Lists are the whole list the golden record shows.
FIELD_TYPES: dict[str, Any] = {
    "record_type": RecordType,
    "given_name": Text,
    "family_name": Text,
    "full_name": Text,
    "organization_name": Text,
    "country": Annotated[str, BeforeValidator(_country)],
    "date_of_birth": Annotated[date, AfterValidator(_birth_date)],
    "tax_id": Text,
    "emails": _values(Email),
    "phones": _values(Phone),
    "addresses": _values(Annotated[Address, BeforeValidator(_address_fields), AfterValidator(_not_empty)]),
}
LIST_FIELDS = frozenset({"emails", "phones", "addresses"})
OverridableField = Literal[
    "record_type",
    "given_name",
    "family_name",
    "full_name",
    "organization_name",
    "country",
    "date_of_birth",
    "tax_id",
    "emails",
    "phones",
    "addresses",
]
_FIELD_ADAPTERS = {name: TypeAdapter(kind) for name, kind in FIELD_TYPES.items()}


def _readable(exc: ValidationError) -> str:
    def where(loc: tuple[Any, ...]) -> str:
        return f"item {loc[0] + 1}: " if loc and isinstance(loc[0], int) else ""

    return "; ".join(f"{where(e['loc'])}{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())


# ---- requests: what a steward asks for ---------------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(
        default=None, max_length=2000, description="why the steward decided so; shown in the history"
    )

    @field_validator("comment", mode="before")
    @classmethod
    def _clean_comment(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) else value


class _PairRequest(_Request):
    left: SourceRecord
    right: SourceRecord

    @model_validator(mode="after")
    def _two_records(self) -> _PairRequest:
        if self.left == self.right:
            raise ValueError(f"a decision on a pair needs two different records, got {self.left} twice")
        return self


class SameCustomerRequest(_PairRequest):
    """These two source records are one customer: one golden record holds both from now on."""

    kind: Literal[DecisionKind.SAME]


class NotSameCustomerRequest(_PairRequest):
    """These two source records are two customers: no golden record ever holds both. Records that are
    already apart stay where they are; only the constraint is recorded."""

    kind: Literal[DecisionKind.NOT_SAME]


class FieldOverrideRequest(_Request):
    """This golden field has this value, whatever the sources say (a list field: this whole list)."""

    kind: Literal[DecisionKind.FIELD_OVERRIDE]
    golden_id: str = Field(min_length=1, max_length=64)
    field: OverridableField
    value: Any = Field(description="of the field's type: text, a date, or for emails/phones/addresses a list")

    @model_validator(mode="after")
    def _typed_value(self) -> FieldOverrideRequest:
        try:
            self.value = _FIELD_ADAPTERS[self.field].validate_python(self.value)
        except ValidationError as exc:
            raise ValueError(f"not a value for {self.field}: {_readable(exc)}") from None
        return self


class UnmergeRequest(_Request):
    """Take this source record out of its golden record: it stands alone until a steward joins it."""

    kind: Literal[DecisionKind.UNMERGE]
    left: SourceRecord
    golden_id: str | None = Field(
        default=None, max_length=64, description="the golden record the steward saw it in"
    )


DecisionRequest = Annotated[
    SameCustomerRequest | NotSameCustomerRequest | FieldOverrideRequest | UnmergeRequest,
    Field(discriminator="kind"),
]


# ---- decisions: a request with its author, as stored -------------------------------------------------


class _Taken(BaseModel):
    user: str = Field(min_length=1, max_length=128)
    decided_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class SameCustomer(SameCustomerRequest, _Taken):
    pass


class NotSameCustomer(NotSameCustomerRequest, _Taken):
    pass


class FieldOverride(FieldOverrideRequest, _Taken):
    pass


class Unmerge(UnmergeRequest, _Taken):
    pass


StewardDecision = Annotated[
    SameCustomer | NotSameCustomer | FieldOverride | Unmerge, Field(discriminator="kind")
]
PairDecision = SameCustomer | NotSameCustomer
_DECISIONS: TypeAdapter[Any] = TypeAdapter(StewardDecision)
_TAKEN: dict[type[BaseModel], type[BaseModel]] = {
    SameCustomerRequest: SameCustomer,
    NotSameCustomerRequest: NotSameCustomer,
    FieldOverrideRequest: FieldOverride,
    UnmergeRequest: Unmerge,
}


def parse_decision(data: Mapping[str, Any]) -> StewardDecision:
    """A stored decision (or one built in code) from plain data; ``ValidationError`` if it is not one."""
    decision: StewardDecision = _DECISIONS.validate_python(dict(data))
    return decision


def taken(
    request: SameCustomerRequest | NotSameCustomerRequest | FieldOverrideRequest | UnmergeRequest,
    user: str,
) -> StewardDecision:
    """The request as the decision of ``user``, taken now."""
    return _TAKEN[type(request)].model_validate({**dict(request), "user": user})  # type: ignore[return-value]
