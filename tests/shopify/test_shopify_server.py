"""The local store speaks Shopify's REST Admin API over real HTTP and persists in SQLite."""

from __future__ import annotations

import pytest
import requests

from sources.shopify import ShopifySystem


def test_missing_or_wrong_token_gets_shopifys_401(shop):
    wrong = shop.get("/customers.json", token="shpat_wrong")
    missing = requests.get(shop.api + "/customers.json", timeout=5)
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                      "password)"}


def test_cursor_paging_through_link_headers(shop):
    first = shop.get("/customers.json", limit=4)
    assert [c["id"] for c in first.json()["customers"]] == [1, 2, 3, 4]
    assert set(first.links) == {"next"}  # no "previous" on the first page
    second = requests.get(first.links["next"]["url"], timeout=5,
                          headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert [c["id"] for c in second.json()["customers"]] == [5, 6, 7, 8]
    assert set(second.links) == {"previous", "next"}
    back = requests.get(second.links["previous"]["url"], timeout=5,
                        headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert [c["id"] for c in back.json()["customers"]] == [1, 2, 3, 4]
    last = requests.get(second.links["next"]["url"], timeout=5,
                        headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert [c["id"] for c in last.json()["customers"]] == [9, 10] and "next" not in last.links


def test_page_info_forbids_other_filters_and_must_be_intact(shop):
    token = shop.get("/customers.json", limit=2).links["next"]["url"].split("page_info=")[1]
    mixed = shop.get("/customers.json", limit=2, page_info=token, updated_at_min="2024-01-01T00:00:00Z")
    assert mixed.status_code == 400
    assert mixed.json() == {"errors": {"updated_at_min": "updated_at_min cannot be passed when page_info "
                                                         "is present."}}
    tampered = shop.get("/customers.json", page_info=token[:-3] + "xyz")
    assert (tampered.status_code, tampered.json()) == (400, {"errors": {"page_info": "Invalid value."}})
    assert shop.get("/customers.json", limit=251).status_code == 400


def test_updated_at_min_is_inclusive_and_times_are_in_the_shop_zone(shop):
    customers = shop.get("/customers.json", updated_at_min="2024-01-01T17:00:07+07:00").json()["customers"]
    assert [c["id"] for c in customers] == [8, 9, 10]
    assert customers[0]["updated_at"] == "2024-01-01T17:00:07+07:00"  # Asia/Bangkok
    jurgen = shop.get("/customers/5.json").json()["customer"]
    assert jurgen["updated_at"] == "2024-01-01T17:00:04+07:00"  # seeded as 12:00:04+02:00


def test_seeding_stores_shopifys_native_shape(shop):
    jurgen = shop.system.inspect("5")
    assert (jurgen["first_name"], jurgen["email"]) == ("Jürgen", "J.Mueller@Example.de")
    assert jurgen["phone"] is None  # as typed it is no E.164 number, which Shopify requires here
    assert jurgen["default_address"]["phone"] == "030 1234567"  # as typed, on the address
    assert "juergen@work.example.de" in jurgen["note"] and "0171 1234567" in jurgen["note"]
    company = shop.system.inspect("6")
    assert (company["first_name"], company["default_address"]["company"]) == (None, "Müller Bau GmbH")
    assert company["default_address"]["country_name"] == "Germany"
    assert shop.system.inspect("404") is None and shop.system.inspect("abc") is None


def test_put_validates_like_shopify_and_stamps_updated_at(shop):
    before = shop.get("/customers/3.json").json()["customer"]
    updated = shop.put("/customers/3.json", {"customer": {"id": 3, "phone": "+886912345678"}})
    assert updated.json()["customer"]["phone"] == "+886912345678"
    assert updated.json()["customer"]["updated_at"] >= before["updated_at"]
    bad = shop.put("/customers/3.json", {"customer": {"email": "no at sign", "phone": "0912 345 678"}})
    assert bad.status_code == 422
    assert bad.json() == {"errors": {"email": ["is invalid"], "phone": ["is invalid"]}}
    taken = shop.put("/customers/3.json", {"customer": {"email": "IVAN.PETROV@example.bg"}})
    assert taken.json() == {"errors": {"email": ["has already been taken"]}}
    assert shop.put("/customers/999.json", {"customer": {}}).json() == {"errors": "Not Found"}
    assert shop.put("/customers/3.json", {"first_name": "x"}).status_code == 400


def test_metafields_are_unique_per_namespace_and_key(shop):
    body = {"metafield": {"namespace": "crm_hub", "key": "golden_id", "value": "G-1",
                          "type": "single_line_text_field"}}
    created = requests.post(f"{shop.api}/customers/1/metafields.json", json=body, timeout=5,
                            headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert created.status_code == 201 and created.json()["metafield"]["owner_resource"] == "customer"
    again = requests.post(f"{shop.api}/customers/1/metafields.json", json=body, timeout=5,
                          headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert again.status_code == 422 and "unique" in again.json()["errors"]["key"][0]
    listed = shop.get("/customers/1/metafields.json", namespace="crm_hub").json()["metafields"]
    assert [m["value"] for m in listed] == ["G-1"] and shop.system.inspect("1")["golden_id"] == "G-1"


def test_leaky_bucket_answers_429_with_decimal_retry_after(make_shop):
    shop = make_shop(bucket_size=3, leak_rate=0.5)
    answers = [shop.get("/shop.json") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-Shopify-Shop-Api-Call-Limit"] for a in answers[:3]] == ["1/3", "2/3", "3/3"]
    assert float(answers[3].headers["Retry-After"]) > 0 and "." in answers[3].headers["Retry-After"]
    assert "Exceeded" in answers[3].json()["errors"]


def test_data_survives_restart_and_reseeding_keeps_pushed_values(shop, sample_rows):
    shop.put("/customers/2.json", {"customer": {"first_name": "Somchai"}})
    restarted = ShopifySystem(shop.system.data_dir)
    assert restarted.seed(sample_rows) == len(sample_rows)
    assert restarted.inspect("2")["first_name"] == "Somchai"


def test_seed_skips_other_systems_and_rejects_non_integer_ids(tmp_path, sample_rows):
    system = ShopifySystem(tmp_path)
    assert system.seed([{**sample_rows[0], "source_system": "erp"}]) == 0
    with pytest.raises(ValueError, match="SH-1"):
        system.seed([{**sample_rows[0], "source_id": "SH-1"}])


def test_admin_endpoint_arms_faults(shop):
    armed = requests.post(f"{shop.url}/_admin/faults", json={"fail": 1, "fail_status": 502}, timeout=5,
                          headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert armed.json()["fail"] == 1
    assert [shop.get("/shop.json").status_code for _ in range(2)] == [502, 200]
    assert requests.post(f"{shop.url}/_admin/faults", json={"fail": 1}, timeout=5).status_code == 401
