"""The SOQL subset the local org understands, parsed into something the store can evaluate.

    SELECT field, ... FROM Object
      [WHERE condition]            -- comparisons (= != < <= > >=) joined by AND / OR, with parentheses
      [ORDER BY field [ASC|DESC], ...] [LIMIT n]

Literals: 'strings' (backslash escapes), numbers, true/false/null and unquoted date-time literals
(``2024-03-01T08:00:00.000Z``), as in SOQL. Anything else is a ``MALFORMED_QUERY`` like Salesforce's.
Keyset paging needs the OR form: ``SystemModstamp > X OR (SystemModstamp = X AND Id > '...')``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sources.salesforce.objects import parse_datetime

_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
Row = Mapping[str, Any]


class SoqlError(ValueError):
    """A query outside the subset; ``code`` is Salesforce's exception code for it."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY"):
        super().__init__(message)
        self.code = code


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Callable[[Row], bool] = lambda row: True
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None


def parse(text: str) -> Query:
    return _Parser(_tokens(text)).query()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            snippet = text[position : position + 20]
            raise SoqlError(f"unexpected character at column {position + 1}: {snippet!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None, word: str | None = None) -> str:
        token_kind, value = self.peek()
        if (kind and token_kind != kind) or (word and value.upper() != word):
            raise SoqlError(f"expected {word or kind}, found {value or 'end of query'!r}")
        self.at += 1
        return value

    def keyword(self, word: str) -> bool:
        if self.peek()[0] == "word" and self.peek()[1].upper() == word:
            self.at += 1
            return True
        return False

    def query(self) -> Query:
        self.take("word", "SELECT")
        fields = [self.take("word")]
        while self.peek() == ("punct", ","):
            self.take()
            fields.append(self.take("word"))
        self.take("word", "FROM")
        result = Query(fields=fields, sobject=self.take("word"))
        if self.keyword("WHERE"):
            result.where = self.disjunction()
        if self.keyword("ORDER"):
            self.take("word", "BY")
            result.order_by.append(self.ordering())
            while self.peek() == ("punct", ","):
                self.take()
                result.order_by.append(self.ordering())
        if self.keyword("LIMIT"):
            result.limit = int(self.take("number"))
        if self.peek()[0] != "end":
            raise SoqlError(f"unexpected token {self.peek()[1]!r}")
        return result

    def ordering(self) -> tuple[str, bool]:
        name = self.take("word")
        if self.keyword("DESC"):
            return name, True
        self.keyword("ASC")
        return name, False

    def disjunction(self) -> Callable[[Row], bool]:
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def conjunction(self) -> Callable[[Row], bool]:
        parts = [self.comparison()]
        while self.keyword("AND"):
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def comparison(self) -> Callable[[Row], bool]:
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.disjunction()
            self.take("punct")
            return inner
        name, op = self.take("word"), _OPERATORS[self.take("op")]
        value = self.literal()
        return lambda row: _compare(row.get(name), value, op)

    def literal(self) -> Any:
        kind, text = self.peek()
        self.at += 1
        if kind == "datetime":
            return parse_datetime(text.replace("Z", "+00:00"))
        if kind == "number":
            return float(text)
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        raise SoqlError(f"expected a literal, found {text or 'end of query'!r}")


def _compare(stored: Any, value: Any, op: Callable[[Any, Any], bool]) -> bool:
    """SOQL semantics: null only equals null; date-times compare as instants."""
    if value is None or stored is None:
        return op in (operator.eq, operator.ne) and op(stored, value)
    if isinstance(value, datetime):
        try:
            stored = parse_datetime(str(stored))
        except ValueError:
            return False
    elif isinstance(value, float):
        try:
            stored = float(stored)
        except ValueError:
            return False
    else:
        stored = str(stored)
    return op(stored, value)
