"""Steward decisions (issue 16): typed per kind and field, stored together with their effect or not at
all, touching only the records they name; tax ids compared as numbers."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from hub.consolidate import hold_back
from hub.golden import LIST_FIELDS, SCALAR_FIELDS, build_golden, field_conflicts
from hub.models import AuditEntry, StewardDecisionRow
from hub.queries import HubQueries
from hub.stewardship import Stewardship
from hub.store import HubStore, StoredMatch
from hub.tax_ids import tax_id_key
from schemas import CustomerRecord, RecordKey, SurvivorshipConfig
from schemas.steward import FIELD_TYPES, parse_decision

SAME_NUMBER = [
    ("DE281127676", None, "281127676", None),
    ("DE 281.127.676", None, "281127676", "DE"),
    ("de-281-127-676", None, "281127676", None),
    ("ATU 1234 5678", None, "U12345678", "AT"),
    ("atu12345678", None, "u 1234-5678", None),
    ("BG175074752", None, "175 074 752", "BG"),
    ("GB 980 7806 84", None, "980780684", "GB"),
    ("EL094259216", None, "094259216", "GR"),  # Greece's VAT prefix is EL, its country code GR
    ("NL123456789B01", None, "123456789.b.01", "NL"),
    ("ＤＥ２８１１２７６７６", None, "281127676", None),  # full-width, as pasted from a PDF
    ("0312-345-678", "VN", "0312 345 678", "VN"),  # no VAT module for the country: the general rule
]
OTHER_NUMBER = [
    ("DE281127676", "DE281127677"),
    ("ATU12345678", "ATU12345679"),
    ("NL123456789B01", "NL123456789B02"),
    ("0312345678", "0312345679"),
]


@pytest.mark.parametrize("a, a_country, b, b_country", SAME_NUMBER)
def test_one_tax_id_in_any_spelling_has_one_key(a, a_country, b, b_country):
    assert tax_id_key(a, a_country) == tax_id_key(b, b_country) is not None


@pytest.mark.parametrize("a, b", OTHER_NUMBER)
def test_different_tax_ids_keep_different_keys(a, b):
    assert tax_id_key(a) != tax_id_key(b)


def _record(key: RecordKey, updated: int, **extra) -> CustomerRecord:
    return CustomerRecord(
        source_system=key.source_system,
        source_id=key.source_id,
        organization_name="Muster GmbH",
        record_type="organization",
        country="DE",
        updated_at=datetime(2026, 1, updated, tzinfo=UTC),
        **extra,
    )


A, B, C = RecordKey("erp", "0000100070"), RecordKey("webshop", "1114"), RecordKey("legacy_db", "7")


def test_the_demo_vat_numbers_raise_no_conflict_and_vote_together():
    erp = _record(A, 1, tax_id="DE281127676")
    shop = _record(B, 2, tax_id="281127676")
    other = _record(C, 3, tax_id="DE 999 999 999")
    assert field_conflicts([erp, shop], ["tax_id"]) == {}
    assert list(field_conflicts([erp, shop, other], ["tax_id"])) == ["tax_id"]
    # most frequent counts the two spellings as one number (2 votes against the newer record's 1)
    config = SurvivorshipConfig(fields={"tax_id": ["most_frequent", "most_recent"]})
    golden = build_golden("G-1", [other, shop, erp], {}, survivorship=config)
    assert tax_id_key(golden.tax_id) == "281127676"
    # and the other spelling of the winning number is no competing value
    assert [c["value"] for c in golden.lineage["tax_id"].competing] == ["DE 999 999 999"]


def test_an_override_of_a_list_field_is_the_whole_list():
    erp = _record(A, 1, emails=["info@muster.de"], phones=["+49301234567"])
    shop = _record(B, 2, emails=["shop@muster.de"])
    overrides = {"emails": ["new@example.com"], "tax_id": "DE281127676"}
    golden = build_golden("G-1", [erp, shop], {}, overrides)
    assert golden.emails == ["new@example.com"] and golden.phones == ["+49301234567"]
    assert golden.tax_id == "DE281127676"
    assert golden.lineage["emails"].rule == "steward_override" and golden.lineage["emails"].source is None


def test_every_golden_field_has_an_override_type():
    assert set(FIELD_TYPES) == set(SCALAR_FIELDS) | set(LIST_FIELDS)


def test_decisions_are_typed_per_kind():
    same = parse_decision({"kind": "same", "left": ["erp", "1"], "right": ["webshop", "2"], "user": "ann"})
    assert same.left == RecordKey("erp", "1") and not hasattr(same, "value")
    override = parse_decision(
        {
            "kind": "field_override",
            "golden_id": "G-1",
            "field": "phones",
            "value": ["+49 30 1234567"],
            "user": "a",
        }
    )
    assert override.value == ["+49301234567"]
    with pytest.raises(ValidationError, match="not a value for emails"):
        parse_decision(
            {"kind": "field_override", "golden_id": "G", "field": "emails", "value": "a@b.de", "user": "a"}
        )
    with pytest.raises(ValidationError, match="two different records"):
        parse_decision({"kind": "not_same", "left": ["erp", "1"], "right": ["erp", "1"], "user": "ann"})


# ---- decisions on a matched hub -------------------------------------------------------------------


def _stored(store: HubStore) -> tuple[int, int, int]:
    with store.sessions() as session:
        decisions = session.scalar(select(func.count()).select_from(StewardDecisionRow))
        audit = session.scalar(select(func.count()).select_from(AuditEntry))
    return decisions, audit, store.outbox.outbox_head()


def _groups(store: HubStore) -> dict[str, list[RecordKey]]:
    groups: dict[str, list[RecordKey]] = defaultdict(list)
    for key, golden_id in sorted(store.golden.membership().items()):
        groups[golden_id].append(key)
    return groups


def test_not_the_same_on_records_already_apart_changes_nothing_but_the_constraint(hub):
    item = next(i for i in HubQueries(hub.store).review_queue().items if i.left_golden != i.right_golden)
    before, head = hub.store.golden.membership(), hub.store.outbox.outbox_head()
    stewardship = Stewardship(hub.store, hub.config)
    decision = parse_decision({"kind": "not_same", "left": item.left, "right": item.right, "user": "ann"})
    outcome = stewardship.decide(decision)
    assert sorted(outcome.golden_ids) == sorted({item.left_golden, item.right_golden})
    assert hub.store.golden.membership() == before and hub.store.outbox.outbox_head() == head
    assert [d.kind for d in hub.store.decisions.active_decisions()] == ["not_same"]
    assert item.pair_id not in {i.pair_id for i in HubQueries(hub.store).review_queue().items}
    stewardship.undo_last("ann")  # back in the queue, still nothing moved
    assert item.pair_id in {i.pair_id for i in HubQueries(hub.store).review_queue().items}
    assert hub.store.golden.membership() == before and hub.store.outbox.outbox_head() == head


def test_not_the_same_inside_a_golden_record_separates_exactly_those_two(hub):
    golden_id, members = max(_groups(hub.store).items(), key=lambda g: (len(g[1]), g[0]))
    assert len(members) >= 3
    left, right = members[0], members[-1]
    others = {k: g for k, g in hub.store.golden.membership().items() if k not in members}
    Stewardship(hub.store, hub.config).decide(
        parse_decision({"kind": "not_same", "left": left, "right": right, "user": "ann"})
    )
    after = hub.store.golden.membership()
    assert after[left] != after[right]
    assert {after[k] for k in members} == {after[left], after[right]}, "a third record was split out"
    assert golden_id in {after[left], after[right]}  # the larger side keeps the id
    assert {k: after[k] for k in others} == others  # no other golden record touched


def test_a_decision_and_its_effect_are_stored_together_or_not_at_all(hub):
    golden_id, members = next((g, m) for g, m in sorted(_groups(hub.store).items()) if len(m) >= 2)
    decision = parse_decision({"kind": "unmerge", "left": members[-1], "golden_id": golden_id, "user": "ann"})
    stored = _stored(hub.store)
    broken = StoredMatch(golden=[], retired={}, membership={}, pairs=[[{"left_system": "erp"}]], run_id=None)
    with pytest.raises(Exception, match="(?i)null|constraint|required"):
        hub.store.decisions.save_decision(
            decision, match=broken
        )  # the effect fails after the decision row is written
    assert _stored(hub.store) == stored and hub.store.decisions.active_decisions() == []


def test_a_stored_decision_that_is_no_valid_decision_does_not_break_matching(hub, caplog):
    golden_id, _ = next(iter(sorted(_groups(hub.store).items())))
    with hub.store.sessions.begin() as session:  # as stored before decisions were typed (issue 16)
        session.add(
            StewardDecisionRow(
                kind="field_override", golden_id=golden_id, field="emails", value={"value": 5}, user="old"
            )
        )
    assert hub.store.decisions.active_decisions() == []
    assert "is not a valid decision" in caplog.text
    hub.match("run-2", rematch_all=True)  # every golden record rebuilt: no crash
    assert hub.store.golden.get_golden(golden_id) is not None


def test_a_sync_leaves_alone_what_decisions_rebuilt_while_it_matched():
    d, e = RecordKey("erp", "8"), RecordKey("erp", "9")
    clusters = {0: [A, B], 1: [C], 2: [d, e]}
    membership = {A: "G-1", B: "G-1", C: "G-1", d: "G-2", e: "G-2"}
    pair = {"left_system": "erp", "left_id": "0000100070", "right_system": "webshop", "right_id": "1114"}
    other = {"left_system": "erp", "left_id": "8", "right_system": "erp", "right_id": "9"}
    kept, pairs, scope = hold_back(clusters, [[pair], [other, pair]], None, {C}, membership)
    # C was decided on; its golden record held A and B, whose computed cluster is left out with it
    assert kept == {2: [d, e]} and scope == {d, e}
    assert pairs is not None and list(pairs) == [[], [other]] and list(pairs) == [[], [other]]  # twice
    assert hold_back(clusters, None, {A, d}, set(), membership) == (clusters, None, {A, d})
