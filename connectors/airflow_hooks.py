"""Airflow hooks: adapt Airflow Connections to our plain connectors (the providers' hook pattern).

Only this module and ``dags/`` import Airflow. A hook owns one connection id, reads the credentials
through Airflow (metadata DB, secrets backend or ``AIRFLOW_CONN_*``), and hands back a ready connector.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from connectors.base import SourceConnector
from connectors.credentials import Credentials
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
    """Hook for one configured CRM Hub source; ``get_conn()`` returns its connector."""

    conn_name_attr = "crmhub_conn_id"
    default_conn_name = "crmhub_default"
    conn_type = "crmhub_source"
    hook_name = "CRM Hub source system"

    def __init__(self, source: SourceConfig, **kwargs: Any):
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


def _hook_for(kind: str) -> type[CrmHubSourceHook]:
    """A hook class per connector kind, so each system has its own connection type in Airflow."""
    name = "".join(part.capitalize() for part in kind.split("_")) + "Hook"

    def __init__(self, source: SourceConfig, **kwargs: Any) -> None:
        if source.kind != kind:
            raise ValueError(f"{name} serves sources of kind {kind!r}, not {source.kind!r}")
        CrmHubSourceHook.__init__(self, source, **kwargs)

    return type(
        name,
        (CrmHubSourceHook,),
        {
            "__init__": __init__,
            "__doc__": f"Airflow hook for CRM Hub sources of kind ``{kind}``.",
            "conn_type": f"crmhub_{kind}",
            "hook_name": f"CRM Hub {kind} source",
            "__module__": __name__,
        },
    )


#: One hook per connector kind (``HOOKS["salesforce"]`` is ``SalesforceHook``), all adapting Airflow
#: Connections the same way.
HOOKS: dict[str, type[CrmHubSourceHook]] = {kind: _hook_for(kind) for kind in CONNECTOR_CLASSES}
globals().update({hook.__name__: hook for hook in HOOKS.values()})


def hook_for(source: SourceConfig) -> CrmHubSourceHook:
    return HOOKS[source.kind](source)
