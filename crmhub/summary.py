"""Human-readable summary of a sync run, built from the run log (so it works after an Airflow run too)."""

from __future__ import annotations

from typing import Any


def format_run_summary(steps: list[dict[str, Any]], counts: dict[str, Any]) -> str:
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
    lines += [
        "",
        f"Hub totals: {counts['golden_active']} active golden records, "
        f"{counts['golden_retired']} retired ids, {counts['quarantined']} quarantined rows",
    ]
    return "\n".join(lines)
