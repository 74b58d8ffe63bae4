"""Turn benchmark runs into the Markdown table that goes to stdout and ``bench/results/matching.md``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.metrics import ClusterScores
from bench.tools import LABELS, PEERS


@dataclass
class ToolRun:
    dataset: str
    tool: str
    records: int
    scores: ClusterScores | None = None
    wall_s: float | None = None
    peak_rss_mb: float | None = None
    #: Subprocess time including interpreter start-up and reading the data set.
    total_s: float | None = None
    #: Whole process, interpreter start to clusters written (``total_s`` without interpreter teardown).
    process_s: float | None = None
    error: str | None = None


@dataclass
class DatasetReport:
    name: str
    link_type: str
    records: int
    notes: list[str] = field(default_factory=list)
    runs: list[ToolRun] = field(default_factory=list)


#: (header, how to read the value off a run, format); the same columns feed the ratio row.
Column = tuple[str, Callable[[ToolRun], float | None], str]
COLUMNS: list[Column] = [
    ("Pair P", lambda r: r.scores and r.scores.pair_precision, "{:.4f}"),
    ("Pair R", lambda r: r.scores and r.scores.pair_recall, "{:.4f}"),
    ("Pair F1", lambda r: r.scores and r.scores.pair_f1, "{:.4f}"),
    ("B³ P", lambda r: r.scores and r.scores.bcubed_precision, "{:.4f}"),
    ("B³ R", lambda r: r.scores and r.scores.bcubed_recall, "{:.4f}"),
    ("B³ F1", lambda r: r.scores and r.scores.bcubed_f1, "{:.4f}"),
    ("Exact R", lambda r: r.scores and r.scores.exact_recall, "{:.4f}"),
    ("Exact F1", lambda r: r.scores and r.scores.exact_f1, "{:.4f}"),
    ("Impure", lambda r: None if r.scores is None else float(r.scores.impure_clusters), "{:.0f}"),
    ("Wall s", lambda r: r.wall_s, "{:.2f}"),
    ("Process s", lambda r: r.process_s, "{:.2f}"),
    ("Peak MB", lambda r: r.peak_rss_mb, "{:.0f}"),
]


def _cell(value: float | None, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_dataset(report: DatasetReport) -> list[str]:
    lines = [_row(["Data set", "Tool", "Records", *[c[0] for c in COLUMNS]])]
    lines.append(_row(["---"] * (3 + len(COLUMNS))))
    for run in report.runs:
        label = LABELS.get(run.tool, run.tool)
        if run.error:
            label += " (failed)"
        values = [_cell(get(run), fmt) for _, get, fmt in COLUMNS]
        lines.append(_row([report.name, label, f"{run.records:,}", *values]))
    by_tool = {run.tool: run for run in report.runs if not run.error}
    for peer in (p for p in PEERS if "crmhub" in by_tool and p in by_tool):
        ratios = [
            _cell(ratio(get(by_tool["crmhub"]), get(by_tool[peer])), "{:.2f}×") for _, get, _ in COLUMNS
        ]
        lines.append(_row([report.name, f"**CRM Hub / {LABELS[peer]}**", "", *ratios]))
    return lines


def render(reports: list[DatasetReport], header: list[str] | None = None) -> str:
    lines = ["# Matching benchmark: CRM Hub vs Splink and GoldenMatch", ""]
    lines += header or []
    for report in reports:
        lines += ["", f"## {report.name} ({report.records:,} records, {report.link_type})", ""]
        lines += render_dataset(report)
        details = [*report.notes]
        for run in report.runs:
            if run.error:
                # The last line of a traceback names the exception; the whole tail is in the JSON.
                details.append(f"{LABELS.get(run.tool, run.tool)} failed: `{run.error.splitlines()[-1]}`")
            elif run.scores and run.scores.missing_records:
                details.append(
                    f"{LABELS.get(run.tool, run.tool)} returned no cluster for "
                    f"{run.scores.missing_records} records (scored as singletons)"
                )
            if run.scores:
                s = run.scores
                details.append(
                    f"{LABELS.get(run.tool, run.tool)}: {s.predicted_clusters:,} clusters for "
                    f"{s.true_clusters:,} true entities; {s.true_positive_pairs:,} of {s.predicted_pairs:,} "
                    f"predicted pairs correct, {s.true_pairs:,} true pairs; process total {run.total_s:.1f} s"
                )
        lines += [""] + [f"- {d}" for d in details]
    lines += ["", *LEGEND]
    return "\n".join(lines) + "\n"


LEGEND = [
    "Pair P/R/F1: over record pairs inside the same predicted vs true cluster (transitive merges count).",
    "B³: B-cubed per-record precision/recall, averaged over records.",
    "Exact R: share of true entities (singletons included) reproduced exactly as one cluster; Exact F1 "
    "also counts the share of predicted clusters that are exact.",
    "Impure: predicted clusters mixing two or more real customers (wrong merges).",
    "Wall s: the matcher call alone (Splink: training + prediction + clustering), in its own process; "
    "Process s: that whole process, interpreter start to clusters written (imports, reading the data, "
    "matching, writing); Peak MB: its peak RSS. Ratio rows: CRM Hub value / the peer's value.",
    "Examples of each tool's wrong and missed merges: bench/results/<data set>/<tool>/"
    "{impure,split}_examples.csv.",
]
