"""Airflow hooks: adapt Airflow Connections to our plain connectors (the providers' hook pattern).

Only this module and ``dags/`` import Airflow. A hook owns one connection id, reads the credentials
through Airflow (metadata DB, secrets backend or ``AIRFLOW_CONN_*``), and hands back a ready connector.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.sdk import BaseHook

from connectors.base import SourceConnector
from connectors.credentials import Credentials
from connectors.provider_info import hook_class_name, hook_display_name
from connectors.registry import CONNECTOR_CLASSES, build_connector
from schemas import SourceConfig


def credentials_from_connection(conn: Any) -> Credentials:
    return Credentials(
        host=conn.host,
        port=conn.port,
        login=conn.login,
        password=conn.password,
        schema=conn.schema,
        conn_type=conn.conn_type,
        extra=conn.extra_dejson or {},
    )


def airflow_credentials(conn_id: str) -> Credentials:
    """Credentials provider for :class:`hub.pipeline.SyncPipeline` inside Airflow tasks."""
    return credentials_from_connection(BaseHook.get_connection(conn_id))


class CrmHubSourceHook(BaseHook):
    """Hook for one configured CRM Hub source; ``get_conn()`` returns its connector.

    Subclasses are declared per source kind with ``class XHook(CrmHubSourceHook, kind=...)``, which
    sets the connection type and its name in Airflow's form (from :mod:`connectors.provider_info`,
    where the form's field behaviour is declared too), so Airflow's ProvidersManager sees plain
    static classes.
    """

    conn_name_attr = "crmhub_conn_id"
    default_conn_name = "crmhub_default"
    conn_type = "crmhub_source"
    hook_name = "CRM Hub source system"
    kind: ClassVar[str] = ""

    def __init_subclass__(cls, kind: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind:
            cls.kind, cls.conn_type, cls.hook_name = kind, f"crmhub_{kind}", hook_display_name(kind)

    def __init__(self, source: SourceConfig, **kwargs: Any):
        if self.kind and source.kind != self.kind:
            raise ValueError(
                f"{type(self).__name__} serves sources of kind {self.kind!r}, not {source.kind!r}"
            )
        super().__init__(**kwargs)
        self.source = source
        self.crmhub_conn_id = source.connection_id or self.default_conn_name

    def get_conn(self) -> SourceConnector:
        return build_connector(self.source, airflow_credentials(self.crmhub_conn_id))

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.get_conn().check()
        except Exception as exc:  # noqa: BLE001 - reported to the UI, not raised
            return False, str(exc)
        return True, f"{self.source.name} ({self.source.kind}) is reachable"


class SoapErpHook(CrmHubSourceHook, kind="soap_erp"):
    """The bundled ERP's SOAP customer service."""


class SoapHook(CrmHubSourceHook, kind="soap"):
    """Any SOAP service described by a WSDL and a field mapping."""


class SalesforceHook(CrmHubSourceHook, kind="salesforce"):
    """Salesforce: OAuth 2.0 connected app, REST + Bulk API 2.0 (SOAP login as a fallback)."""


class RestShopHook(CrmHubSourceHook, kind="rest_shop"):
    """The bundled web shop's REST API."""


class WoocommerceHook(CrmHubSourceHook, kind="woocommerce"):
    """WooCommerce REST API (consumer key / secret)."""


class ShopifyHook(CrmHubSourceHook, kind="shopify"):
    """Shopify Admin API."""


class SugarcrmHook(CrmHubSourceHook, kind="sugarcrm"):
    """SugarCRM / SuiteCRM REST API (OAuth client in Extra)."""


class VtigerHook(CrmHubSourceHook, kind="vtiger"):
    """vtiger web services."""


class OdooHook(CrmHubSourceHook, kind="odoo"):
    """Odoo external API."""


class TrytonHook(CrmHubSourceHook, kind="tryton"):
    """Tryton JSON-RPC."""


class SqlHook(CrmHubSourceHook, kind="sql"):
    """A table in a legacy SQL database."""


class CsvHook(CrmHubSourceHook, kind="csv"):
    """A folder of CSV exports."""


class FixedWidthHook(CrmHubSourceHook, kind="fixed_width"):
    """A folder of fixed-width exports."""


#: One hook per connector kind (``HOOKS["salesforce"]`` is ``SalesforceHook``).
HOOKS: dict[str, type[CrmHubSourceHook]] = {
    hook.kind: hook for hook in CrmHubSourceHook.__subclasses__() if hook.kind in CONNECTOR_CLASSES
}
if missing := [
    kind for kind in CONNECTOR_CLASSES if getattr(HOOKS.get(kind), "__name__", "") != hook_class_name(kind)
]:
    raise ImportError(f"no static hook class for source kinds {missing}")


def hook_for(source: SourceConfig) -> CrmHubSourceHook:
    return HOOKS[source.kind](source)
