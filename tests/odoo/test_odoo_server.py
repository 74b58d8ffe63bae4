"""The local Odoo speaks Odoo's external JSON-RPC API over real HTTP and persists in SQLite."""

from __future__ import annotations

import pytest
import requests

from sources.odoo import OdooSystem


def test_login_answers_uid_or_false_and_version_needs_no_login(odoo):
    system = odoo.system
    assert odoo.rpc("common", "login", system.database, system.login, system.password).json()["result"] == 2
    assert odoo.rpc("common", "login", system.database, system.login, "nope").json()["result"] is False
    assert odoo.rpc("common", "version").json()["result"]["server_version"] == "17.0"


def test_errors_are_json_rpc_error_objects_shaped_like_odoos(odoo):
    system = odoo.system
    denied = odoo.rpc("object", "execute_kw", system.database, 2, "wrong", "res.partner", "search_read", [[]])
    assert denied.status_code == 200
    body = denied.json()
    assert body["id"] == 7 and "result" not in body
    assert (body["error"]["code"], body["error"]["message"]) == (200, "Odoo Server Error")
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert body["error"]["data"]["arguments"] == ["Access Denied"]
    bad_field = odoo.execute("res.partner", "search_read", [[]], {"fields": ["nickname"]}).json()["error"]
    assert bad_field["data"]["name"] == "builtins.ValueError" and "nickname" in bad_field["data"]["message"]
    missing = odoo.execute("res.partner", "write", [[999], {"city": "Wien"}]).json()["error"]
    assert missing["data"]["name"] == "odoo.exceptions.MissingError"
    wrong_db = odoo.rpc("object", "execute_kw", "other", 2, system.password, "res.partner", "search", [[]])
    assert "does not exist" in wrong_db.json()["error"]["data"]["message"]


def test_search_read_returns_false_for_empty_and_pairs_for_many2one(odoo):
    (partner,) = odoo.execute("res.partner", "search_read", [[["id", "=", 5]]], {
        "fields": ["name", "parent_id", "country_id", "vat", "is_company", "write_date"]}).json()["result"]
    assert partner["parent_id"] == [6, "Müller Bau GmbH"]
    assert partner["country_id"][1] == "Germany"
    assert partner["vat"] is False and partner["is_company"] is False
    assert partner["write_date"] == "2024-01-01 10:00:04"  # 12:00:04+02:00 stored as naive UTC


def test_polish_notation_domains_order_limit_and_offset(odoo):
    domain = ["|", ["write_date", ">", "2024-01-01 10:00:06"],
              "&", ["write_date", "=", "2024-01-01 10:00:06"], ["id", ">", 7]]
    rows = odoo.execute("res.partner", "search_read", [domain], {
        "fields": ["id"], "order": "write_date asc, id asc"}).json()["result"]
    assert [r["id"] for r in rows] == [8, 9, 10]
    page = odoo.execute("res.partner", "search_read", [[["is_company", "=", False]]], {
        "fields": ["name"], "order": "id desc", "limit": 2, "offset": 1}).json()["result"]
    assert [r["id"] for r in page] == [9, 8]
    bad = odoo.execute("res.partner", "search_read", [["|", ["id", "=", 1]]]).json()["error"]
    assert "Invalid domain" in bad["data"]["message"]
    bad_order = odoo.execute("res.partner", "search_read", [[]], {"order": "id; drop table"}).json()["error"]
    assert "Invalid \"order\"" in bad_order["data"]["message"]


def test_archived_partners_are_hidden_unless_active_test_is_off(odoo):
    odoo.execute("res.partner", "write", [[3], {"active": False}])
    default = odoo.execute("res.partner", "search", [[]]).json()["result"]
    everything = odoo.execute("res.partner", "search", [[]],
                              {"context": {"active_test": False}}).json()["result"]
    assert 3 not in default and 3 in everything


def test_every_write_stamps_write_date_even_without_change(odoo):
    before = odoo.system.inspect("2")["write_date"]
    assert odoo.execute("res.partner", "write", [[2], {"city": "กรุงเทพมหานคร"}]).json()["result"] is True
    after = odoo.system.inspect("2")
    assert after["write_date"] > before and after["city"] == "กรุงเทพมหานคร"


def test_data_survives_restart_and_reseeding_keeps_pushed_values(odoo, sample_rows):
    odoo.execute("res.partner", "write", [[1], {"x_crm_golden_id": "G-1"}])
    restarted = OdooSystem(odoo.system.data_dir)
    assert restarted.seed(sample_rows) == len(sample_rows)
    assert restarted.inspect("1")["golden_id"] == "G-1"
    assert restarted.inspect("404") is None and restarted.inspect("abc") is None


def test_seed_skips_other_systems_and_rejects_non_integer_ids(tmp_path, sample_rows):
    system = OdooSystem(tmp_path)
    assert system.seed([{**sample_rows[0], "source_system": "erp"}]) == 0
    with pytest.raises(ValueError, match="OD-1"):
        system.seed([{**sample_rows[0], "source_id": "OD-1"}])


def test_fault_injection_answers_503_then_recovers(odoo):
    odoo.system.faults.fail_next(1, status=503)
    first = odoo.rpc("common", "version")
    second = odoo.rpc("common", "version")
    assert (first.status_code, second.status_code) == (503, 200)
    armed = requests.post(f"{odoo.url}/_admin/faults", json={"throttle": 1, "retry_after": 2},
                          headers={"X-Admin-Password": odoo.system.password}, timeout=5)
    assert armed.json()["throttle"] == 1
    throttled = odoo.rpc("common", "version")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "2")
    forbidden = requests.post(f"{odoo.url}/_admin/faults", json={"fail": 1}, timeout=5)
    assert forbidden.status_code == 403
