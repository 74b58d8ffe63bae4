"""Odoo search domains (Polish-notation lists of ``[field, operator, value]`` leaves) compiled to SQL.

Odoo's ORM accepts ``['|', ('a', '=', 1), '&', ('b', '>', 2), ('c', '<', 3)]``: prefix operators
``&`` (the implicit default between leaves), ``|`` and ``!``. Compiling to a parameterised SQL WHERE
clause keeps the local server honest about what a real Odoo would accept: an unknown field or operator
is an error with Odoo's wording, not silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

COMPARISONS = {"=": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
LIKE = {"like": ("LIKE", False), "not like": ("NOT LIKE", False), "ilike": ("LIKE", True),
        "not ilike": ("NOT LIKE", True), "=like": ("LIKE", False), "=ilike": ("LIKE", True)}
UNARY, BINARY = {"!"}, {"&", "|"}


class DomainError(ValueError):
    """A domain Odoo would refuse (``ValueError`` server-side, reported as such over JSON-RPC)."""


def compile_domain(domain: Any, column: Callable[[str], str], value: Callable[[str, Any], Any],
                   booleans: frozenset[str] = frozenset()) -> tuple[str, list[Any]]:
    """``(sql, params)`` for ``domain``; ``column(field)`` gives the SQL column (raises for unknown fields),
    ``value(field, v)`` converts a domain value to the stored representation. For ``booleans``,
    ``False`` is a value (unset counts as false, as in Odoo), for other fields it means "not set"."""
    if domain in (None, []):
        return "1 = 1", []
    if not isinstance(domain, list | tuple):
        raise DomainError(f"Invalid domain: {domain!r}")
    terms = list(domain)
    # The implicit '&' between top-level leaves, made explicit as Odoo's normalize_domain does.
    expected, normalized = 1, []
    for term in terms:
        if expected == 0:
            normalized.insert(0, "&")
            expected = 1
        if isinstance(term, str) and term in BINARY:
            expected += 1
        elif not (isinstance(term, str) and term in UNARY):
            expected -= 1
        normalized.append(term)
    if expected != 0:
        raise DomainError(f"Invalid domain: {domain!r} (operators and leaves do not add up)")
    params: list[Any] = []
    position = 0

    def parse() -> str:
        nonlocal position
        if position >= len(normalized):
            raise DomainError(f"Invalid domain: {domain!r}")
        term = normalized[position]
        position += 1
        if term == "!":
            return f"NOT ({parse()})"
        if isinstance(term, str) and term in BINARY:
            left, right = parse(), parse()
            return f"({left} {'AND' if term == '&' else 'OR'} {right})"
        return leaf(term)

    def leaf(term: Any) -> str:
        if not (isinstance(term, Sequence) and not isinstance(term, str) and len(term) == 3):
            raise DomainError(f"Invalid leaf {term!r}")
        field, operator, raw = term
        if not isinstance(field, str) or not isinstance(operator, str):
            raise DomainError(f"Invalid leaf {term!r}")
        sql_column = column(field)
        operator = operator.lower()
        if operator in COMPARISONS and field in booleans:
            params.append(int(bool(raw)))
            return f"coalesce({sql_column}, 0) {COMPARISONS[operator]} ?"
        if operator in COMPARISONS:
            if raw is False or raw is None:
                null = "IS NULL" if operator == "=" else "IS NOT NULL"
                if operator not in ("=", "!="):
                    raise DomainError(f"Invalid leaf {term!r}")
                return f"{sql_column} {null}"
            params.append(value(field, raw))
            return f"{sql_column} {COMPARISONS[operator]} ?"
        if operator in ("in", "not in"):
            if not isinstance(raw, list | tuple):
                raise DomainError(f"Invalid leaf {term!r}: the value of {operator!r} must be a list")
            if not raw:
                return "1 = 0" if operator == "in" else "1 = 1"
            params.extend(value(field, v) for v in raw)
            return f"{sql_column} {'IN' if operator == 'in' else 'NOT IN'} ({', '.join('?' * len(raw))})"
        if operator in LIKE:  # note: SQLite's LIKE ignores ASCII case, so "like" is laxer than Odoo's
            sql, insensitive = LIKE[operator]
            pattern = str(raw) if operator.startswith("=") else f"%{raw}%"
            params.append(pattern.lower() if insensitive else pattern)
            return f"{'lower(' + sql_column + ')' if insensitive else sql_column} {sql} ?"
        raise DomainError(f"Invalid leaf {term!r}: unknown operator {operator!r}")

    sql = parse()
    return sql, params
