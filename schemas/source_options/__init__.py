"""One pydantic model per connector ``kind`` for the ``options`` of a source in the YAML configuration.

Why here and not beside each connector: the configuration is checked when it is loaded (``crmhub
sync``, the DAG file), before any connector is built, and without importing the client library of
every system (zeep, SQLAlchemy drivers). Connectors parse their own model again when built, and read
typed attributes. The README's option table is generated from these models (``python -m
schemas.source_options``), so the docs cannot drift from what is accepted.
"""

from __future__ import annotations

from schemas.source_options.base import OptionsError, SourceOptions
from schemas.source_options.legacy import CsvOptions, FixedWidthOptions, SqlOptions
from schemas.source_options.soap import ErpOptions, GenericSoapOptions, RecordTypeRule, SalesforceOptions
from schemas.source_options.web import (
    OdooOptions,
    ShopifyOptions,
    SugarCrmOptions,
    TrytonOptions,
    VtigerOptions,
    WebShopOptions,
)

#: The options model of each ``kind`` (the same keys as :data:`connectors.registry.CONNECTOR_CLASSES`).
OPTIONS_BY_KIND: dict[str, type[SourceOptions]] = {
    "soap_erp": ErpOptions,
    "soap": GenericSoapOptions,
    "salesforce": SalesforceOptions,
    "rest_shop": WebShopOptions,
    "woocommerce": WebShopOptions,
    "shopify": ShopifyOptions,
    "sugarcrm": SugarCrmOptions,
    "vtiger": VtigerOptions,
    "odoo": OdooOptions,
    "tryton": TrytonOptions,
    "sql": SqlOptions,
    "csv": CsvOptions,
    "fixed_width": FixedWidthOptions,
}


def options_model(kind: str) -> type[SourceOptions]:
    return OPTIONS_BY_KIND[kind]


__all__ = [
    "OPTIONS_BY_KIND",
    "CsvOptions",
    "ErpOptions",
    "FixedWidthOptions",
    "GenericSoapOptions",
    "OdooOptions",
    "OptionsError",
    "RecordTypeRule",
    "SalesforceOptions",
    "ShopifyOptions",
    "SourceOptions",
    "SqlOptions",
    "SugarCrmOptions",
    "TrytonOptions",
    "VtigerOptions",
    "WebShopOptions",
    "options_model",
]
