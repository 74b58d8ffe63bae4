"""What ``crmhub match --explain N`` prints: the weights learnt from this data, the rules that fired
most often, and N pairs with each field's level and weight and each rule's reason."""

from __future__ import annotations

from matching import MatchResult


def format_weights(result: MatchResult) -> list[str]:
    """Per comparison and level: m, u and the weight log2(m/u) the model learnt (or took as prior)."""
    if result.model is None:
        return []
    lines = [
        f"Model: trained on {result.model.trained_on_records} records, prior match rate "
        f"{result.model.match_rate:.4g}, twin share {result.model.twin_share:.3f}",
        f"    {'field':<14} {'level':<22} {'m':>9} {'u':>11} {'weight':>7}",
    ]
    for comparison in result.model.comparisons:
        lines += [
            f"    {comparison.name:<14} {lv.level:<22} {lv.m:9.4f} {lv.u:11.6f} {lv.weight:+7.2f}"
            for lv in comparison.levels
        ]
    return lines


def format_rules_fired(result: MatchResult, top: int = 12) -> list[str]:
    fired = sorted(result.stats.get("rules_fired", {}).items(), key=lambda kv: -kv[1])
    lines = ["Rules fired (candidate pairs):"]
    lines += [f"    {name:<44} {count:>9}" for name, count in fired[:top] if count]
    return lines


def format_explanation(result: MatchResult, pairs: int) -> str:
    lines = ["", *format_weights(result), "", *format_rules_fired(result)]
    for pair in result.pair_models()[:pairs]:
        lines.append(f"\n{pair.left} ~ {pair.right}: score {pair.score:.3f} -> {pair.decision.value}")
        for c in pair.comparisons:
            if c.field == "rule":
                lines.append(f"    rule           {c.level:<34} {c.reason}")
            else:
                lines.append(
                    f"    {c.field:<14} {c.level:<22} {c.weight:+6.2f}  {c.left!s:.30} | {c.right!s:.30}"
                )
    return "\n".join(lines)
