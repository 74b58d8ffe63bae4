"""A parser for the subset of vTiger's query language (VTQL) that webservice clients use.

``SELECT * | count(*) | f1, f2 FROM <Module> [WHERE <field> <op> <value> [AND ...]]
[ORDER BY <field> [ASC|DESC]] [LIMIT [<offset>,] <count>];`` -- with vTiger's rules: one module, the
trailing semicolon is required, string values are single-quoted (``\\'`` or ``''`` escapes a quote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.|'')*')|(?P<num>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[*,;()]))"
)
OPS = {"=", "!=", "<>", "<", ">", "<=", ">="}


class VtqlError(ValueError):
    """A query vTiger would answer with ``QUERY_SYNTAX_ERROR``."""


@dataclass
class Query:
    module: str
    fields: list[str] | None = None  # None = all (``*``)
    count: bool = False
    where: list[tuple[str, str, str]] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int | None = None


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise VtqlError(f"Syntax error near {text[position:position + 20]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = value[1:-1].replace("''", "'").replace("\\'", "'").replace("\\\\", "\\")
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise VtqlError("Syntax error: unexpected end of query (missing ';'?)")
        self.index += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "name" and token[1].upper() == words[0]:
            self.index += 1
            for word in words[1:]:
                self.expect_keyword(word)
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        kind, value = self.take()
        if kind != "name" or value.upper() != word:
            raise VtqlError(f"Syntax error: expected {word}, found {value!r}")

    def expect(self, kind: str, value: str | None = None) -> str:
        got_kind, got = self.take()
        if got_kind != kind or (value is not None and got != value):
            raise VtqlError(f"Syntax error: expected {value or kind}, found {got!r}")
        return got

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        fields: list[str] | None = None
        count = False
        if self.peek() == ("punct", "*"):
            self.take()
        elif self.peek() and self.peek()[0] == "name" and self.peek()[1].lower() == "count":
            self.take()
            self.expect("punct", "(")
            self.expect("punct", "*")
            self.expect("punct", ")")
            count = True
        else:
            fields = [self.expect("name")]
            while self.peek() == ("punct", ","):
                self.take()
                fields.append(self.expect("name"))
        self.expect_keyword("FROM")
        query = Query(module=self.expect("name"), fields=fields, count=count)
        if self.keyword("WHERE"):
            query.where.append(self.condition())
            while self.keyword("AND"):
                query.where.append(self.condition())
        if self.keyword("ORDER", "BY"):
            query.order_by = self.expect("name")
            if self.keyword("DESC"):
                query.descending = True
            else:
                self.keyword("ASC")
        if self.keyword("LIMIT"):
            first = int(self.expect("num"))
            if self.peek() == ("punct", ","):
                self.take()
                query.offset, query.limit = first, int(self.expect("num"))
            else:
                query.limit = first
        self.expect("punct", ";")
        if self.peek() is not None:
            raise VtqlError(f"Syntax error: unexpected {self.peek()[1]!r} after ';'")
        return query

    def condition(self) -> tuple[str, str, str]:
        name = self.expect("name")
        kind, op = self.take()
        if kind != "op" or op not in OPS:
            raise VtqlError(f"Syntax error: expected a comparison after {name}, found {op!r}")
        kind, value = self.take()
        if kind not in ("str", "num"):
            raise VtqlError(f"Syntax error: expected a value after {name} {op}, found {value!r}")
        return name, op, value


def parse(text: str) -> Query:
    """Parse one VTQL statement; :class:`VtqlError` with vTiger-like wording when it is not valid."""
    return _Parser(text).parse()
