"""A push that fails, for any reason, is that record's failure: the others are written and recorded,
and the sync reports it as failed (issue 18, failures that show)."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.base import Page, PushUpdate, SourceConnector
from hub.run_report import SyncSummary
from schemas import SourceConfig


class _Picky(SourceConnector):
    """Writes to a dict; a client library's TypeError for one record (as zeep raises for an unknown
    element), a value error for another."""

    written: dict[str, str]

    def check(self) -> None:  # pragma: no cover - not used
        pass

    def pull(self, cursor: str | None) -> Iterator[Page]:  # pragma: no cover - not used
        yield from ()

    def push_one(self, update: PushUpdate) -> None:
        if update.source_id == "2":
            raise TypeError("Customer() got an unexpected keyword argument 'Emails.string'")
        if update.source_id == "3":
            raise ValueError("tax id too long")
        self.written[update.source_id] = update.golden_id


def test_any_exception_fails_only_its_record() -> None:
    connector = _Picky(SourceConfig(name="erp", kind="csv"))
    connector.written = {}
    result = connector.push([PushUpdate(source_id=i, golden_id=f"G{i}", fields={}) for i in "1234"])
    assert result.pushed == ["1", "4"] and connector.written == {"1": "G1", "4": "G4"}
    assert "TypeError" in result.failed["2"] and "ValueError" in result.failed["3"]


def test_a_sync_with_failed_pushes_names_them() -> None:
    published = {"erp": {"pushed": 28, "failed": 2, "failures": {"7": "boom"}}}
    summary = SyncSummary(run_id="r", published=published)
    [problem] = summary.problems()
    assert problem.startswith("publish:erp: 2 push(es) failed") and "boom" in problem
    assert SyncSummary(run_id="r", published={"erp": {"pushed": 3, "failed": 0}}).problems() == []
