"""The decision endpoint takes one typed model per kind of decision (issue 16): a field override's value
has the field's type, a decision that does not fit gets 422 and nothing is stored, and the reason a
steward gives is kept and shown in the history with the records named by system, id and name."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from webapp_support import USERS, bearer, matched_pipeline

from hub.models import AuditEntry, StewardDecisionRow
from hub.queries import HubQueries
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users


@pytest.fixture(scope="module")
def shared(tmp_path_factory, generated):
    """One hub for the refusals: none of them may change it, so they can share it."""
    hub = matched_pipeline(f"sqlite:///{tmp_path_factory.mktemp('refusals')}/hub.db", generated)
    auth = StandaloneAuth(parse_users(USERS), secret=b"test-secret-not-for-production")
    with TestClient(create_app(lambda: hub.store, hub.config, auth)) as client:
        yield client, hub
    hub.store.close()


def _stored(hub) -> tuple[int, int, int]:
    """Decisions (also undone ones), audit entries and change events: what a refused decision must not add."""
    with hub.store.sessions() as session:
        decisions = session.scalar(select(func.count()).select_from(StewardDecisionRow))
        audit = session.scalar(select(func.count()).select_from(AuditEntry))
    return decisions, audit, hub.store.outbox.outbox_head()


def _merged(hub) -> tuple[str, list[dict[str, str]]]:
    groups: dict[str, list] = {}
    for key, golden_id in sorted(hub.store.golden.membership().items()):
        groups.setdefault(golden_id, []).append(key._asdict())
    return next((g, m) for g, m in sorted(groups.items()) if len(m) >= 2)


def test_a_list_valued_override_is_the_golden_list_and_later_rebuilds_work(client, hub):
    golden_id, _ = _merged(hub)
    body = {
        "kind": "field_override",
        "golden_id": golden_id,
        "field": "emails",
        "value": ["New@Example.com", "second@example.com"],
        "comment": "customer called in with both addresses",
    }
    response = client.post("/steward/decisions", json=body, headers=bearer("ann"))
    assert response.status_code == 200, response.text
    assert response.json()["golden_ids"] == [golden_id]
    assert hub.store.golden.get_golden(golden_id).emails == ["new@example.com", "second@example.com"]
    [decision] = hub.store.decisions.active_decisions()
    assert decision.value == ["new@example.com", "second@example.com"]

    # every later rebuild of that golden record applies it (it crashed with "unhashable type: 'list'")
    hub.match("run-2", rematch_all=True)
    rebuilt = hub.store.golden.get_golden(golden_id)
    assert rebuilt.emails == ["new@example.com", "second@example.com"]
    assert rebuilt.lineage["emails"].rule == "steward_override"


def _key(system: str = "erp", source_id: str = "1") -> dict[str, str]:
    return {"source_system": system, "source_id": source_id}


WRONG = {
    "same without its right record": {"kind": "same", "left": _key()},
    "same with a record as text": {"kind": "same", "left": "erp:1", "right": _key("webshop")},
    "same on one record twice": {"kind": "same", "left": _key(), "right": _key()},
    "same with a field of another kind": {"kind": "same", "left": _key(), "right": _key("x"), "value": 1},
    "same with an overlong id": {"kind": "same", "left": _key(source_id="9" * 129), "right": _key("x")},
    "not_same with a number for a record": {"kind": "not_same", "left": _key(), "right": 5},
    "not_same without records": {"kind": "not_same", "golden_id": "G-1"},
    "unmerge without its record": {"kind": "unmerge", "golden_id": "G-1"},
    "unmerge with a second record": {"kind": "unmerge", "left": _key(), "right": _key("x")},
    "an unknown kind": {"kind": "merge_everything", "left": _key()},
    "no kind": {"left": _key(), "right": _key("x")},
    "a comment that is no text": {"kind": "unmerge", "left": _key(), "comment": ["why"]},
}
WRONG_OVERRIDES = {
    "one e-mail for the list of e-mails": ("emails", "new@example.com"),
    "an invalid e-mail in the list": ("emails", ["new@example.com", "not-an-address"]),
    "an empty list": ("emails", []),
    "a national phone number (not E.164)": ("phones", ["030 1234567"]),
    "a phone as a number": ("phones", [4930123456]),
    "a list for the tax id": ("tax_id", ["DE281127676"]),
    "a list for a name": ("given_name", ["Anna", "Anne"]),
    "a number for a name": ("family_name", 42),
    "an empty name": ("full_name", "   "),
    "no date": ("date_of_birth", "last tuesday"),
    "an impossible birth date": ("date_of_birth", "1850-02-30"),
    "an unknown record type": ("record_type", "robot"),
    "a country that is no ISO code": ("country", "Germany"),
    "an address without fields": ("addresses", [{"planet": "Earth"}]),
    "a field that is not one": ("golden_id", "G-other"),
    "no value at all": ("tax_id", None),
}


@pytest.mark.parametrize("body", WRONG.values(), ids=WRONG.keys())
def test_a_decision_of_the_wrong_shape_gets_422_and_stores_nothing(shared, body):
    client, hub = shared
    stored = _stored(hub)
    response = client.post("/steward/decisions", json=body, headers=bearer("ann"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"], "422 says what is wrong"
    assert _stored(hub) == stored and hub.store.decisions.active_decisions() == []


@pytest.mark.parametrize("field, value", WRONG_OVERRIDES.values(), ids=WRONG_OVERRIDES.keys())
def test_an_override_of_the_wrong_type_gets_422_and_stores_nothing(shared, field, value):
    client, hub = shared
    golden_id, _ = _merged(hub)
    golden = hub.store.golden.get_golden(golden_id)
    stored = _stored(hub)
    body = {"kind": "field_override", "golden_id": golden_id, "field": field, "value": value}
    response = client.post("/steward/decisions", json=body, headers=bearer("ann"))
    assert response.status_code == 422, response.text
    assert _stored(hub) == stored and hub.store.decisions.active_decisions() == []
    assert hub.store.golden.get_golden(golden_id) == golden


def test_a_decision_naming_what_the_hub_does_not_hold_gets_404_and_stores_nothing(client, hub):
    stored = _stored(hub)
    missing = [
        {"kind": "field_override", "golden_id": "G-nope", "field": "tax_id", "value": "DE281127676"},
        {"kind": "same", "left": _key("erp", "no-such"), "right": _key("webshop", "no-such")},
        {"kind": "unmerge", "left": _key("erp", "no-such")},
    ]
    for body in missing:
        assert client.post("/steward/decisions", json=body, headers=bearer("ann")).status_code == 404
    assert _stored(hub) == stored


def test_the_reason_is_kept_and_the_history_names_records(client, hub):
    golden_id, members = _merged(hub)
    left, right = members[0], members[1]
    body = {
        "kind": "not_same",
        "left": left,
        "right": right,
        "comment": "different birth dates, father and son",
    }
    response = client.post("/steward/decisions", json=body, headers=bearer("ann"))
    assert response.status_code == 200, response.text
    [decision] = hub.store.decisions.active_decisions()
    assert decision.comment == "different birth dates, father and son"

    view = HubQueries(hub.store).golden(golden_id)
    [entry] = [h for h in view.history if h.kind == "not_same"]
    assert entry.actor == "ann" and entry.comment == "different birth dates, father and son"
    names = {r.key: r.name for r in entry.records}
    assert set(names) == {
        f"{left['source_system']}:{left['source_id']}",
        f"{right['source_system']}:{right['source_id']}",
    }
    assert all(names.values()), "each record is named by its display name"
    page = client.get(f"/steward/golden/{golden_id}", headers=bearer("vic")).text
    assert "different birth dates, father and son" in page and "decided: not the same customer" in page
    assert "decision_id" not in page and "decision:not_same" not in page  # no internal keys

    assert client.post("/steward/undo", headers=bearer("ann")).json()["undone"]["kind"] == "not_same"
    [entry] = [h for h in HubQueries(hub.store).golden(golden_id).history if h.kind == "not_same"]
    assert entry.undone == "by ann"
