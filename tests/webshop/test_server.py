"""The local web shop speaks WooCommerce REST v3 over real HTTP and persists in SQLite."""

from __future__ import annotations

import pytest
import requests

from connectors.rest_shop import woocommerce_auth
from sources.webshop import WebShopSystem

CUSTOMERS = "/wp-json/wc/v3/customers"


def test_missing_or_wrong_credentials_get_woocommerce_401(shop):
    key, _secret = shop.key_and_secret
    missing = requests.get(shop.url + CUSTOMERS, timeout=5)
    wrong = requests.get(shop.url + CUSTOMERS, auth=woocommerce_auth(shop.url, key, "nope"), timeout=5)
    assert (missing.status_code, missing.json()["code"]) == (401, "woocommerce_rest_cannot_view")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "woocommerce_rest_authentication_error")
    assert wrong.json() == {"code": "woocommerce_rest_authentication_error",
                            "message": "Invalid signature - provided signature does not match.",
                            "data": {"status": 401}}


def test_basic_auth_only_over_https_and_oauth_nonces_once(shop):
    """WooCommerce refuses the secret in clear over HTTP; behind a TLS proxy Basic works."""
    over_http = requests.get(shop.url + CUSTOMERS, auth=shop.key_and_secret, timeout=5)
    assert over_http.status_code == 401
    behind_tls = requests.get(shop.url + CUSTOMERS, auth=shop.key_and_secret, timeout=5,
                              headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.status_code == 200
    signed = requests.Request("GET", shop.url + CUSTOMERS, auth=shop.auth).prepare()
    assert requests.Session().send(signed, timeout=5).status_code == 200
    replayed = requests.Session().send(signed, timeout=5)  # the same nonce again
    assert replayed.json()["message"] == "Invalid nonce - nonce has already been used."


def test_paging_links_as_wordpress_sends_them(shop):
    response = requests.get(shop.url + CUSTOMERS, params={"per_page": 4, "page": 2, "orderby": "id"},
                            auth=shop.auth, timeout=5)
    assert response.links["next"]["url"].endswith("per_page=4&orderby=id&page=3")
    assert response.links["prev"]["url"].endswith("per_page=4&orderby=id&page=1")
    assert "oauth_" not in response.headers["Link"]


def test_list_pages_with_wp_total_headers(shop):
    response = requests.get(shop.url + CUSTOMERS, params={"per_page": 4, "page": 3, "orderby": "id"},
                            auth=shop.auth, timeout=5)
    assert response.headers["X-WP-Total"] == "10"
    assert response.headers["X-WP-TotalPages"] == "3"
    assert [c["id"] for c in response.json()] == [9, 10]
    too_big = requests.get(shop.url + CUSTOMERS, params={"per_page": 101}, auth=shop.auth, timeout=5)
    assert too_big.status_code == 400 and too_big.json()["code"] == "rest_invalid_param"


def test_customers_have_no_modified_filter_as_in_woocommerce(shop):
    """WooCommerce's customer list orders by id, include, name or registered_date only."""
    response = requests.get(shop.url + CUSTOMERS, auth=shop.auth, timeout=5, params={"orderby": "modified"})
    assert response.status_code == 400 and response.json()["code"] == "rest_invalid_param"
    assert shop.system.inspect("5")["date_modified_gmt"] == "2024-01-01T08:00:04"  # stored in GMT


def test_seeding_stores_the_native_woocommerce_shape(shop):
    person = shop.system.inspect("5")
    assert (person["first_name"], person["email"], person["billing"]["email"]) == (
        "Jürgen", "J.Mueller@Example.de", "juergen@work.example.de")
    assert person["billing"]["phone"] == "030 1234567"  # as typed; the connector normalises
    assert {"key": "additional_phones", "value": "0171 1234567"} in [
        {"key": m["key"], "value": m["value"]} for m in person["meta_data"]]
    company = shop.system.inspect("6")
    assert (company["first_name"], company["last_name"], company["billing"]["company"]) == (
        "", "", "Müller Bau GmbH")
    assert shop.system.inspect("1")["last_name"] == "Петров"
    assert shop.system.inspect("404") is None and shop.system.inspect("abc") is None


def test_put_is_a_partial_update_and_a_no_op_keeps_date_modified(shop):
    url = f"{shop.url}{CUSTOMERS}/3"
    before = requests.get(url, auth=shop.auth, timeout=5).json()
    body = {"billing": {"city": "臺北市"}, "meta_data": [{"key": "crm_golden_id", "value": "G-42"}]}
    after = requests.put(url, json=body, auth=shop.auth, timeout=5).json()
    assert after["billing"] == {**before["billing"], "city": "臺北市"}
    assert after["first_name"] == "志明" and after["date_modified_gmt"] > before["date_modified_gmt"]
    again = requests.put(url, json=body, auth=shop.auth, timeout=5).json()
    assert again["date_modified_gmt"] == after["date_modified_gmt"]
    assert shop.system.inspect("3")["golden_id"] == "G-42"
    bad = requests.put(url, json={"email": "no at sign"}, auth=shop.auth, timeout=5)
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    missing = requests.put(f"{shop.url}{CUSTOMERS}/999", json=body, auth=shop.auth, timeout=5)
    assert missing.status_code == 404 and missing.json()["code"] == "woocommerce_rest_invalid_id"


def test_batch_update_answers_each_item_in_order(shop):
    """``POST /customers/batch``: every item answers its customer or its own error, in the order sent;
    the valid ones are written together, a later item sees an earlier one's write."""
    golden = [{"key": "crm_golden_id", "value": "G-7"}]
    body = {"update": [
        {"id": 3, "billing": {"city": "Taipei"}},
        {"id": "x", "first_name": "?"},
        {"id": 999, "meta_data": golden},
        {"id": 4, "email": "no at sign"},
        {"id": 3, "meta_data": golden},
    ]}
    answer = requests.post(f"{shop.url}{CUSTOMERS}/batch", json=body, auth=shop.auth, timeout=5).json()
    updates = answer["update"]
    assert [u["id"] for u in updates] == [3, "x", 999, 4, 3]
    assert [u.get("error", {}).get("code") for u in updates] == [
        None, "woocommerce_rest_customer_invalid_id", "woocommerce_rest_invalid_id", "rest_invalid_param",
        None]
    assert updates[0]["billing"]["city"] == "Taipei" and updates[0]["meta_data"] != golden
    assert updates[4]["billing"]["city"] == "Taipei"
    assert {m["key"]: m["value"] for m in updates[4]["meta_data"]}["crm_golden_id"] == "G-7"
    assert shop.system.inspect("3")["golden_id"] == "G-7"


def test_data_survives_restart_and_reseeding_keeps_pushed_values(shop, sample_rows):
    requests.put(f"{shop.url}{CUSTOMERS}/1", json={"meta_data": [{"key": "crm_golden_id", "value": "G-1"}]},
                 auth=shop.auth, timeout=5)
    orders_before = shop.system.store.list_orders(customer_id=1, page=1, per_page=100)
    restarted = WebShopSystem(shop.system.data_dir)
    assert restarted.seed(sample_rows) == len(sample_rows)
    assert restarted.inspect("1")["golden_id"] == "G-1"
    assert restarted.store.list_customers(page=1, per_page=100)[1] == len(sample_rows)
    assert restarted.store.list_orders(customer_id=1, page=1, per_page=100) == orders_before


def test_seed_skips_other_systems_and_rejects_non_integer_ids(tmp_path, sample_rows):
    system = WebShopSystem(tmp_path)
    assert system.seed([{**sample_rows[0], "source_system": "erp"}]) == 0
    with pytest.raises(ValueError, match="WS-1"):
        system.seed([{**sample_rows[0], "source_id": "WS-1"}])


def test_orders_per_customer_with_totals(shop):
    response = requests.get(f"{shop.url}/wp-json/wc/v3/orders", params={"customer": 1, "per_page": 100},
                            auth=shop.auth, timeout=5)
    orders = response.json()
    assert response.headers["X-WP-Total"] == str(len(orders))
    assert all(o["customer_id"] == 1 and o["currency"] == "BGN" for o in orders)
    all_orders = shop.system.store.list_orders(customer_id=None, page=1, per_page=1000)[0]
    assert len(all_orders) > 0  # a few orders per customer, deterministic per id
    expected = sum(float(o["total"]) for o in orders if o["status"] in ("completed", "processing"))
    assert shop.system.lifetime_value("1") == round(expected, 2)


def test_admin_endpoint_arms_faults(shop):
    armed = requests.post(f"{shop.url}/_admin/faults", json={"fail": 1, "fail_status": 502},
                          auth=shop.auth, timeout=5)
    assert armed.json()["fail"] == 1
    first = requests.get(shop.url + CUSTOMERS, auth=shop.auth, timeout=5)
    second = requests.get(shop.url + CUSTOMERS, auth=shop.auth, timeout=5)
    assert (first.status_code, second.status_code) == (502, 200)
    unknown = requests.post(f"{shop.url}/_admin/faults", json={"explode": 1}, auth=shop.auth, timeout=5)
    assert unknown.status_code == 400 and "explode" in unknown.json()["message"]
