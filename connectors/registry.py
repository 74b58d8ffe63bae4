"""Which connector class serves which ``kind`` of source in the YAML configuration.

Imports are lazy so that a deployment only needs the client libraries of the systems it uses.
"""

from __future__ import annotations

from importlib import import_module

from connectors.base import SourceConnector
from connectors.credentials import Credentials
from schemas import SourceConfig

CONNECTOR_CLASSES: dict[str, str] = {
    "soap_erp": "connectors.soap_erp:ErpSoapConnector",
    "soap": "connectors.soap_generic:GenericSoapConnector",
    "salesforce": "connectors.salesforce:SalesforceConnector",
    "rest_shop": "connectors.rest_shop:WebShopConnector",
    "woocommerce": "connectors.rest_shop:WebShopConnector",
    "shopify": "connectors.shopify:ShopifyConnector",
    "sugarcrm": "connectors.sugarcrm:SugarCrmConnector",
    "vtiger": "connectors.vtiger:VtigerConnector",
    "odoo": "connectors.odoo:OdooConnector",
    "tryton": "connectors.tryton:TrytonConnector",
    "sql": "connectors.sql_table:SqlTableConnector",
    "csv": "connectors.flat_files:CsvFolderConnector",
    "fixed_width": "connectors.flat_files:FixedWidthFolderConnector",
}


def connector_module(kind: str) -> str | None:
    """The module that serves ``kind`` (``None`` for an unknown kind), to import ahead of time."""
    return CONNECTOR_CLASSES[kind].split(":")[0] if kind in CONNECTOR_CLASSES else None


def connector_class(kind: str) -> type[SourceConnector]:
    try:
        module_name, class_name = CONNECTOR_CLASSES[kind].split(":")
    except KeyError:
        raise ValueError(
            f"unknown source kind {kind!r}; known: {', '.join(sorted(CONNECTOR_CLASSES))}"
        ) from None
    return getattr(import_module(module_name), class_name)


def build_connector(config: SourceConfig, credentials: Credentials) -> SourceConnector:
    return connector_class(config.kind)(config, credentials)
