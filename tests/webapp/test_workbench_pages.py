"""Workbench pages and decision endpoints without a browser: login, roles (viewer looks, steward
decides), CSRF on cookie sessions, HTML escaping, queue filters and counts, and the shared queries on
both store backends."""

from __future__ import annotations

from hub_staging import stage
from webapp_support import TOKENS, bearer, matched_pipeline

from hub.pair_queue import SCORE_BANDS
from hub.queries import HubQueries
from schemas.field_labels import field_label
from webapp.auth import csrf_token


def _login(client, user: str) -> None:
    response = client.post("/login", data={"username": user, "token": TOKENS[user]}, follow_redirects=False)
    assert response.status_code == 303
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()


def _pair(hub):
    item = HubQueries(hub.store).review_queue().items[0]
    return {"kind": "same", "left": item.left._asdict(), "right": item.right._asdict()}


def test_pages_redirect_to_login_and_refuse_wrong_tokens(client):
    page = client.get("/steward/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/steward/"
    wrong = client.post("/login", data={"username": "ann", "token": TOKENS["vic"]}, follow_redirects=False)
    assert wrong.status_code == 401 and "crmhub_session" not in wrong.headers.get("set-cookie", "")
    assert client.post("/steward/decisions", json={}).status_code == 401
    assert client.post("/steward/undo").status_code == 401


def test_viewer_and_api_consumer_may_look_but_not_decide(client, hub):
    for user in ("vic", "erp"):
        assert client.get("/steward/pairs", headers=bearer(user)).status_code == 200
        refused = client.post("/steward/decisions", json=_pair(hub), headers=bearer(user))
        assert refused.status_code == 403, user
        assert client.post("/steward/undo", headers=bearer(user)).status_code == 403
    _login(client, "vic")
    assert 'data-can-decide="no"' in client.get("/steward/pairs").text
    assert hub.store.decisions.active_decisions() == []


def test_cookie_session_needs_the_csrf_token_and_same_origin(client, hub, auth):
    _login(client, "ann")
    page = client.get("/steward/pairs").text
    token = csrf_token(auth.csrf_secret(), "ann")
    assert f'content="{token}"' in page
    assert client.post("/steward/decisions", json=_pair(hub)).status_code == 403
    assert (
        client.post("/steward/decisions", json=_pair(hub), headers={"X-CSRF-Token": "0" * 64}).status_code
        == 403
    )
    evil = {"X-CSRF-Token": token, "Origin": "https://evil.example"}
    assert client.post("/steward/decisions", json=_pair(hub), headers=evil).status_code == 403
    assert hub.store.decisions.active_decisions() == []

    done = client.post("/steward/decisions", json=_pair(hub), headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and len(done.json()["golden_ids"]) == 1
    [decision] = hub.store.decisions.active_decisions()
    assert decision.user == "ann" and decision.kind == "same"
    undone = client.post("/steward/undo", headers={"X-CSRF-Token": token}).json()
    assert undone["undone"]["kind"] == "same" and hub.store.decisions.active_decisions() == []


def test_bad_decisions_get_clear_errors(client):
    missing = client.post("/steward/decisions", json={"kind": "same"}, headers=bearer("ann"))
    assert missing.status_code == 422
    assert {("same", "left"), ("same", "right")} <= {tuple(e["loc"][-2:]) for e in missing.json()["detail"]}
    unknown = {"kind": "unmerge", "left": {"source_system": "erp", "source_id": "no-such-record"}}
    assert client.post("/steward/decisions", json=unknown, headers=bearer("ann")).status_code == 404


def test_names_are_escaped_everywhere(client, hub, generated):
    evil = generated[0].model_copy(
        update={"source_id": "EVIL-1", "full_name": "<script>alert(1)</script>", "given_name": "<b>x</b>"}
    )
    stage(hub.store, [evil])
    hub.match("run-2")
    golden_id = hub.store.golden.golden_id_of(evil.key)
    pages = [
        client.get("/steward/search", params={"q": "EVIL-1"}, headers=bearer("ann")).text,
        client.get(f"/steward/golden/{golden_id}", headers=bearer("ann")).text,
        client.get("/steward/pairs", headers=bearer("ann")).text,
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
    for text in pages:
        assert "<script>alert" not in text and "<b>x</b>" not in text


def test_queue_filters_counts_and_order(client, hub):
    queries = HubQueries(hub.store, 0.5, 0.92)
    queue = queries.review_queue()
    assert queue.total == len(queue.items) > 0
    assert [i.priority for i in queue.items] == sorted((i.priority for i in queue.items), reverse=True)
    assert sum(queue.counts["band"].values()) == queue.total
    for band in SCORE_BANDS:
        items = queries.review_queue(band=band).items
        assert len(items) == queue.counts["band"].get(band, 0)
        assert all(i.band == band for i in items)
    system, n = next(iter(queue.counts["source"].items()))
    assert queries.review_queue(source=system).total == n
    country, n = next(iter(queue.counts["country"].items()))
    assert queries.review_queue(country=country.lower()).total == n
    item = queue.items[0]
    assert item.explanation and {"field", "level", "weight"} <= set(item.explanation[0])
    assert any(item.differs.values())
    # every review pair says in words which rules fired (the rule table's reasons), in the page too
    rules = [e for i in queue.items for e in i.explanation if e["field"] == "rule"]
    assert rules and all(e["reason"] and e["reason"] != e["level"] for e in rules)
    page = client.get("/steward/pairs", headers=bearer("vic")).text
    shown = [e for e in queue.items[0].explanation if e["field"] == "rule"]
    for entry in shown:  # the page shows the top item with its rules' reasons
        assert f'<td colspan="3" class="reason">{entry["reason"]}</td>' in page.replace("&#39;", "'")

    page = client.get("/steward/pairs", params={"source": system}, headers=bearer("vic")).text
    assert f'<span id="queue-total">{queries.review_queue(source=system).total}</span>' in page
    assert client.get("/steward/pairs", params={"band": "bogus"}, headers=bearer("vic")).status_code == 422


def test_conflicts_page_and_choosing_a_value(client, hub):
    conflict = HubQueries(hub.store).conflicts()[0]
    page = client.get("/steward/conflicts", headers=bearer("vic")).text
    assert "Choose this value" in page and conflict.golden_id in page
    chosen = conflict.values[-1]["value"]
    body = {
        "kind": "field_override",
        "golden_id": conflict.golden_id,
        "field": conflict.field,
        "value": chosen,
    }
    client.post("/steward/decisions", json=body, headers=bearer("ann")).raise_for_status()
    golden = hub.store.golden.get_golden(conflict.golden_id)
    assert str(getattr(golden, conflict.field)) == chosen
    assert golden.lineage[conflict.field].rule == "steward_override"
    assert conflict.conflict_id not in [c.conflict_id for c in HubQueries(hub.store).conflicts()]
    history = client.get(f"/steward/golden/{conflict.golden_id}", headers=bearer("vic")).text
    assert "decided: field value" in history and "ann" in history
    assert f"{field_label(conflict.field)} = {chosen}" in history


def test_queries_on_both_backends(store_url, generated):
    pipeline = matched_pipeline(store_url, generated)
    try:
        queries = HubQueries(pipeline.store)
        assert queries.review_queue().total > 0
        # a Latin-script name of some customer, searched case-insensitively on SQLite and PostgreSQL
        recent = queries.changes(0, 200).changes
        names = [queries.golden(c["golden_id"]).golden.display_name or "" for c in recent]
        word = next(w for n in names for w in n.split() if w.isascii() and w.isalpha() and len(w) >= 5)
        name_hits = queries.search(word.lower())
        assert any(word.lower() in (h.display_name or "").lower() for h in name_hits)
        assert [h.golden_id for h in queries.search(word.upper())] == [h.golden_id for h in name_hits]
        assert queries.search("100%_") == []  # LIKE wildcards are taken literally
        first = queries.changes(0, 10)
        assert len(first.changes) == 10 and first.has_more and first.next == first.changes[-1]["seq"]
        view = queries.golden(first.changes[0]["golden_id"])
        assert view.members and view.history[0].kind in ("create", "update")
    finally:
        pipeline.store.close()


def test_the_pair_queue_pages_in_sql_without_repeats_or_gaps(hub):
    queries = HubQueries(hub.store, 0.5, 0.92)
    whole = queries.review_queue(limit=10_000)
    paged = [
        item.pair_id
        for offset in range(0, whole.total, 3)
        for item in queries.review_queue(limit=3, offset=offset).items
    ]
    assert paged == [item.pair_id for item in whole.items] and len(set(paged)) == whole.total > 3
    # a page knows the whole queue: its total and counts are not those of the page
    page = queries.review_queue(limit=2)
    assert page.total == whole.total and page.counts == whole.counts
