"""The local Odoo driven by odoorpc, the client library Odoo integrators use (unmodified third-party
code): version check, login and user context, models, search/browse/read, create and write; what
odoorpc writes, our connector pulls, and the golden id our connector pushes, odoorpc reads."""

from __future__ import annotations

import xmlrpc.client
from urllib.parse import urlsplit

import odoorpc
import pytest

from connectors.base import PushUpdate
from connectors.odoo import OdooConnector


def _client(odoo) -> odoorpc.ODOO:
    address = urlsplit(odoo.url)
    client = odoorpc.ODOO(address.hostname, port=address.port, timeout=10)
    client.login(odoo.system.database, odoo.system.login, odoo.system.password)
    return client


def test_odoorpc_logs_in_and_reads_partners(odoo):
    client = _client(odoo)
    assert client.version.startswith("17") and client.env.uid == 2 and client.env.context["tz"] == "UTC"
    assert "res.partner" in client.env and "sale.order" not in client.env
    partners = client.env["res.partner"]
    found = partners.search([("email", "=", "ivan.petrov@example.bg")])
    assert len(found) == 1
    ivan = partners.browse(found[0])
    assert ivan.name == "Иван Петров" and ivan.city == "София" and ivan.country_id.code == "BG"


def test_what_odoorpc_writes_the_connector_pulls_and_what_the_connector_pushes_odoorpc_reads(odoo):
    client = _client(odoo)
    partners = client.env["res.partner"]
    new_id = partners.create({"name": "Lena Hoffmann", "email": "lena.hoffmann@example.de", "city": "Köln"})
    partners.browse(new_id).write({"phone": "+49 221 1234567"})
    connector: OdooConnector = odoo.connector()
    pulled = {r.source_id: r for page in connector.pull(None) for r in page.records}
    assert pulled[str(new_id)].emails == ["lena.hoffmann@example.de"]
    assert pulled[str(new_id)].phones == ["+492211234567"]

    result = connector.push([PushUpdate(str(new_id), "G-lena", {})])
    assert result.failed == {}
    assert partners.read([new_id], ["x_crm_golden_id"])[0]["x_crm_golden_id"] == "G-lena"


def test_the_external_api_documentation_s_xmlrpc_example_runs_as_written(odoo):
    """The calls of Odoo's External API page, with Python's own xmlrpc.client, as an integrator copies
    them (https://www.odoo.com/documentation/17.0/developer/reference/external_api.html)."""
    system = odoo.system
    common = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/2/common")
    assert common.version()["server_version"].startswith("17")
    uid = common.authenticate(system.database, system.login, system.password, {})
    assert uid == 2
    models = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/2/object")
    rows = models.execute_kw(system.database, uid, system.password, "res.partner", "search_read",
                             [[["city", "=", "София"]]], {"fields": ["name", "email"], "limit": 5})
    assert [row["email"] for row in rows] == ["ivan.petrov@example.bg"]
    with pytest.raises(xmlrpc.client.Fault) as denied:
        models.execute_kw(system.database, uid, "wrong", "res.partner", "search", [[]])
    assert denied.value.faultCode == 3 and "AccessDenied" in denied.value.faultString
