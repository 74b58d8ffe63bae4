"""Polish of issue 16 without a browser: ``/steward/`` opens the review clusters, an unmerge goes through a
confirmation page whose plain form works without JavaScript, and a decision's answer names and links
the golden record it left."""

from __future__ import annotations

from webapp_support import TOKENS, bearer

from webapp.auth import csrf_token


def _pair_of_two(hub):
    groups: dict[str, list] = {}
    for key, golden_id in sorted(hub.store.golden.membership().items()):
        groups.setdefault(golden_id, []).append(key)
    return next((g, m) for g, m in sorted(groups.items()) if len(m) == 2)


def test_the_workbench_opens_on_the_review_clusters(client):
    home = client.get("/steward/", params={"band": "mid"}, headers=bearer("vic"), follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/steward/review?band=mid"
    review = client.get("/steward/review", headers=bearer("vic")).text
    assert 'href="/steward/pairs"' in review  # the pair-by-pair queue is one link away
    assert client.get("/steward/pairs", headers=bearer("vic")).status_code == 200


def test_unmerge_asks_first_and_the_form_works_without_javascript(client, hub, auth):
    golden_id, (stays, leaves) = _pair_of_two(hub)
    page = client.get(f"/steward/golden/{golden_id}", headers=bearer("ann")).text
    link = f"/steward/golden/{golden_id}/unmerge?member={leaves.source_system}%3A{leaves.source_id}"
    assert f'href="{link}"' in page  # a link to the confirmation, not a button that acts at once
    confirm = client.get(link, headers=bearer("ann"))
    assert confirm.status_code == 200 and "out of this golden record?" in confirm.text
    assert 'method="post"' in confirm.text and 'name="csrf"' in confirm.text
    assert hub.store.golden.golden_id_of(leaves) == golden_id, "looking at the confirmation changes nothing"
    stranger = client.get(f"/steward/golden/{golden_id}/unmerge?member=erp:nope", headers=bearer("ann"))
    assert stranger.status_code == 404

    form = {"member": str(leaves), "comment": "two people, one address"}
    client.post("/login", data={"username": "vic", "token": TOKENS["vic"]})
    assert client.post(f"/steward/golden/{golden_id}/unmerge", data=form).status_code == 403  # a viewer
    client.post("/login", data={"username": "ann", "token": TOKENS["ann"]})
    assert client.post(f"/steward/golden/{golden_id}/unmerge", data=form).status_code == 403  # no CSRF token
    assert hub.store.golden.golden_id_of(leaves) == golden_id

    form["csrf"] = csrf_token(auth.csrf_secret(), "ann")
    done = client.post(f"/steward/golden/{golden_id}/unmerge", data=form, follow_redirects=False)
    assert done.status_code == 303
    new_home = hub.store.golden.golden_id_of(leaves)
    assert new_home != golden_id and hub.store.golden.golden_id_of(stays) == golden_id
    after = client.get(done.headers["location"]).text
    assert f'href="/steward/golden/{new_home}"' in after and "Unmerged:" in after
    assert "two people, one address" in after  # the reason, in the history


def test_a_decision_answer_names_and_links_its_golden_record(client, hub):
    golden_id, (left, right) = _pair_of_two(hub)
    body = {"kind": "not_same", "left": left._asdict(), "right": right._asdict()}
    answer = client.post("/steward/decisions", json=body, headers=bearer("ann")).json()
    refs = {ref["golden_id"]: ref for ref in answer["golden"]}
    assert set(refs) == set(answer["golden_ids"]) and len(refs) == 2
    for ref in refs.values():
        assert ref["href"] == f"/steward/golden/{ref['golden_id']}" and ref["name"]
