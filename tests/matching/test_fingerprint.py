"""The model fingerprint: one hash per part of the engine that decides a match."""

from __future__ import annotations

import ast

from matching import fingerprint, match_frame, train_model
from matching.block import DEFAULT_KEYS
from matching.fingerprint import _without_docstrings, differences
from matching.rules import RULES, Effect, Rule
from schemas import MatchingConfig


def test_fingerprint_is_stable_and_stored_with_every_trained_model(tmp_path) -> None:
    from fixtures import PEOPLE, frame

    data = frame(PEOPLE)
    assert fingerprint() == fingerprint()
    assert train_model(data).fingerprint == fingerprint()
    assert match_frame(data).model.fingerprint == fingerprint()
    config = MatchingConfig(match_threshold=0.95, review_threshold=0.6)
    assert train_model(data, config).fingerprint == fingerprint(config)


def test_each_part_changes_only_with_what_it_hashes() -> None:
    base = fingerprint()
    fewer_rules = fingerprint(rules=RULES[1:])
    assert differences(base, fewer_rules) == ["rules"]
    flipped = tuple(
        Rule(r.name, Effect.CONTRADICT, r.when, r.reason) if r.name == "name_and_more" else r for r in RULES
    )
    assert differences(base, fingerprint(rules=flipped)) == ["rules"]
    reworded = tuple(Rule(r.name, r.effect, r.when, r.reason + " (reworded)", r.evidence) for r in RULES)
    assert differences(base, fingerprint(rules=reworded)) == []  # a reason is for people, not decisions
    assert differences(base, fingerprint(MatchingConfig(match_threshold=0.97))) == ["thresholds"]
    assert differences(base, fingerprint(blocking_keys=DEFAULT_KEYS[:-1])) == ["blocking_keys"]


def test_a_model_without_fingerprint_differs_in_words() -> None:
    [reason] = differences({}, fingerprint())
    assert "older engine" in reason


def test_code_hash_ignores_docstrings_and_comments_but_not_code() -> None:
    def dump(source: str) -> str:
        return ast.dump(_without_docstrings(ast.parse(source)))

    plain = "def f(x):\n    return x + 1\n"
    documented = 'def f(x):\n    """Add one."""\n    # why: because\n    return x + 1\n'
    changed = "def f(x):\n    return x + 2\n"
    assert dump(plain) == dump(documented)
    assert dump(plain) != dump(changed)
