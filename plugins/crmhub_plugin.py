"""Airflow plugin: mounts the CRM Hub workbench and golden-record API at /crmhub on the api-server
and links the workbench into Airflow's navigation. Thin on purpose: the app lives in ``webapp``.

Auth is Airflow's (every route depends on :class:`webapp.airflow_auth.AirflowAuth`); the hub store
and configuration are opened on the first request (``CRMHUB_CONFIG`` / ``CRMHUB_DATABASE_URL``), and
the sources' connections (a webhook's secret) are Airflow's.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from connectors.airflow_hooks import airflow_credentials
from hub.store import HubStore
from schemas import load_config
from webapp import create_app
from webapp.airflow_auth import AirflowAuth

app = create_app(
    lambda: HubStore(load_config().database_url), load_config, AirflowAuth(), credentials=airflow_credentials
)


class CrmHubPlugin(AirflowPlugin):
    name = "crmhub"
    fastapi_apps = [{"app": app, "url_prefix": "/crmhub", "name": "CRM Hub"}]
    external_views = [
        {
            "name": "Data steward workbench",
            "href": "crmhub/steward/",
            "destination": "nav",
            "category": "browse",
            "url_route": "crmhub-steward",
        }
    ]
