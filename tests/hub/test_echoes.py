"""A source re-delivering what the hub pushed there is stored but not re-matched (issue 15, echoes)."""

from __future__ import annotations

from hub_staging import hub_config, stage

from hub.echoes import is_echo
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord

ANNA = CustomerRecord(
    source_system="erp", source_id="1", country="DE", given_name="Anna", family_name="Weber",
    phones=["+4930123456"], addresses=[{"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin"}],
)  # fmt: skip


def _with(record: CustomerRecord, **changes: object) -> CustomerRecord:
    return CustomerRecord.model_validate({**record.model_dump(), **changes})


def _address(**changes: str) -> list[dict[str, object]]:
    return [{**ANNA.addresses[0].model_dump(), **changes}]


def test_only_the_pushed_fields_with_the_pushed_values_make_an_echo() -> None:
    pushed = {"emails": ["anna@example.de"], "city": "Berlin-Mitte"}
    echo = _with(ANNA, emails=["anna@example.de"], addresses=_address(city="Berlin-Mitte"))
    assert is_echo(ANNA, echo, pushed)
    assert not is_echo(ANNA, echo, None)  # nothing pushed: a real change
    assert not is_echo(ANNA, _with(echo, family_name="Schmidt"), pushed)  # the customer changed too
    # a system that keeps its own values beside ours, or has room for only the first of ours, echoes
    kept_own = _with(echo, emails=["old@example.de", "anna@example.de"])
    assert is_echo(_with(ANNA, emails=["old@example.de"]), kept_own, pushed)
    two = {**pushed, "emails": ["anna@example.de", "a.weber@example.de"]}
    assert is_echo(ANNA, echo, two)
    # ... but a value that neither it had nor we sent is the customer's change
    assert not is_echo(ANNA, _with(echo, emails=["anna@example.de", "new@example.de"]), pushed)
    # ... and so is a value of its own that vanished while it holds one not ours
    stored = _with(ANNA, emails=["old@example.de", "x@example.de"])
    assert not is_echo(stored, _with(echo, emails=["old@example.de", "anna@example.de"]), pushed)
    moved = _with(echo, addresses=_address(street="Ring 2", city="Berlin-Mitte"))
    assert not is_echo(ANNA, moved, pushed)


def test_an_echo_is_stored_but_not_marked_changed(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/hub.db"
    store = HubStore(url, upgrade=True)
    stage(store, [ANNA])
    SyncPipeline(hub_config(url), store).match("run-1")
    golden_id = store.golden.golden_id_of(ANNA.key)
    store.outbox.mark_pushed("erp", {"1": "h1"}, fields={"1": {"emails": ["anna@example.de"]}})
    before = store.staging.changed_since(None)
    [[changed_at]] = _changed_at(store)
    echo = _with(ANNA, emails=["anna@example.de"])
    stats = store.staging.stage_page("erp", [echo], [], cursor=None)
    assert (stats.echoes, stats.updated) == (1, 0)
    assert store.staging.load_records([ANNA.key])[ANNA.key].emails == [
        "anna@example.de"
    ]  # stored as delivered
    assert _changed_at(store) == [[changed_at]] and store.staging.changed_since(None) == before
    second = SyncPipeline(hub_config(url), store).match("run-2")
    assert second["mode"] == "incremental" and store.golden.golden_id_of(ANNA.key) == golden_id
    [plan] = [s for s in store.runlog.run_steps("run-2") if s["step"] == "match-plan"]
    assert plan["stats"]["rematched_records"] == 0
    # a real change after it is a change again
    stats = store.staging.stage_page("erp", [_with(echo, family_name="Schmidt")], [], cursor=None)
    assert (stats.echoes, stats.updated) == (0, 1)


def _changed_at(store: HubStore) -> list[list]:
    from sqlalchemy import select

    from hub.models import SourceRecordRow

    with store.sessions() as session:
        return [list(r) for r in session.execute(select(SourceRecordRow.changed_at))]
