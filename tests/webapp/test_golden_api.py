"""The golden-record API over the standalone app: every endpoint, auth failures (401/403), retired-id
redirects, and walking the change feed page by page."""

from __future__ import annotations

import pytest
from webapp_support import bearer

from hub.queries import HubQueries

ENDPOINTS = [
    "/api/v1/golden/G-000000000000",
    "/api/v1/golden?source_system=erp&source_id=1",
    "/api/v1/golden/search?q=becker",
    "/api/v1/changes",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_needs_a_valid_token(client, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer not-a-real-token-at-all"}).status_code == 403
    assert client.get(path, headers=bearer("erp")).status_code in (200, 404)


def test_get_by_id_and_lookup_by_source_id(client, hub):
    key, golden_id = next(iter(sorted(hub.store.golden.membership().items())))
    body = client.get(f"/api/v1/golden/{golden_id}", headers=bearer("erp")).json()
    assert body["golden_id"] == golden_id
    assert {"source_system": key.source_system, "source_id": key.source_id} in body["sources"]
    assert body["lineage"]  # consumers see where each value came from

    found = client.get(
        "/api/v1/golden",
        params={"source_system": key.source_system, "source_id": key.source_id},
        headers=bearer("erp"),
    )
    assert found.status_code == 200 and found.json()["golden_id"] == golden_id
    missing = client.get(
        "/api/v1/golden", params={"source_system": "erp", "source_id": "nope"}, headers=bearer("erp")
    )
    assert missing.status_code == 404
    assert client.get("/api/v1/golden/G-unknown", headers=bearer("erp")).status_code == 404


def test_a_retired_id_redirects_to_its_survivor(client, hub):
    # A review pair across two golden records (a pair inside one cluster merges nothing new).
    item = next(i for i in HubQueries(hub.store).review_queue().items if i.left_golden != i.right_golden)
    client.post(
        "/steward/decisions",
        json={"kind": "same", "left": item.left._asdict(), "right": item.right._asdict()},
        headers=bearer("ann"),
    ).raise_for_status()
    survivor = hub.store.golden.golden_id_of(item.left)
    retired = ({item.left_golden, item.right_golden} - {survivor}).pop()

    moved = client.get(f"/api/v1/golden/{retired}", headers=bearer("erp"), follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"].endswith(f"/api/v1/golden/{survivor}")
    assert client.get(f"/api/v1/golden/{retired}", headers=bearer("erp")).json()["golden_id"] == survivor


def test_search_by_name_email_phone_and_source_id(client, hub):
    # the first legacy CSV customer with a phone
    keys = sorted(k for k in hub.store.golden.membership() if k.source_system == "legacy_csv")
    record = next(r for r in hub.store.staging.load_records(keys).values() if r.phones)
    golden = hub.store.golden.get_golden(hub.store.golden.golden_id_of(record.key))
    queries = {
        "name": golden.display_name.split()[-1],
        "email": golden.emails[0] if golden.emails else record.source_id,
        "phone": record.phones[0][3:],  # without "+" and the country code: typed as written locally
        "source id": record.source_id,
    }
    for what, q in queries.items():
        hits = client.get("/api/v1/golden/search", params={"q": q}, headers=bearer("erp")).json()
        assert golden.golden_id in [h["golden_id"] for h in hits], what
    # one Latin letter says nothing (one Chinese character would: a surname)
    assert client.get("/api/v1/golden/search", params={"q": "x"}, headers=bearer("erp")).json() == []
    assert client.get("/api/v1/golden/search", params={"q": ""}, headers=bearer("erp")).status_code == 422
    assert client.get("/api/v1/golden/search", params={"q": "zzqqxx"}, headers=bearer("erp")).json() == []


def test_change_feed_pages_cover_the_outbox_once(client, hub):
    head = hub.store.outbox.outbox_head()
    assert head > 100
    seen, since, pages = [], 0, 0
    while True:
        page = client.get(
            "/api/v1/changes", params={"since": since, "limit": 40}, headers=bearer("erp")
        ).json()
        seen += [c["seq"] for c in page["changes"]]
        pages += 1
        assert page["head"] == head
        since = page["next"]
        if not page["has_more"]:
            break
    assert seen == sorted(set(seen)) and len(seen) == head and since == head
    assert pages == -(-head // 40)

    # A steward decision appends to the feed; a consumer at the head gets just that.
    item = next(i for i in HubQueries(hub.store).review_queue().items if i.left_golden != i.right_golden)
    client.post(
        "/steward/decisions",
        json={"kind": "same", "left": item.left._asdict(), "right": item.right._asdict()},
        headers=bearer("ann"),
    ).raise_for_status()
    news = client.get("/api/v1/changes", params={"since": since}, headers=bearer("erp")).json()
    assert {c["change"] for c in news["changes"]} == {"update", "merge"}
    assert all(c["seq"] > head for c in news["changes"]) and news["next"] == news["head"]
    assert client.get("/api/v1/changes", params={"limit": 0}, headers=bearer("erp")).status_code == 422


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/golden/{golden_id}", "/api/v1/golden", "/api/v1/golden/search", "/api/v1/changes"):
        assert "get" in spec["paths"][path]
    assert "308" in spec["paths"]["/api/v1/golden/{golden_id}"]["get"]["responses"]
