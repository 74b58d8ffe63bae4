"""Each connector as an Airflow hook: credentials from an Airflow Connection, a ready connector back."""

from __future__ import annotations

import json

import pytest

from schemas import SourceConfig


def test_a_hook_per_kind_reaches_the_local_erp_through_airflow_connections(local_sources, monkeypatch):
    from connectors.airflow_hooks import HOOKS, SoapErpHook, hook_for
    from connectors.registry import CONNECTOR_CLASSES

    assert set(HOOKS) == set(CONNECTOR_CLASSES)
    source = SourceConfig(name="erp", kind="soap_erp", connection_id="crmhub_erp", page_size=20)
    hook = hook_for(source)
    assert isinstance(hook, SoapErpHook) and hook.conn_type == "crmhub_soap_erp"
    assert hook.test_connection()[0] is True
    page = next(hook.get_conn().pull(None))
    assert page.records and page.cursor

    connection = json.loads(local_sources.env()["AIRFLOW_CONN_CRMHUB_ERP"])
    monkeypatch.setenv(
        "AIRFLOW_CONN_CRMHUB_ERP", json.dumps({**connection, "password": "not-the-Pa55word-x9"})
    )
    ok, message = hook_for(source).test_connection()
    assert ok is False and "erp" in message
    assert "not-the-Pa55word-x9" not in message  # the secret never appears in what the UI shows

    with pytest.raises(ValueError, match="kind 'soap_erp'"):
        HOOKS["soap_erp"](SourceConfig(name="shop", kind="woocommerce", connection_id="crmhub_webshop"))
