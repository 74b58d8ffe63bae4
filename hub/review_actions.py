"""What a steward does to a review cluster, as the typed decisions every later sync honours.

A cluster action is never stored as such: it becomes one or more :mod:`schemas.steward` decisions so
that the matcher's constraints stay the single source of truth (a sync re-applies them; undo and the
history already know them):

* ``merge``       the two proposals are one customer -> ``same`` on the strongest link between them,
                  then ``same`` with each member the re-match left outside (a member held off by a
                  veto, Jr./Sr. say, would bring the item back: the steward said all of them)
* ``keep_apart``  they are two customers          -> ``not_same`` on every uncertain link between them
* ``remove``      a member belongs to neither       -> ``unmerge`` of that member
* ``move``        a member belongs to the other     -> ``not_same`` with each member it leaves, then
                                                      ``same`` with the member of the other proposal
                                                      it has its strongest uncertain link to
"""

from __future__ import annotations

from enum import StrEnum

from hub.review_clusters import ReviewCluster
from hub.stewardship import Stewardship
from schemas import RecordKey
from schemas.steward import (
    DecisionKind,
    NotSameCustomerRequest,
    SameCustomerRequest,
    UnmergeRequest,
    taken,
)


class ClusterAction(StrEnum):
    MERGE = "merge"
    KEEP_APART = "keep_apart"
    REMOVE = "remove"
    MOVE = "move"


class ActionRefused(ValueError):
    """The action does not fit the item (a member that is not in it, a move without a link)."""


def _pair(
    kind: type[SameCustomerRequest | NotSameCustomerRequest],
    left: RecordKey,
    right: RecordKey,
    comment: str | None,
) -> SameCustomerRequest | NotSameCustomerRequest:
    code = DecisionKind.SAME if kind is SameCustomerRequest else DecisionKind.NOT_SAME
    return kind.model_validate({"kind": code, "left": left, "right": right, "comment": comment})


def apply_action(
    stewardship: Stewardship,
    cluster: ReviewCluster,
    action: ClusterAction,
    user: str,
    member: RecordKey | None = None,
    comment: str | None = None,
) -> list[str]:
    """Carry out ``action`` on ``cluster`` as ``user``; returns the golden ids the named records are in
    afterwards. ``ActionRefused`` when the action does not fit the item (nothing is stored then)."""
    links = cluster.links
    if action is ClusterAction.MERGE:
        return _merge(stewardship, cluster, user, comment)
    if action is ClusterAction.KEEP_APART:
        after: list[str] = []
        for link in links:
            request = _pair(NotSameCustomerRequest, link.left, link.right, comment)
            after = stewardship.decide(taken(request, user)).golden_ids
        return sorted(set(after))
    home = next((g for g, ms in cluster.members.items() for m in ms if m.key == member), None)
    if member is None or home is None:
        raise ActionRefused(f"{member} is not a member of review item {cluster.summary.item_id}")
    if action is ClusterAction.MOVE:
        target = _linked_member(cluster, member)
        if target is None:
            raise ActionRefused(f"{member} has no uncertain link into the other proposal; merge instead")
    if action is ClusterAction.REMOVE:
        unmerge = UnmergeRequest.model_validate(
            {"kind": DecisionKind.UNMERGE, "left": member, "golden_id": home, "comment": comment}
        )
        return stewardship.decide(taken(unmerge, user)).golden_ids
    assert target is not None
    # "not with my old proposal" first (an unmerge alone is lifted by the join, and the member's
    # strong links would pull its old proposal along), then "with this member of the other one"
    for stay in cluster.members[home]:
        if stay.key != member:
            request = _pair(NotSameCustomerRequest, member, stay.key, comment)
            stewardship.decide(taken(request, user))
    request = _pair(SameCustomerRequest, member, target, comment)
    return stewardship.decide(taken(request, user)).golden_ids


def _merge(stewardship: Stewardship, cluster: ReviewCluster, user: str, comment: str | None) -> list[str]:
    """``same`` on the strongest link, then on each member still outside (each re-match may move
    others, so until none is left; a member at most once)."""
    best = cluster.links[0]
    golden = stewardship.store.golden
    stewardship.decide(taken(_pair(SameCustomerRequest, best.left, best.right, comment), user))
    members = [m.key for ms in cluster.members.values() for m in ms]
    joined: set[RecordKey] = {best.left, best.right}

    def outside() -> list[RecordKey]:
        home = golden.golden_id_of(best.left)
        return [m for m in members if m not in joined and golden.golden_id_of(m) != home]

    while stray := outside():
        joined.add(stray[0])
        stewardship.decide(taken(_pair(SameCustomerRequest, best.left, stray[0], comment), user))
    return sorted({g for m in members if (g := golden.golden_id_of(m))})


def _linked_member(cluster: ReviewCluster, member: RecordKey) -> RecordKey | None:
    """The member of the other proposal that ``member`` has its strongest uncertain link to."""
    for link in cluster.links:  # strongest first
        if link.left == member:
            return link.right
        if link.right == member:
            return link.left
    return None
