"""Options of the SOAP connectors: the SAP-style ERP, any WSDL (``kind: soap``) and Salesforce."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.source_options.base import PushConcurrencyOption, SoapOptions, WsSecurityOptions


class ErpOptions(WsSecurityOptions, PushConcurrencyOption):
    """``kind: soap_erp`` (:mod:`connectors.soap_erp`)."""

    golden_id_field: str = Field("ZZ_GOLDEN_ID", description="customer field that receives the golden id")
    account_groups: dict[str, Literal["person", "organization"]] = Field(
        default_factory=lambda: {"ZPER": "person", "ZORG": "organization"},  # type: ignore[arg-type]
        description="account group (KTOKD) -> record type",
    )
    erasure: Literal["anonymize", "block"] = Field(
        "anonymize",
        description="`BlockCustomer` mode: anonymize overwrites personal fields at once, block keeps them "
        "until the ERP's retention period ends",
    )

    @field_validator("erasure", mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        """The ERP spells it ANONYMIZE; British spelling and capitals are accepted as meaning the same."""
        return value.lower().replace("anonymise", "anonymize") if isinstance(value, str) else value


class RecordTypeRule(BaseModel):
    """Which source field says person/organization, and how its values translate."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    values: dict[str, str]


class GenericSoapOptions(WsSecurityOptions):
    """``kind: soap`` (:mod:`connectors.soap_generic`): operations, paging and push named in YAML."""

    binding: str | None = Field(None, description="WSDL binding to call when the WSDL has several")
    list_operation: str = Field(description="operation that lists changed records, page by page")
    list_arguments: dict[str, Any] = Field(
        default_factory=dict, description="fixed arguments of the list call"
    )
    auth: Literal["ws_security", "basic", "bearer", "none"] = Field(
        "ws_security",
        description="`ws_security`: a UsernameToken when the connection has a login; `basic`: HTTP Basic "
        "with login/password; `bearer`: the connection's password as a bearer token",
    )
    paging: Literal["token", "change_time"] = Field(
        "token",
        description="`token`: the service's next-page token is the cursor; `change_time`: records ordered by "
        "change time, asked for from the last one seen (`since_argument`), offset only through ties",
    )
    page_token_argument: str | None = Field(
        None, description="request field that takes the cursor (page token); `token` paging"
    )
    page_size_argument: str | None = Field(None, description="request field that takes `page_size`")
    records_path: str = Field(description="response path to the list of records")
    next_token_path: str | None = Field(
        None, description="response path to the next page's token; `token` paging"
    )
    since_argument: str | None = Field(
        None, description="request field taking the change time to list from; `change_time` paging"
    )
    offset_argument: str | None = Field(
        None, description="request field taking how many records to skip; `change_time` paging"
    )
    change_time_path: str | None = Field(
        None, description="record path to its change time (ascending in the list); `change_time` paging"
    )
    more_path: str | None = Field(None, description='response path to a boolean "there is more"')
    record_type: str | RecordTypeRule = Field(
        "person", description="`person`, `organization` or `{field: ..., values: {code: type}}`"
    )
    type_mappings: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="per record type, source field -> canonical field (NAME1 means different things)",
    )
    computed: dict[str, str] = Field(
        default_factory=dict, description='`derived.<name>` from a template such as `"{AEDAT}T{AEZET}Z"`'
    )
    reject_replacement_character: bool = Field(
        True, description="quarantine a record holding U+FFFD (a value the service could not transmit)"
    )
    id_field: str | None = Field(None, description="record field holding the source id (needed to push)")
    get_operation: str | None = Field(None, description="read a record before writing, to send only changes")
    get_id_argument: str | None = Field(
        None, description="argument of the get call taking the id (default `id_field`)"
    )
    get_response_path: str = Field("", description="response path to the record in the get answer")
    upsert_operation: str | None = Field(None, description="operation that writes golden id and fields back")
    upsert_argument: str | None = Field(
        None, description="argument that takes the record (else fields are arguments)"
    )
    golden_id_field: str | None = Field(None, description="record field that receives the golden id")
    read_only_fields: list[str] = Field(default_factory=list, description="fields never written back")
    delete_operation: str | None = Field(None, description="erasure call (delete/anonymise); none = by hand")
    delete_id_argument: str | None = Field(None, description="argument of the delete call taking the id")
    delete_arguments: dict[str, Any] = Field(
        default_factory=dict, description="fixed arguments of the delete call"
    )
    gone_fault_codes: list[str] = Field(
        default_factory=list, description='fault codes meaning "not there": erased'
    )
    transient_fault_codes: list[str] = Field(default_factory=list, description="fault codes worth retrying")

    @model_validator(mode="after")
    def _paging_complete(self) -> Self:
        needed = {
            "token": ("page_token_argument", "next_token_path"),
            "change_time": ("since_argument", "offset_argument", "change_time_path"),
        }[self.paging]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"paging {self.paging!r} needs {', '.join(missing)}")
        return self

    @field_validator("type_mappings")
    @classmethod
    def _record_types(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        unknown = sorted(set(value) - {"person", "organization"})
        if unknown:
            raise ValueError(f"type_mappings keys are person/organization, got {', '.join(unknown)}")
        return value


class SalesforceOptions(SoapOptions):
    """``kind: salesforce`` (:mod:`connectors.salesforce`): OAuth 2.0, REST and Bulk API 2.0 (SOAP
    Partner API for erasure, and for everything with the ``soap_login`` fallback)."""

    auth: Literal["client_credentials", "jwt_bearer", "soap_login"] | None = Field(
        None,
        description="OAuth 2.0 flow of the connected app, or `soap_login` (retired from API 65.0) as a "
        "fallback; none = the connection's `extra.auth`, else implied by its keys",
    )
    api_version: str = Field("59.0", pattern=r"^\d{2,3}\.0$", description="Salesforce API version")
    full_pull: Literal["bulk", "pages"] = Field(
        "bulk", description="a full pull by one Bulk API 2.0 query job per object, or page by page (REST)"
    )
    jwt_audience: str = Field(
        "https://login.salesforce.com",
        description="`aud` of the JWT bearer assertion (`https://test.salesforce.com` for a sandbox)",
    )
    bulk_poll_seconds: float = Field(
        1.0, gt=0, description="longest wait between polls of a Bulk API 2.0 job, s (from 0.05, doubling)"
    )
    bulk_timeout_seconds: float = Field(600, gt=0, description="seconds a Bulk API 2.0 query job may take")

    golden_id_field: str = Field("CRM_Golden_Id__c", description="custom field that receives the golden id")
    extra_fields: dict[Literal["Account", "Contact"], list[str]] = Field(
        default_factory=dict, description="fields read besides the default ones, per sObject"
    )
    upsert_key: str = Field("Id", description="field the upsert matches records on")
    empty_recycle_bin: bool = Field(
        True, description="after a delete, empty the records from the Recycle Bin (else kept 15 days)"
    )
