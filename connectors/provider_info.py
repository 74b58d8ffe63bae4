"""CRM Hub as an Airflow provider: what ``apache_airflow_provider`` entry point hands to Airflow.

Airflow's ProvidersManager calls :func:`get_provider_info` (registered in pyproject.toml) to list the
provider and its connection types, so each source kind gets its own entry in the Connections form.
This module must not import Airflow or the hooks: the manager reads it before it imports any hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from connectors.registry import CONNECTOR_CLASSES

HOOKS_MODULE = "connectors.airflow_hooks"


@dataclass(frozen=True)
class ConnectionForm:
    """How Airflow's connection form shows one kind: its name, the fields it ignores, their labels.

    Declared here (Airflow >= 3.2 reads ``ui-field-behaviour`` from the provider info and deprecates
    ``get_ui_field_behaviour`` on hooks), so the form needs no hook import.
    """

    label: str
    hidden: tuple[str, ...] = ()
    relabeling: dict[str, str] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)

    def behaviour(self) -> dict[str, Any]:
        return {
            "hidden-fields": list(self.hidden),
            "relabeling": dict(self.relabeling),
            "placeholders": dict(self.placeholders),
        }


_URL = {"host": "Base URL"}
_URL_HINT = {"host": "https://erp.example.com"}
_FILES = ("port", "schema", "login", "password")

#: One entry per connector kind (which Connection fields each connector reads: see its module).
FORMS: dict[str, ConnectionForm] = {
    "soap_erp": ConnectionForm("ERP (SOAP)", ("port", "schema", "login"), _URL, _URL_HINT),
    "soap": ConnectionForm("generic SOAP service", ("port", "schema"), _URL, _URL_HINT),
    "salesforce": ConnectionForm(
        "Salesforce",
        ("port", "schema"),
        {"host": "Login host (OAuth token endpoint)", "login": "User name (JWT bearer)",
         "password": "Password (SOAP login fallback only)"},
        {"host": "https://login.salesforce.com"},
    ),
    "rest_shop": ConnectionForm("web shop (REST)", ("port",), _URL, _URL_HINT),
    "woocommerce": ConnectionForm(
        "WooCommerce", ("port",), {**_URL, "login": "Consumer key", "password": "Consumer secret"}
    ),
    "shopify": ConnectionForm(
        "Shopify", ("port", "schema", "login"), {"host": "Shop URL", "password": "Admin API access token"}
    ),
    "sugarcrm": ConnectionForm("SugarCRM / SuiteCRM", ("port", "schema"), _URL),
    "vtiger": ConnectionForm("vtiger", ("port", "schema"), {**_URL, "password": "Access key"}),
    "odoo": ConnectionForm("Odoo", ("port",), {**_URL, "schema": "Database"}),
    "tryton": ConnectionForm("Tryton", (), {"schema": "Database"}),
    "sql": ConnectionForm("legacy SQL table", (), {"schema": "Database"}),
    "csv": ConnectionForm("CSV folder", _FILES, {"host": "Folder"}, {"host": "/data/exports/crm"}),
    "fixed_width": ConnectionForm("fixed-width files folder", _FILES, {"host": "Folder"}),
}


def hook_class_name(kind: str) -> str:
    """``soap_erp`` -> ``SoapErpHook``: the static class in :mod:`connectors.airflow_hooks`."""
    return "".join(part.capitalize() for part in kind.split("_")) + "Hook"


def hook_display_name(kind: str) -> str:
    """The connection type's name in Airflow's form (also the hook's ``hook_name``)."""
    return f"CRM Hub: {FORMS[kind].label}"


def get_provider_info() -> dict[str, Any]:
    try:
        current = version("crmhub")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        current = "0.0.0"
    return {
        "package-name": "crmhub",
        "name": "CRM Hub",
        "description": "Source-system connections of CRM Hub (ERP, web shops, CRMs, SQL, flat files).",
        "versions": [current],
        "integrations": [
            {
                "integration-name": "CRM Hub",
                "external-doc-url": "https://github.com/crmhub/crmhub",
                "python-modules": [HOOKS_MODULE],
                "tags": ["software"],
            }
        ],
        "hooks": [{"integration-name": "CRM Hub", "python-modules": [HOOKS_MODULE]}],
        "connection-types": [
            {
                "hook-class-name": f"{HOOKS_MODULE}.{hook_class_name(kind)}",
                "connection-type": f"crmhub_{kind}",
                "hook-name": hook_display_name(kind),
                "ui-field-behaviour": FORMS[kind].behaviour(),
            }
            for kind in CONNECTOR_CLASSES
        ],
    }
