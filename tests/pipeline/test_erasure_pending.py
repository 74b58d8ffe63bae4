"""An erasure the hub cannot carry out, or that a source refuses, is never reported as done (issue 17
item 3): ``crmhub erase`` exits 3 naming it, the sync summary and ``crmhub summary`` list it as PENDING
with the reason, a refused one fails the run until the source takes it, and ``crmhub erasures --done``
records one a person carried out by hand."""

from __future__ import annotations

from pathlib import Path

import yaml

from crmhub.cli import main
from hub.erasure_queue import ErasureQueue
from hub.pipeline import SyncPipeline
from hub.run_report import run_problems
from schemas import HubConfig

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, store_url: str) -> Path:
    """The demo configuration; the legacy database may not be written to (push_back off)."""
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["database_url"] = store_url
    for source in data["sources"]:
        if source["name"] == "legacy_db":
            source["push_back"] = False
    path = tmp_path / "crmhub.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_an_erasure_a_source_cannot_or_will_not_carry_out_stays_pending_with_its_reason(
    local_sources, tmp_path, capsys
):
    path = _config(tmp_path, f"sqlite:///{tmp_path}/hub.db")
    assert main(["--config", str(path), "db-upgrade"]) == 0  # once, as a deployment does
    pipeline = SyncPipeline(HubConfig.model_validate(yaml.safe_load(path.read_text())))
    pipeline.run(run_id="sync-1")
    groups: dict[str, set[str]] = {}
    for key, golden_id in pipeline.store.golden.membership().items():
        groups.setdefault(golden_id, set()).add(key.source_system)
    golden_id = next(g for g, systems in sorted(groups.items()) if {"legacy_db", "webshop"} <= systems)
    local_sources.systems["webshop"].faults.fail_next(50, status=400)  # the shop refuses for now
    capsys.readouterr()

    assert main(["--config", str(path), "erase", golden_id, "--actor", "dpo@example.com"]) == 3
    said = capsys.readouterr().out
    assert "PENDING" in said and "push_back is off" in said and "webshop" in said and "failed" in said

    summary = pipeline.run(run_id="sync-2")
    assert any("erasure(s) failed at the source" in p for p in summary.problems())
    assert any("erasure(s) failed" in p for p in run_problems(pipeline.store.runlog.run_steps("sync-2")))
    assert main(["--config", str(path), "summary"]) == 0
    text = capsys.readouterr().out
    assert "Erasures still PENDING" in text and "push_back is off" in text and "FAILED" in text

    local_sources.systems["webshop"].faults.clear()
    summary = pipeline.run(run_id="sync-3")  # the publish step retries: the shop takes it now
    assert summary.problems() == []
    waiting = ErasureQueue(pipeline.store).waiting()
    assert {w.key.source_system for w in waiting} == {"legacy_db"}
    assert all(w.status == "unsupported" and "push_back is off" in w.reason for w in waiting)
    assert main(["--config", str(path), "summary"]) == 0
    assert "legacy_db" in capsys.readouterr().out.split("Erasures still PENDING")[1]

    for item in waiting:
        assert main(["--config", str(path), "erasures", "--done", str(item.key), "--actor", "clerk"]) == 0
    assert main(["--config", str(path), "erasures"]) == 0
    assert "no erasure is pending" in capsys.readouterr().out
    pipeline.store.close()
