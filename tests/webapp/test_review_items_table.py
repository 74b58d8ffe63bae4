"""The maintained review items table (issue 16 item 6): after a match run and after each kind of steward
decision it holds exactly what a from-scratch rebuild holds, and what grouping the open review pairs by
hand gives; keyset paging neither repeats nor skips an item across a page boundary."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update
from webapp_support import bearer, matched_pipeline

import webapp.review_window
from hub.erasure import erase_person
from hub.models import MatchPairRow, ReviewItemRow, ReviewItemSourceRow
from hub.review_actions import ClusterAction, apply_action
from hub.review_clusters import QueueCursor, ReviewClusters
from hub.stewardship import Stewardship
from hub.store.review_items import built_middle, rebuild_review_items
from schemas import RecordKey


def _clusters(hub) -> ReviewClusters:
    return ReviewClusters(
        hub.store, hub.config.matching.review_threshold, hub.config.matching.match_threshold
    )


def _rows(session) -> tuple[set, set]:
    items = {
        (r.a, r.b, r.links, round(r.best_score, 9), round(r.distance, 9), r.band)
        for r in session.scalars(select(ReviewItemRow))
    }
    sources = {
        (r.a, r.b, r.source_system, round(r.distance, 9), r.band)
        for r in session.scalars(select(ReviewItemSourceRow))
    }
    return items, sources


def _by_hand(hub) -> dict[tuple[str, str], tuple[int, float, set[str]]]:
    """Items from the open review pairs and the golden records of their two records, in Python."""
    membership = hub.store.golden.membership()
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    with hub.store.sessions() as session:
        for p in session.scalars(select(MatchPairRow).where(MatchPairRow.decision == "review")):
            left = membership.get(RecordKey(p.left_system, p.left_id))
            right = membership.get(RecordKey(p.right_system, p.right_id))
            if left and right and left != right:
                grouped[tuple(sorted((left, right)))].append(p)
    return {
        k: (
            len(ps),
            round(max(p.score for p in ps), 9),
            {s for p in ps for s in (p.left_system, p.right_system)},
        )
        for k, ps in grouped.items()
    }


def assert_fresh(hub) -> None:
    """The table equals a rebuild from scratch (rolled back) and the items grouped by hand."""
    with hub.store.sessions() as session:
        middle = built_middle(session)
        assert middle is not None, "the queue was read, so the table is built"
        kept = _rows(session)
        rebuild_review_items(session, middle)
        rebuilt = _rows(session)
        session.rollback()
    assert kept == rebuilt
    items, sources = kept
    expected = _by_hand(hub)
    assert {(a, b): (n, best) for a, b, n, best, _d, _band in items} == {
        k: v[:2] for k, v in expected.items()
    }
    assert {(a, b, s) for a, b, s, _d, _band in sources} == {
        (*k, s) for k, v in expected.items() for s in v[2]
    }
    assert all(a < b for a, b, *_ in items), "a pair of one golden record is never an item"


def _act(client, item: str, body: dict) -> None:
    r = client.post(f"/api/v1/review/items/{item}/action", json=body, headers=bearer("ann"))
    assert r.status_code == 200, r.text


def test_table_stays_equal_to_a_rebuild_through_matches_and_decisions(client, hub):
    clusters = _clusters(hub)
    first = clusters.page(limit=500)
    assert first.total > 4, "the generated data should give a few review items"
    assert_fresh(hub)

    _act(client, first.items[0].item_id, {"action": "merge"})  # same
    assert_fresh(hub)
    _act(client, first.items[1].item_id, {"action": "keep_apart"})  # not the same (a pair verdict)
    assert_fresh(hub)
    item = next(
        c
        for s in clusters.page(limit=500).items
        if (c := clusters.item(s.item_id)) and any(len(m) > 1 for m in c.members.values())
    )
    member = next(m.key for ms in item.members.values() if len(ms) > 1 for m in ms)
    _act(client, item.summary.item_id, {"action": "remove", "member": member._asdict()})  # unmerge
    assert_fresh(hub)
    r = client.post("/steward/undo", headers=bearer("ann"))
    assert r.status_code in (200, 303), r.text
    assert_fresh(hub)

    hub.match("run-2")  # incremental: nothing changed
    assert_fresh(hub)
    hub.match("run-3", rematch_all=True)  # full: the whole table is rebuilt
    assert_fresh(hub)
    golden = clusters.page(limit=1).items[0].golden_ids[0]
    erase_person(hub.store, golden, actor="dpo", compact=False)
    assert_fresh(hub)
    assert all(golden not in s.golden_ids for s in clusters.page(limit=500).items)


def test_table_follows_an_incremental_match_of_changed_records(hub):
    clusters = _clusters(hub)
    before = clusters.page(limit=500)
    assert before.total
    # a changed source record: the next match run rematches its component only (a scoped write)
    key = hub.store.golden.members(before.items[0].golden_ids[0])[0]
    record = hub.store.staging.load_records([key])[key]
    changed = record.model_copy(update={"emails": [], "phones": []})
    hub.store.staging.stage_page(key.source_system, [changed], [], cursor=None)
    hub.match("run-2")
    assert_fresh(hub)


def _walk(clusters: ReviewClusters, size: int, **filters) -> list[str]:
    seen, after = [], None
    while True:
        page = clusters.page(limit=size, after=after, **filters)
        seen += [i.item_id for i in page.items]
        if len(page.items) < size:
            return seen
        after = page.items[-1].cursor


def test_keyset_paging_neither_repeats_nor_skips(hub):
    clusters = _clusters(hub)
    clusters.page()  # build
    with hub.store.sessions() as session, session.begin():  # ties: many items at the same distance
        session.execute(update(MatchPairRow).where(MatchPairRow.decision == "review").values(score=0.7))
        rebuild_review_items(session, clusters.middle)
    for filters in ({}, {"band": "mid"}, {"source": "erp"}, {"source": "webshop", "band": "mid"}):
        whole = [i.item_id for i in clusters.page(limit=1000, **filters).items]
        assert whole == sorted(whole), "equal distances are ordered by the golden ids"
        for size in (1, 2, 3):
            assert _walk(clusters, size, **filters) == whole, (filters, size)
        assert clusters.page(**filters).total == len(whole)
    assert QueueCursor.parse(str(QueueCursor(1e-05, "G-a", "G-b"))) == QueueCursor(1e-05, "G-a", "G-b")
    assert QueueCursor.parse("nonsense") is None


def test_the_page_walks_the_queue_across_windows(client, hub, monkeypatch):
    """Following "next" from the first item visits every item once, in queue order, across windows."""
    monkeypatch.setattr(webapp.review_window, "PAGE_SIZE", 2)
    expected = [i.item_id for i in _clusters(hub).page(limit=1000).items]
    assert len(expected) > 4
    visited, url = [], "/steward/review"
    while True:
        page = client.get(url, headers=bearer("ann"))
        assert page.status_code == 200
        visited.append(page.text.split('data-item="', 1)[1].split('"', 1)[0])
        if 'id="next"' not in page.text:
            break
        url = "/steward/review" + page.text.split('id="next" href="', 1)[1].split('"', 1)[0].replace(
            "&amp;", "&"
        )
    assert visited == expected
    back = page.text.split('id="prev" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    previous = client.get("/steward/review" + back, headers=bearer("ann")).text
    assert f'data-item="{expected[-2]}"' in previous
    # the older absolute links still open the same item
    old = client.get(f"/steward/review?at={len(expected) - 2}", headers=bearer("ann")).text
    assert f'data-item="{expected[-2]}"' in old


def test_on_both_backends(store_url, generated):
    """The lazy build, a scoped refresh (a steward's "not the same") and keyset paging on SQLite and
    PostgreSQL (temporary table, row-value comparison, string order of the golden ids)."""
    hub = matched_pipeline(store_url, generated)
    try:
        clusters = _clusters(hub)
        whole = clusters.page(limit=1000)
        assert whole.total == len(whole.items) > 2
        assert _walk(clusters, 2) == [i.item_id for i in whole.items]
        first = clusters.item(whole.items[0].item_id)
        apply_action(Stewardship(hub.store, hub.config), first, ClusterAction.KEEP_APART, "ann")
        assert_fresh(hub)
        assert first.summary.item_id not in {i.item_id for i in clusters.page(limit=1000).items}
    finally:
        hub.store.close()
