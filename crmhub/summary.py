"""Human-readable summary of a sync run, built from the run log (so it works after an Airflow run too)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hub.erasure_queue import WaitingErasure
from hub.parked_pushes import ParkedPush


def format_run_summary(
    steps: list[dict[str, Any]], counts: dict[str, Any], waiting: list[WaitingErasure] | None = None,
    parked: list[ParkedPush] | None = None,
) -> str:
    """The run's steps, then every erasure still waiting at a source (``waiting``), with its reason,
    and the values parked by any run (``parked``): those are not pushed again by later runs, so a
    run's own steps would stop mentioning them."""
    if not steps:
        return "No sync run recorded yet: run `crmhub sync` or trigger the customer_sync DAG."
    lines = [f"CRM Hub sync run {steps[0]['run_id']}", "", "Pulled from sources:"]
    for step in (s for s in steps if s["step"] == "extract"):
        st = step["stats"]
        if step["status"] == "failed":
            lines.append(f"  {step['source']:<12} FAILED: {step['error']}")
            continue
        pulled = st.get("inserted", 0) + st.get("updated", 0) + st.get("unchanged", 0) + st.get("echoes", 0)
        echoes = f", echoes of our pushes {st['echoes']}" if st.get("echoes") else ""
        lines.append(
            f"  {step['source']:<12} {pulled:>6} records in {st.get('pages', 0)} pages "
            f"(new {st.get('inserted', 0)}, changed {st.get('updated', 0)}, "
            f"unchanged {st.get('unchanged', 0)}{echoes}), {st.get('quarantined', 0)} quarantined"
        )
        lines += _scan_lines(st)
    for step in (s for s in steps if s["step"] == "extract-orders"):  # pulled beside the customers
        if step["status"] == "failed":
            lines.append(f"  {step['source']:<12} orders FAILED: {step['error']}")
        else:
            lines.append(f"  {step['source']:<12} {step['stats'].get('orders', 0):>6} orders")
    for step in (s for s in steps if s["step"] == "match-plan" and s["status"] != "failed"):
        st = step["stats"]
        if st.get("mode") == "full":
            lines += ["", f"Matched everything again ({st.get('full_because', 'full run')})"]
        else:
            lines += [
                "",
                f"Matched incrementally: {st.get('rematched_records', 0)} of {st.get('records', 0)} records "
                f"in {st.get('rematched_components', 0)} candidate components",
            ]
    for step in (s for s in steps if s["step"] == "match"):
        st = step["stats"]
        if step["status"] == "failed":
            lines += ["", f"Matching FAILED: {step['error']}"]
            continue
        pairs = st.get("pairs", {})
        lines += [
            "",
            "Matched and merged:",
            f"  {st.get('records', 0)} source records -> {st.get('golden_records', 0)} golden records",
            f"  {st.get('merged_golden_records', 0)} golden records merge several source records, "
            f"{st.get('cross_system_golden_records', 0)} of them across systems",
            f"  {pairs.get('match', 0)} pairs merged automatically, {pairs.get('review', 0)} pairs sent to "
            f"data stewards for review",
            f"  golden records created {st.get('golden_created', 0)}, updated {st.get('golden_updated', 0)}, "
            f"retired by merges {st.get('golden_retired', 0)}",
        ]
    publish = [s for s in steps if s["step"] == "publish"]
    if publish:
        lines += ["", "Pushed back to sources:"]
        for step in publish:
            st = step["stats"]
            if step["status"] == "failed":
                lines.append(f"  {step['source']:<12} FAILED: {step['error']}")
            elif st.get("skipped"):
                lines.append(f"  {step['source']:<12} skipped ({st['skipped']})")
            else:
                lines.append(
                    f"  {step['source']:<12} {st.get('pushed', 0):>6} records updated "
                    f"({st.get('fields_changed', 0)} with corrected fields), "
                    f"{st.get('unchanged', 0)} already up to date, {st.get('failed', 0)} failed"
                )
            if st.get("parked"):
                first = next(iter(st.get("parked_reasons", {}).items()), None)
                example = f"; e.g. {first[0]}: {first[1]}" if first else ""
                lines.append(f"  {'':<12} {st['parked']} with values the system cannot hold, left out and "
                             f"parked (crmhub parked){example}")
            if st.get("deleted"):
                lines.append(f"  {'':<12} {format_erasures(st['deleted'])}")
    lines += _waiting(waiting or [])
    lines += _parked(parked or [])
    lines += [
        "",
        f"Hub totals: {counts['golden_active']} active golden records, "
        f"{counts['golden_retired']} retired ids, {counts['quarantined']} quarantined rows",
    ]
    return "\n".join(lines)


def _scan_lines(stats: dict[str, Any]) -> list[str]:
    """Whether a source that may leave out its scan (the web shop) read every page or only what its
    webhooks announced: a skipped scan must not read as "nothing changed"; and why the webhooks may
    not cover the time until the next scan."""
    lines = []
    if stats.get("scan"):
        lines.append(f"  {'':<12} scan: {stats['scan']}; {stats.get('announced', 0)} records announced by "
                     "webhooks read by id")
    if stats.get("warning"):
        lines.append(f"  {'':<12} WARNING: {stats['warning']}")
    return lines


def format_erasures(stats: dict[str, Any]) -> str:
    """One publish step's erasures: what the source erased, what failed, what waits for a person."""
    parts = [f"erasures: {stats.get('done', 0)} carried out"]
    if stats.get("failed"):
        reasons = "; ".join(list(stats.get("failures", {}).values())[:2])
        parts.append(f"{stats['failed']} FAILED ({reasons})")
    if stats.get("pending"):
        parts.append(f"{stats['pending']} PENDING: {stats.get('reason')}")
    return ", ".join(parts)


def _parked(parked: list[ParkedPush]) -> list[str]:
    """Values no source took, by source: they wait for a person (or a change of the golden value)."""
    if not parked:
        return []
    by_source: dict[str, list[ParkedPush]] = defaultdict(list)
    for item in parked:
        by_source[item.source_system].append(item)
    lines = ["", f"Values PARKED because a source cannot hold them ({len(parked)} records; crmhub parked "
                 "lists them, retried when the golden value changes):"]
    for source, items in sorted(by_source.items()):
        lines.append(f"  {source:<12} {len(items):>6} records - e.g. {items[0].source_id}: {items[0].reason}")
    return lines


def _waiting(waiting: list[WaitingErasure]) -> list[str]:
    """Erasures not carried out at their source: never reported as done while one is left."""
    if not waiting:
        return []
    by_source: dict[str, list[WaitingErasure]] = defaultdict(list)
    for item in waiting:
        by_source[item.key.source_system].append(item)
    total = f"{len(waiting)} records; crmhub erasures lists them"
    lines = ["", f"Erasures still PENDING at the sources ({total}):"]
    for source, items in sorted(by_source.items()):
        reasons = sorted({f"{item.status}: {item.reason}" for item in items})
        lines.append(f"  {source:<12} {len(items):>6} pending - {reasons[0]}")
        lines += [f"  {'':<12} {'':>6}           {reason}" for reason in reasons[1:3]]
    return lines
