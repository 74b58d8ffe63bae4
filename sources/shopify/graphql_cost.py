"""Shopify's GraphQL Admin rate limit: calculated query cost against a bucket of points.

As documented (https://shopify.dev/docs/api/usage/rate-limits#graphql-admin-api-rate-limits and
#cost-calculation): a scalar costs 0, an object 1, a connection 2 plus ``first`` times the cost of one
of its nodes, a mutation 10. A request whose requested cost exceeds the points available is refused
with ``THROTTLED``; one above the bucket's size with ``MAX_COST_EXCEEDED``. Every answer reports
``extensions.cost`` with ``throttleStatus`` (``maximumAvailable``, ``currentlyAvailable``,
``restoreRate``), which clients use to pace themselves. Standard plans: 1000 points, 50 restored a second.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from graphql import FieldNode, IntValueNode, OperationDefinitionNode, OperationType, VariableNode

MUTATION_COST = 10
CONNECTION_FIELDS = frozenset({"customers", "metafields"})
PAGE_SHAPE = frozenset({"nodes", "edges", "node", "pageInfo"})


def requested_cost(operation: OperationDefinitionNode, variables: dict[str, Any]) -> int:
    """The cost Shopify calculates before running ``operation`` (fragments are not used by the hub)."""
    base = MUTATION_COST if operation.operation == OperationType.MUTATION else 0
    return base + sum(_field_cost(f, variables) for f in operation.selection_set.selections
                      if isinstance(f, FieldNode))


def _field_cost(field: FieldNode, variables: dict[str, Any]) -> int:
    if field.selection_set is None:
        return 0
    children = [f for f in field.selection_set.selections if isinstance(f, FieldNode)]
    if field.name.value in CONNECTION_FIELDS:
        node_cost = sum(_page_cost(c, variables) for c in children)
        return 2 + _first(field, variables) * max(node_cost, 1)
    return 1 + sum(_field_cost(c, variables) for c in children)


def _page_cost(field: FieldNode, variables: dict[str, Any]) -> int:
    """``nodes``/``edges{node}`` inside a connection: the cost of one node (pageInfo is free)."""
    if field.name.value == "pageInfo" or field.selection_set is None:
        return 0
    children = [f for f in field.selection_set.selections if isinstance(f, FieldNode)]
    if field.name.value in PAGE_SHAPE:
        inner = sum(_page_cost(c, variables) if c.name.value in PAGE_SHAPE else _field_cost(c, variables)
                    for c in children)
        return inner if field.name.value == "edges" else 1 + inner
    return _field_cost(field, variables)


def _first(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments:
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return int(argument.value.value)
            if isinstance(argument.value, VariableNode):
                return int(variables.get(argument.value.name.value) or 0)
    return 0


class CostBucket:
    """Points per access token, restored continuously at ``restore_rate`` a second."""

    def __init__(self, size: int = 1000, restore_rate: float = 50.0):
        self.size, self.restore_rate = size, restore_rate
        self._levels: dict[str, tuple[float, float]] = {}  # token -> (available, at)
        self._lock = threading.Lock()

    def take(self, key: str, cost: int) -> tuple[bool, dict[str, Any]]:
        """``(allowed, throttleStatus)``: debits ``cost`` when enough points are available."""
        with self._lock:
            now = time.monotonic()
            available, at = self._levels.get(key, (float(self.size), now))
            available = min(float(self.size), available + (now - at) * self.restore_rate)
            allowed = cost <= available
            if allowed:
                available -= cost
            self._levels[key] = (available, now)
        return allowed, {"maximumAvailable": float(self.size), "currentlyAvailable": int(available),
                         "restoreRate": float(self.restore_rate)}
