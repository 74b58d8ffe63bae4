"""Clustering matched pairs into customers without transitive chaining.

Plain connected components turn "Anna and Peter share a landline" plus "Peter's web-shop record has only
the family name and that landline" into one customer. Here two clusters merge only if *all* scored
evidence between them agrees: the average probability over the scored cross pairs must reach
``average_cut`` and no cross pair may be below ``veto_cut`` (a different birth date or tax id) -
unless more cross pairs are *anchored* (the customer's own identifier: the same tax id and name, or a
tax id that identifies on its own, as a company's does) than vetoed: a record whose birth date was
mistyped beyond recognition still carries its id number, and one sibling record with a mistyped id must
not keep it out of its own cluster.
A record without Jr./Sr. whose own e-mail or mobile disagrees with a suffixed record may be the other
generation: that pair keeps the two clusters apart (as a veto would) until the unmarked record's cluster
carries the same suffix itself - then which generation it is has been settled by other evidence.
Steward constraints win over scores: must-link pairs are merged first, cannot-link pairs (and anything
that would put them together transitively) are never merged. Match pairs that end up in different
clusters are reported as cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass
class ClusterParams:
    average_cut: float = 0.5
    veto_cut: float = 0.02
    #: Whether anchored cross pairs outnumbering the vetoed ones lift the veto (see the module docstring).
    anchors_outvote_vetoes: bool = True


@dataclass
class ClusterOutcome:
    #: Cluster label per record row: the smallest row index in the cluster.
    labels: np.ndarray
    constraint_conflicts: list[tuple[int, int]] = field(default_factory=list)


class _Agglomeration:
    """Average-link merging over a sparse graph of scored pairs, with cannot-link sets per cluster."""

    def __init__(self, nodes: np.ndarray, suffix: np.ndarray | None = None) -> None:
        ids = nodes.tolist()
        self.parent = dict(zip(ids, ids, strict=True))
        self.size = dict.fromkeys(ids, 1)
        #: cluster -> neighbour cluster -> [sum of scores, count, min score, anchored, vetoed, ambiguous];
        #: one list per pair of clusters, shared by both directions
        self.links: dict[int, dict[int, list[float]]] = {n: {} for n in ids}
        #: cluster -> clusters it must never join (only clusters under a cannot-link constraint have one)
        self.cannot: dict[int, set[int]] = {}
        #: cluster -> the generational suffixes its records carry (codes; only clusters with one have one)
        self.suffixes: dict[int, frozenset[int]] = {}
        if suffix is not None:
            marked = nodes[suffix[nodes] >= 0]
            self.suffixes = {
                n: frozenset((code,))
                for n, code in zip(marked.tolist(), suffix[marked].tolist(), strict=True)
            }

    def find(self, node: int) -> int:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def add_evidence(
        self, a: int, b: int, score: float, anchored: bool, veto_cut: float, ambiguous: bool = False
    ) -> None:
        """One scored pair between clusters ``a`` and ``b``; an ``ambiguous`` one (the other generation,
        maybe) is counted apart and weighs nothing until ``acceptable`` knows both clusters' suffixes."""
        stat = self.links[a].get(b)
        if stat is None:
            stat = self.links[a][b] = self.links[b][a] = [0.0, 0, 1.0, 0, 0, 0]
        if ambiguous:
            stat[5] += 1
            return
        stat[0] += score
        stat[1] += 1
        stat[2] = min(stat[2], score)
        stat[3] += anchored
        stat[4] += score < veto_cut

    def forbid(self, a: int, b: int) -> None:
        self.cannot.setdefault(a, set()).add(b)
        self.cannot.setdefault(b, set()).add(a)

    def forbidden(self, a: int, b: int) -> bool:
        return any(self.find(c) == b for c in self.cannot.get(a, ()))

    def acceptable(self, a: int, b: int, params: ClusterParams) -> bool:
        total, count, minimum, anchored, vetoed, ambiguous = self.links[a].get(b, [0.0, 0, 1.0, 0, 0, 0])
        if count == 0 or total / count < params.average_cut:
            return False
        if ambiguous and not (a in self.suffixes and self.suffixes[a] == self.suffixes.get(b)):
            vetoed, minimum = vetoed + ambiguous, 0.0
        return minimum >= params.veto_cut or (params.anchors_outvote_vetoes and anchored > vetoed)

    def merge(self, a: int, b: int) -> int:
        if len(self.links[a]) < len(self.links[b]):
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size.pop(b)
        for neighbour, (total, count, minimum, anchored, vetoed, ambiguous) in self.links.pop(b).items():
            if neighbour == a:
                continue
            stat = self.links[a].setdefault(neighbour, [0.0, 0, 1.0, 0, 0, 0])
            stat[0] += total
            stat[1] += count
            stat[2] = min(stat[2], minimum)
            stat[3] += anchored
            stat[4] += vetoed
            stat[5] += ambiguous
            back = self.links[neighbour]
            back.pop(b, None)
            back[a] = stat
        self.links[a].pop(b, None)
        if b in self.cannot:
            self.cannot.setdefault(a, set()).update(self.cannot.pop(b))
        if b in self.suffixes:
            self.suffixes[a] = self.suffixes.get(a, frozenset()) | self.suffixes.pop(b)
        return a


def cluster(
    n_records: int,
    left: np.ndarray,
    right: np.ndarray,
    scores: np.ndarray,
    is_match: np.ndarray,
    must_link: list[tuple[int, int]] | None = None,
    cannot_link: list[tuple[int, int]] | None = None,
    params: ClusterParams | None = None,
    rank: np.ndarray | Callable[[np.ndarray], np.ndarray] | None = None,
    anchored: np.ndarray | None = None,
    ambiguous: np.ndarray | None = None,
    suffix: np.ndarray | None = None,
) -> ClusterOutcome:
    """Cluster labels for ``n_records`` rows from scored pairs (row indices ``left``/``right``).

    ``rank``: a per-row order that does not depend on the batch (e.g. the rank of the record key).
    Equal scores are merged in that order, so matching a subset of the rows in another order (an
    incremental run over a few components) makes the same merges as matching them all. Either an
    array over all rows or a function giving the order among the (sorted, distinct) rows passed.
    ``anchored``: per pair, whether it agrees on the customer's own identifier (see the module docstring).
    ``ambiguous``: per pair, whether it may join two generations (see the module docstring), with
    ``suffix``: per row, a code of the record's Jr./Sr. (-1 for none).
    """
    params = params or ClusterParams()
    labels = np.arange(n_records, dtype=np.int64)
    outcome = ClusterOutcome(labels)
    must = np.array(must_link or [], dtype=np.int64).reshape(-1, 2)
    cannot = np.array(cannot_link or [], dtype=np.int64).reshape(-1, 2)
    component, complex_components = _merge_simple_pairs(
        n_records, left, right, is_match, must, cannot, labels
    )
    ambiguous = np.zeros(len(left), dtype=bool) if ambiguous is None else ambiguous
    in_complex = np.zeros(len(component), dtype=bool)
    in_complex[complex_components] = True
    in_complex = in_complex[component]
    evidence = in_complex[left] & (component[left] == component[right])
    constrained = np.concatenate([must.ravel(), cannot.ravel()])
    agreeing = _merge_agreeing_components(
        component, left, scores, evidence, ambiguous, constrained, params, labels
    )
    in_complex &= ~agreeing[component]
    evidence &= in_complex[left]
    if not in_complex.any():
        return outcome

    agg = _Agglomeration(np.flatnonzero(in_complex), suffix)
    anchored = np.zeros(len(left), dtype=bool) if anchored is None else anchored
    for a, b, s, anchor, maybe in zip(
        left[evidence].tolist(),
        right[evidence].tolist(),
        scores[evidence].tolist(),
        anchored[evidence].tolist(),
        ambiguous[evidence].tolist(),
        strict=True,
    ):
        agg.add_evidence(a, b, s, anchor, params.veto_cut, maybe)
    _apply_constraints(agg, must, cannot, outcome)

    chosen = evidence & is_match
    rank_l, rank_r = _pair_ranks(rank, left[chosen], right[chosen])
    order = np.lexsort((np.maximum(rank_l, rank_r), np.minimum(rank_l, rank_r), -scores[chosen]))
    for a, b in zip(left[chosen][order].tolist(), right[chosen][order].tolist(), strict=True):
        ra, rb = agg.find(a), agg.find(b)
        if ra != rb and not agg.forbidden(ra, rb) and agg.acceptable(ra, rb, params):
            agg.merge(ra, rb)
    _label(agg, labels)
    return outcome


def _pair_ranks(
    rank: np.ndarray | Callable[[np.ndarray], np.ndarray] | None, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The ``rank`` of each pair's two rows (the row itself without one). Only the order between these
    rows matters, so a function is asked for just them, not for every row of the batch."""
    if rank is None:
        return left, right
    if not callable(rank):
        return rank[left], rank[right]
    rows = np.union1d(left, right)
    among = rank(rows)
    return among[np.searchsorted(rows, left)], among[np.searchsorted(rows, right)]


def _merge_simple_pairs(
    n_records: int,
    left: np.ndarray,
    right: np.ndarray,
    is_match: np.ndarray,
    must: np.ndarray,
    cannot: np.ndarray,
    labels: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Label the components that are one unconstrained match pair; return every row's component over
    everything that *could* merge and the components that need agglomeration (most are pairs)."""
    edge_l = np.concatenate([left[is_match], must[:, 0]])
    edge_r = np.concatenate([right[is_match], must[:, 1]])
    graph = coo_matrix((np.ones(len(edge_l)), (edge_l, edge_r)), shape=(n_records, n_records))
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component)
    constrained = np.zeros(len(sizes), dtype=bool)
    constrained[component[cannot.ravel()]] = True

    simple = is_match & (sizes[component[left]] == 2) & ~constrained[component[left]]
    if must.size:
        simple &= ~np.isin(component[left], component[must[:, 0]])
    labels[np.maximum(left[simple], right[simple])] = np.minimum(left[simple], right[simple])

    complex_components = np.flatnonzero((sizes > 2) | (constrained & (sizes > 1)))
    if must.size:
        complex_components = np.union1d(complex_components, component[must[:, 0]])
    return component, complex_components


#: Relative margin above ``average_cut`` that a sum of up to ``AGREEING_EVIDENCE_LIMIT`` float scores
#: cannot round away: an average of such scores is above the cut however they are summed.
_AVERAGE_MARGIN = 1e-9
AGREEING_EVIDENCE_LIMIT = 100_000


def _merge_agreeing_components(
    component: np.ndarray,
    left: np.ndarray,
    scores: np.ndarray,
    evidence: np.ndarray,
    ambiguous: np.ndarray,
    constrained: np.ndarray,
    params: ClusterParams,
    labels: np.ndarray,
) -> np.ndarray:
    """Label at once each component whose ``evidence`` pairs all agree; return per component whether
    it was (the rest, and every component holding a ``constrained`` row, go through the agglomeration).

    When every scored pair in a component is at or above both cuts and none is ambiguous, every
    average and every minimum over cross pairs passes, so the agglomeration would accept each of its
    match pairs in any order: the component ends as one cluster (its match edges connect it). That is
    98% of the complex components of the generated data, and this costs no Python loop per pair.
    """
    cut = max(params.veto_cut, params.average_cut + abs(params.average_cut) * _AVERAGE_MARGIN)
    per_component = np.bincount(component[left[evidence]], minlength=int(component.max(initial=-1)) + 1)
    doubtful = per_component > AGREEING_EVIDENCE_LIMIT
    # not ``scores < cut``: a NaN score must not pass
    doubtful[component[left[evidence & ~((scores >= cut) & ~ambiguous)]]] = True
    doubtful[component[constrained]] = True
    agreeing = (per_component > 0) & ~doubtful
    rows = np.flatnonzero(agreeing[component])
    # rows ascend, so each component's first row is its smallest: the label the agglomeration gives
    found, first = np.unique(component[rows], return_index=True)
    smallest = np.zeros(len(doubtful), dtype=np.int64)
    smallest[found] = rows[first]
    labels[rows] = smallest[component[rows]]
    return agreeing


def _apply_constraints(
    agg: _Agglomeration, must: np.ndarray, cannot: np.ndarray, outcome: ClusterOutcome
) -> None:
    """Steward constraints first: cannot-links forbid, must-links merge unless a cannot-link forbids."""
    for a, b in cannot.tolist():
        if a in agg.parent and b in agg.parent:
            agg.forbid(a, b)
    for a, b in must.tolist():
        ra, rb = agg.find(a), agg.find(b)
        if ra == rb:
            continue
        if agg.forbidden(ra, rb):
            outcome.constraint_conflicts.append((a, b))
            continue
        agg.merge(ra, rb)


def _label(agg: _Agglomeration, labels: np.ndarray) -> None:
    """Each agglomerated row's label: the smallest row index of its cluster."""
    roots = {node: agg.find(node) for node in agg.parent}
    smallest: dict[int, int] = {}
    for node, root in roots.items():
        smallest[root] = min(smallest.get(root, node), node)
    for node, root in roots.items():
        labels[node] = smallest[root]
