"""The local SuiteCRM speaks SuiteCRM's JSON:API V8: OAuth errors, paging links, filters, PATCH rules."""

from __future__ import annotations

import requests
from suitecrm_samples import SAMPLE_ROWS, uid


def get(crm, path: str, token: str, **params) -> requests.Response:
    return requests.get(f"{crm.url}{path}", params=params, headers={"Authorization": f"Bearer {token}"},
                        timeout=5)


def test_token_errors_follow_oauth2(crm):
    bad_client = requests.post(f"{crm.url}/Api/access_token", timeout=5, data={
        "grant_type": "password", "client_id": "x", "client_secret": "y", "username": "a", "password": "b"})
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
    unauthorised = get(crm, "/Api/V8/module/Accounts", "not-a-token")
    assert unauthorised.status_code == 401
    assert unauthorised.json()["hint"] == "Access token could not be verified"


def test_list_pages_like_suitecrm(crm):
    body = get(crm, "/Api/V8/module/Contacts", crm.token(), **{"page[size]": 3, "page[number]": 2,
                                                             "sort": "-date_modified"}).json()
    assert body["meta"] == {"total-pages": 3, "records-on-this-page": 3}
    assert body["data"][0]["type"] == "Contact" and body["data"][0]["id"] == uid(4)
    assert body["links"]["next"].startswith("/Api/V8/module/Contacts?")
    assert "page[number]=3" in body["links"]["next"]
    assert "page[number]=1" in body["links"]["prev"]
    unpaged = get(crm, "/Api/V8/module/Accounts", crm.token()).json()
    assert "meta" not in unpaged and len(unpaged["data"]) == 2  # no page[size]: everything, no links


def test_filters_compare_stored_datetimes_and_reject_unknown_fields(crm):
    token = crm.token()
    after = get(crm, "/Api/V8/module/Contacts", token,
                **{"filter[date_modified][gt]": "2024-01-01 10:00:07"})
    assert [item["id"] for item in after.json()["data"]] == [uid(9), uid(10)]
    iso = get(crm, "/Api/V8/module/Contacts", token,
              **{"filter[date_modified][eq]": "2024-01-01T12:00:00+02:00"})
    assert [item["id"] for item in iso.json()["data"]] == [uid(1)]
    unknown = get(crm, "/Api/V8/module/Contacts", token, **{"filter[shoe_size][eq]": "44"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["detail"] == "Filter field shoe_size in Contact module is not found"


def test_patch_validates_and_always_stamps_date_modified(crm):
    token = crm.token()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"data": {"type": "Accounts", "id": uid(6), "attributes": {"shoe_size_c": "44"}}}
    invalid = requests.patch(f"{crm.url}/Api/V8/module", json=body, headers=headers, timeout=5)
    assert invalid.status_code == 400 and "Property shoe_size_c in Accounts module is invalid" in invalid.text
    body["data"]["attributes"] = {}
    saved = requests.patch(f"{crm.url}/Api/V8/module", json=body, headers=headers, timeout=5).json()
    assert saved["data"]["attributes"]["date_modified"] > "2024-01-01T10:00:05+00:00"  # a save is a change
    missing = {"data": {"type": "Accounts", "id": "nope", "attributes": {}}}
    gone = requests.patch(f"{crm.url}/Api/V8/module", json=missing, headers=headers, timeout=5)
    assert gone.status_code == 404


def test_seeding_is_idempotent_and_keeps_pushed_values(crm):
    crm.touch("Contacts", uid(1), crm_golden_id_c="G-1")
    assert crm.system.seed(SAMPLE_ROWS) == len(SAMPLE_ROWS)
    assert crm.system.inspect(uid(1))["golden_id"] == "G-1"
