"""Options of the REST and JSON-RPC connectors: web shops and CRM suites."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from schemas.source_options.base import (
    PageConcurrencyOption,
    PushConcurrencyOption,
    PushFieldsOption,
    RetryOptions,
)


class WebShopOptions(RetryOptions, PushFieldsOption, PushConcurrencyOption, PageConcurrencyOption):
    """``kind: woocommerce`` / ``rest_shop`` (:mod:`connectors.rest_shop`)."""

    api_path: str = Field(
        "/wp-json/wc/v3", description="path of the REST API, used when the connection has no `schema`"
    )
    full_scan_every_seconds: float | None = Field(
        None,
        gt=0,
        description="with `customer.*` webhooks to the hub: scan all customers only when the last complete "
        "scan finished this long ago (86400 = daily), else read only the announced ones; none = every sync "
        "scans",
    )


class ShopifyOptions(RetryOptions, PushFieldsOption):
    """``kind: shopify`` (:mod:`connectors.shopify`)."""

    api: Literal["graphql", "rest"] = Field(
        "graphql", description="GraphQL Admin API (Shopify's current API) or the legacy REST Admin API"
    )

    api_version: str | None = Field(
        None, description="Admin API version; none = the connection's `extra.api_version`, else 2024-10"
    )
    golden_id_namespace: str = Field("crm_hub", description="namespace of the golden-id metafield")
    golden_id_key: str = Field("golden_id", description="key of the golden-id metafield")
    overlap_seconds: float = Field(
        0, ge=0, description="start the next run that much earlier (clock skew between Shopify's front ends)"
    )
    full_pull: Literal["pages", "bulk"] = Field(
        "pages",
        description="a full pull (first run, full refresh) page by page, or as one bulk operation "
        "(GraphQL only; Shopify's way to export a large store: one JSONL file, no cost per page)",
    )
    bulk_poll_seconds: float = Field(2.0, gt=0, description="wait between polls of a running bulk operation")
    bulk_timeout_seconds: float = Field(
        3600, gt=0, description="give up on a bulk operation that has not completed after this long"
    )


class CrmModulesOptions(RetryOptions, PushFieldsOption):
    """Shared by the CRM suites that keep Accounts and Contacts as modules (:mod:`connectors.crm_sync`)."""

    modules: list[Literal["Accounts", "Contacts"]] = Field(
        default_factory=lambda: ["Accounts", "Contacts"], min_length=1, description="modules read and written"  # type: ignore[arg-type]
    )


class SugarCrmOptions(CrmModulesOptions):
    """``kind: sugarcrm`` (:mod:`connectors.sugarcrm`), SuiteCRM/SugarCRM REST V8."""

    golden_id_field: str = Field("crm_golden_id_c", description="custom field that receives the golden id")


class VtigerOptions(CrmModulesOptions):
    """``kind: vtiger`` (:mod:`connectors.vtiger`)."""

    golden_id_field: str = Field(
        "cf_crm_golden_id",
        description="custom field that receives the golden id (real instances: `cf_<number>`)",
    )


class OdooOptions(RetryOptions, PushFieldsOption):
    """``kind: odoo`` (:mod:`connectors.odoo`), JSON-RPC."""

    database: str | None = Field(
        None, description="Odoo database; none = the connection's `extra.database`, else its `schema`"
    )
    model: str = Field("res.partner", description="Odoo model holding the customers")
    domain: list[Any] = Field(
        default_factory=list, description='extra search filter, e.g. `[["type", "=", "contact"]]`'
    )
    golden_id_field: str = Field("x_crm_golden_id", description="field that receives the golden id")
    erasure: Literal["unlink", "archive"] = Field(
        "unlink", description="erasure by `unlink` (delete) or `archive` (`active = false`)"
    )


class TrytonOptions(RetryOptions):
    """``kind: tryton`` (:mod:`connectors.tryton`), JSON-RPC through Tryton's ORM (no SQL, no DDL)."""

    database: str | None = Field(None, description="Tryton database; none = the connection's `schema`")
    golden_id_prefix: str = Field(
        "CRMHUB-", min_length=1, description="code prefix of the party identifier that holds the golden id"
    )
    organization_identifier_types: list[str] | None = Field(
        None,
        description="identifier types that make a party an organisation; none = every `*_vat`, `*_uid`, "
        "`*_businessid` and `*_orgnr` type",
    )
    erasure: Literal["erase", "deactivate"] = Field(
        "erase", description="Tryton's erase wizard (`erase`), or `deactivate` only"
    )
