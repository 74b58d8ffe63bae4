"""Run log: the steps of each sync run with their statistics and errors, and the store's counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hub.models import GoldenRecordRow, MatchPairRow, QuarantineRow, RunLog, SourceRecordRow, utcnow
from hub.store.common import Repository, _jsonable


class RunLogRepository(Repository):
    """One row per pipeline step, written as it starts and as it ends."""

    def start_step(self, run_id: str, step: str, source: str | None = None) -> int:
        with self.sessions.begin() as session:
            row = RunLog(run_id=run_id, step=step, source=source, stats={})
            session.add(row)
            session.flush()
            return row.id

    def finish_step(self, step_id: int, stats: dict[str, Any], error: str | None = None) -> None:
        with self.sessions.begin() as session:
            row = session.get_one(RunLog, step_id)
            row.status = "failed" if error else "success"
            row.stats, row.error, row.finished_at = _jsonable(stats), error, utcnow()

    def run_steps(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The run log of one run (default: the latest run), in the order the steps started."""
        with self.sessions() as session:
            if run_id is None:
                run_id = session.scalar(select(RunLog.run_id).order_by(RunLog.id.desc()).limit(1))
            rows = session.scalars(select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id))
            return [
                {
                    "run_id": r.run_id,
                    "step": r.step,
                    "source": r.source,
                    "status": r.status,
                    "stats": r.stats,
                    "error": r.error,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                }
                for r in rows
            ]

    def counts(self) -> dict[str, Any]:
        with self.sessions() as session:

            def count(model: Any, *where: Any) -> int:
                return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

            per_source = dict(
                session.execute(
                    select(SourceRecordRow.source_system, func.count()).group_by(
                        SourceRecordRow.source_system
                    )
                ).all()
            )
            decisions = dict(
                session.execute(
                    select(MatchPairRow.decision, func.count()).group_by(MatchPairRow.decision)
                ).all()
            )
            return {
                "source_records": per_source,
                "golden_active": count(GoldenRecordRow, GoldenRecordRow.status == "active"),
                "golden_retired": count(GoldenRecordRow, GoldenRecordRow.status == "retired"),
                "pairs": decisions,
                "quarantined": count(QuarantineRow),
            }
