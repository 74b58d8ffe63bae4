"""Clustering: vetoes keep clusters apart unless the customer's own identifier outvotes them."""

import numpy as np

from matching.cluster import ClusterParams, cluster

# rows 0-2: one customer's records; row 3 has a mistyped birth date but the same tax id and name as
# rows 0 and 1, and row 2 (whose tax id was mistyped) differs from it in both: vetoed (score 0).
LEFT = np.array([0, 0, 1, 0, 1, 2])
RIGHT = np.array([1, 2, 2, 3, 3, 3])
SCORES = np.array([1.0, 0.99, 0.99, 0.98, 0.98, 0.0])
IS_MATCH = np.array([True, True, True, True, True, False])


def test_anchored_pairs_outvote_a_single_veto() -> None:
    anchored = np.array([True, False, False, True, True, False])
    labels = cluster(4, LEFT, RIGHT, SCORES, IS_MATCH, anchored=anchored).labels
    assert len(set(labels.tolist())) == 1


def test_without_anchors_a_veto_keeps_the_record_apart() -> None:
    labels = cluster(4, LEFT, RIGHT, SCORES, IS_MATCH).labels
    assert labels[3] != labels[0] and labels[0] == labels[1] == labels[2]
    anchored = np.array([True, False, False, True, True, False])
    off = ClusterParams(anchors_outvote_vetoes=False)
    assert cluster(4, LEFT, RIGHT, SCORES, IS_MATCH, params=off, anchored=anchored).labels[3] != 0


def test_one_anchor_does_not_outvote_one_veto() -> None:
    anchored = np.array([True, False, False, True, False, False])
    labels = cluster(4, LEFT, RIGHT, SCORES, IS_MATCH, anchored=anchored).labels
    assert labels[3] != labels[0]


# rows 0, 2, 3 write "John Davis Sr.", row 1 "Johnny Davis" with a phone of its own; 0-1 agree on e-mail
# and birth date. Pair 1-3 (one suffix, own contacts disagree) may join two generations: ambiguous.
GEN_LEFT = np.array([0, 0, 0, 1, 1, 2])
GEN_RIGHT = np.array([1, 2, 3, 2, 3, 3])
GEN_SCORES = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
GEN_MATCH = np.array([True, True, True, True, False, True])
GEN_AMBIGUOUS = np.array([False, False, False, False, True, False])
SR = 0


def _generations(suffix: list[int]) -> np.ndarray:
    return cluster(
        4, GEN_LEFT, GEN_RIGHT, GEN_SCORES, GEN_MATCH, ambiguous=GEN_AMBIGUOUS, suffix=np.array(suffix)
    ).labels


def test_an_unmarked_record_joins_a_suffixed_one_once_its_cluster_carries_the_same_suffix() -> None:
    # row 1 is already in a cluster of "Sr." records (0, 2): which generation it is has been settled
    assert len(set(_generations([SR, -1, SR, SR]).tolist())) == 1


def test_an_unmarked_record_with_contacts_of_its_own_stays_apart_from_the_other_generation() -> None:
    # rows 0 and 2 carry no suffix: row 1 may be the father of row 3's "Sr." namesake son
    labels = _generations([-1, -1, -1, SR])
    assert labels[3] != labels[1]
    # without the ambiguity the same scores put all four together
    plain = cluster(4, GEN_LEFT, GEN_RIGHT, GEN_SCORES, GEN_MATCH).labels
    assert len(set(plain.tolist())) == 1
