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
