"""Every route of every local imitation cites the vendor documentation it follows (issue 18): an
imitation that invents a route or parameter teaches the connector something the real system does not
do (the WooCommerce "modified since" filter did). Fault-injection routes under ``/_admin`` or
``/admin`` are the tests' own and say so."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from sources.run import ALL_SYSTEMS, system_class

LOCAL_EXTENSIONS = re.compile(r"^/_admin/|^/admin/(faults|sessions/)")
FASTAPI_OWN = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
DOC_LINK = re.compile(r"https://\S+")


@pytest.mark.parametrize("name", sorted(ALL_SYSTEMS))
def test_every_route_cites_the_documentation_it_follows(name, tmp_path):
    app = system_class(name)(tmp_path / name).app()
    if app is None:  # file drops and SQL databases: no HTTP API
        return
    routes = [r for r in app.routes if isinstance(r, APIRoute) and r.path not in FASTAPI_OWN]
    uncited = [
        f"{sorted(r.methods)} {r.path}"
        for r in routes
        if not LOCAL_EXTENSIONS.match(r.path) and not DOC_LINK.search(r.endpoint.__doc__ or "")
    ]
    assert routes and uncited == [], f"{name}: routes without a documentation link: {uncited}"
