"""Conditions as XLSForm expressions and back, without ``eval``.

Writing: a parsed condition (``conditions.py``) becomes the expression an XLSForm
``relevant``, ``required`` or ``constraint`` column holds; each comparison is written
by the question type it reads (``QuestionType.xlsform_compare``), so the engine's
rule "an unanswered question compares false" holds in ODK and Kobo too.

Reading: the small part of the XPath language that the engine can hold is parsed into
a tree, then turned into condition data (``{"question": ..., "equals": ...}``) or into
constraint terms (``("gte", 0)``, ``("max_length", 300)``, ``("exclusive", "none")``):

- ``${name}`` (and ``.`` in constraints), text in quotes, numbers;
- ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``; ``and``, ``or``, ``not(...)``, brackets;
- ``selected(${q}, 'code')``, ``count-selected(${q})``, ``string-length(${q})``.

Anything else (arithmetic, other functions, paths) is refused with one line saying what.
``${q} != 'x'`` is true in ODK when ``q`` is unanswered, so it reads back as
``not: {equals: x}``; ``${q} != '' and ${q} != 'x'`` reads back as ``not_equals: x``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import MAX_CONDITION_DEPTH, AllOf, AnyOf, Compare, Condition, Not
from .types import SPECIAL_CODES

MAX_EXPRESSION_LENGTH = 4_000
FUNCTIONS = ("not", "selected", "count-selected", "string-length", "true", "false")


class ExpressionError(ValueError):
    """An expression that cannot be written or read; the message says what."""


# -- writing -----------------------------------------------------------------------

def condition_expression(condition: Condition, question_of: Callable[[str], Any]) -> str:
    """``condition`` as an XLSForm expression; ``question_of(id)`` gives the question."""
    if isinstance(condition, Compare):
        question = question_of(condition.question)
        return question.kind.xlsform_compare(question, condition.op, condition.operand)
    if isinstance(condition, (AllOf, AnyOf)):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        parts = []
        for part in condition.parts:
            text = condition_expression(part, question_of)
            parts.append(f"({text})" if isinstance(part, (AllOf, AnyOf)) else text)
        return joiner.join(parts)
    if isinstance(condition, Not):
        return f"not({condition_expression(condition.part, question_of)})"
    raise ExpressionError(f"a {type(condition).__name__} condition has no XLSForm form")


# -- reading: the parse tree ---------------------------------------------------------

@dataclass(frozen=True)
class Node:
    kind: str  # or, and, cmp, call, ref, self, text, number
    value: Any = None  # the operator, function, name or literal
    children: tuple[Node, ...] = field(default=())
    text: str = ""  # the source it was read from, for messages


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | \$\{\s*(?P<ref>[^}\s]*)\s*\}
  | '(?P<sq>[^']*)' | "(?P<dq>[^"]*)"
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<op>!=|<=|>=|=|<|>|\(|\)|,)
  | (?P<name>[A-Za-z_][\w-]*(?::[\w-]+)?)
  | (?P<dot>\.(?![\w.]))
  | (?P<other>.)
""", re.VERBOSE)
_FLIP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def parse_expression(text: str) -> Node:
    """The parse tree of an expression, or :class:`ExpressionError`."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH:,} characters")
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, Any, int, int]] = []  # kind, value, start, end
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind == "space":
                continue
            if kind in ("sq", "dq"):
                self.tokens.append(("text", match.group(kind), match.start(), match.end()))
            elif kind == "number":
                raw = match.group(kind)
                number = float(raw) if "." in raw else int(raw)
                self.tokens.append(("number", number, match.start(), match.end()))
            elif kind == "other":
                char = match.group(kind)
                if char in "+-*":
                    raise ExpressionError(f"arithmetic ('{char}') is not supported")
                if char in "/[]":
                    raise ExpressionError("paths (/data/...) are not supported; refer to "
                                          "questions as ${name}")
                raise ExpressionError(f"'{char}' at position {match.start() + 1} cannot be read")
            else:
                self.tokens.append((kind, match.group(kind), match.start(), match.end()))
        self.pos = 0
        self.depth = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("the expression is empty")
        node = self.or_()
        if self.pos < len(self.tokens):
            raise ExpressionError(f"unexpected '{self._shown()}' at position {self._at()}")
        return node

    def _peek(self) -> tuple[str, Any, int, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _shown(self) -> str:
        token = self._peek()
        return "the end" if token is None else str(token[1])

    def _at(self) -> int:
        token = self._peek()
        return len(self.text) + 1 if token is None else token[2] + 1

    def _is(self, kind: str, value: Any = None) -> bool:
        token = self._peek()
        return token is not None and token[0] == kind and (value is None or token[1] == value)

    def _expect(self, kind: str, value: Any) -> None:
        if not self._is(kind, value):
            raise ExpressionError(f"expected '{value}' at position {self._at()}, found '{self._shown()}'")
        self.pos += 1

    def _span(self, start: int) -> str:
        """The source text of the tokens read since ``start``."""
        return self.text[self.tokens[start][2]:self.tokens[self.pos - 1][3]]

    def _nested(self):
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH * 2:
            raise ExpressionError(f"the expression nests more than {MAX_CONDITION_DEPTH * 2} levels deep")

    def or_(self) -> Node:
        start = self.pos
        parts = [self.and_()]
        while self._is("name", "or"):
            self.pos += 1
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Node("or", children=tuple(parts), text=self._span(start))

    def and_(self) -> Node:
        start = self.pos
        parts = [self.comparison()]
        while self._is("name", "and"):
            self.pos += 1
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else Node("and", children=tuple(parts), text=self._span(start))

    def comparison(self) -> Node:
        start = self.pos
        left = self.primary()
        if self._is("op") and self._peek()[1] in _FLIP:
            op = self._peek()[1]
            self.pos += 1
            right = self.primary()
            return Node("cmp", op, (left, right), self._span(start))
        return left

    def primary(self) -> Node:
        token = self._peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        kind, value = token[0], token[1]
        start = self.pos
        if kind == "op" and value == "(":
            self._nested()
            self.pos += 1
            node = self.or_()
            self._expect("op", ")")
            self.depth -= 1
            return node
        self.pos += 1
        if kind == "ref":
            return Node("ref", value, text="${" + value + "}")
        if kind == "dot":
            return Node("self", text=".")
        if kind in ("text", "number"):
            return Node(kind, value, text=self._span(start))
        if kind == "name":
            if value in ("and", "or", "div", "mod"):
                raise ExpressionError(f"'{value}' at position {token[2] + 1} needs something before it")
            if not self._is("op", "("):
                raise ExpressionError(f"'{value}' is not supported (refer to questions as ${{name}})")
            if value not in FUNCTIONS:
                raise ExpressionError(f"the function {value}() is not supported (supported: "
                                      + ", ".join(f"{f}()" for f in FUNCTIONS) + ")")
            self._nested()
            self.pos += 1
            args = []
            if not self._is("op", ")"):
                args.append(self.or_())
                while self._is("op", ","):
                    self.pos += 1
                    args.append(self.or_())
            self._expect("op", ")")
            self.depth -= 1
            return Node("call", value, tuple(args), self._span(start))
        raise ExpressionError(f"unexpected '{value}' at position {token[2] + 1}")


# -- reading: conditions -----------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """What an expression may refer to: ``${name}`` gives this question's answer."""

    question: str
    select: str | None = None  # "select_one", "select_multiple" or None
    numeric: bool = False


def expression_condition(text: str, fields: Mapping[str, Field]) -> dict[str, Any]:
    """Condition data (as a definition file holds it) from an XLSForm expression."""
    return _condition(parse_expression(text), fields)


def _condition(node: Node, fields: Mapping[str, Field]) -> dict[str, Any]:
    if node.kind == "or":
        return _merge_any([_condition(c, fields) for c in node.children])
    if node.kind == "and":
        return _merge_all([_condition(c, fields) for c in node.children])
    if node.kind == "call" and node.value == "not" and len(node.children) == 1:
        return {"not": _condition(node.children[0], fields)}
    if node.kind == "call" and node.value == "selected" and len(node.children) == 2:
        ref, code = node.children
        found = _field(ref, fields)
        if code.kind != "text":
            raise ExpressionError(f"{node.text}: selected() needs a choice code in quotes")
        if found.select == "select_multiple":
            op = "equals" if code.value in SPECIAL_CODES else "includes"
            return {"question": found.question, op: code.value}
        if found.select == "select_one":
            return {"question": found.question, "equals": code.value}
        raise ExpressionError(f"{node.text}: selected() needs a select_one or select_multiple question")
    if node.kind == "cmp":
        return _comparison(node, fields)
    raise ExpressionError(f"'{node.text}' is not a condition the questionnaire engine can hold")


def _field(node: Node, fields: Mapping[str, Field]) -> Field:
    if node.kind != "ref":
        raise ExpressionError(f"'{node.text}' should be a question, written ${{name}}")
    if node.value not in fields:
        raise ExpressionError(f"${{{node.value}}} is not a question of this form")
    return fields[node.value]


def _comparison(node: Node, fields: Mapping[str, Field]) -> dict[str, Any]:
    op = node.value
    left, right = node.children
    if left.kind in ("text", "number"):  # 5 < ${q} is ${q} > 5
        left, right, op = right, left, _FLIP[op]
    if right.kind not in ("text", "number"):
        raise ExpressionError(f"'{node.text}': compare a question with a value (text in quotes "
                              "or a number)")
    if left.kind == "call" and left.value in ("count-selected", "string-length") \
            and len(left.children) == 1:
        found = _field(left.children[0], fields)
        answered = {(">", 0): True, ("!=", 0): True, (">=", 1): True,
                    ("=", 0): False, ("<", 1): False, ("<=", 0): False}.get((op, right.value))
        if answered is None:
            raise ExpressionError(f"'{node.text}': {left.value}() is only supported to ask "
                                  "whether a question is answered (> 0 or = 0)")
        return {"question": found.question, "answered": answered}
    found = _field(left, fields)
    value = right.value
    if value == "" and op in ("=", "!="):
        return {"question": found.question, "answered": op == "!="}
    if found.numeric and isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
        value = _number(value, node.text)  # '5' typed for a number (text such as 'unknown' stays)
    if op == "=":
        return {"question": found.question, "equals": value}
    if op == "!=":  # true in ODK when unanswered: the engine's not_equals is not
        return {"not": {"question": found.question, "equals": value}}
    if isinstance(value, str):
        value = _number(value, node.text)
    return {"question": found.question, {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[op]: value}


def _number(text: str, where: str) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise ExpressionError(f"'{where}': '{text}' is not a number") from None
    return int(number) if number.is_integer() and "." not in text else number


def _merge_any(parts: list[dict]) -> dict[str, Any]:
    """``a = 1 or a = 2`` reads as ``in: [1, 2]``."""
    merged: list[dict] = []
    for part in parts:
        if "equals" in part:
            earlier = next((m for m in merged if m.get("question") == part["question"]
                            and ("in" in m or "equals" in m)), None)
            if earlier is not None:
                values = earlier.pop("in", None) or [earlier.pop("equals")]
                earlier["in"] = values + [part["equals"]]
                continue
        merged.append(dict(part))
    return merged[0] if len(merged) == 1 else {"any": merged}


def _merge_all(parts: list[dict]) -> dict[str, Any]:
    """``a != '' and a != 'x'`` reads as ``not_equals: x`` (and several as ``not_in``)."""
    answered = {p["question"] for p in parts if p.get("answered") is True}
    parts = [{"question": p["not"]["question"], "not_equals": p["not"]["equals"]}
             if "not" in p and p["not"].get("question") in answered and "equals" in p["not"]
             else p for p in parts]
    compared = {p["question"] for p in parts if "question" in p and "answered" not in p}
    parts = [p for p in parts if not (p.get("answered") is True and p["question"] in compared)]
    merged: list[dict] = []
    for part in parts:
        if "not_equals" in part:
            earlier = next((m for m in merged if m.get("question") == part["question"]
                            and ("not_in" in m or "not_equals" in m)), None)
            if earlier is not None:
                values = earlier.pop("not_in", None) or [earlier.pop("not_equals")]
                earlier["not_in"] = values + [part["not_equals"]]
                continue
        merged.append(dict(part))
    return merged[0] if len(merged) == 1 else {"all": merged}


# -- reading: constraints ----------------------------------------------------------

def constraint_terms(text: str) -> list[tuple[str, Any]]:
    """The terms of a constraint on the answer itself (``.``), joined with ``and``."""
    node = parse_expression(text)
    parts = node.children if node.kind == "and" else (node,)
    return [_term(part) for part in parts]


_SUPPORTED_TERMS = ("bounds such as '. >= 0' and '. <= 100', 'string-length(.) <= 300', "
                    "and a choice ticked alone: 'not(selected(., 'none')) or count-selected(.) = 1'")


def _term(node: Node) -> tuple[str, Any]:
    if node.kind == "cmp":
        op = node.value
        left, right = node.children
        if left.kind == "number":
            left, right, op = right, left, _FLIP[op]
        if left.kind == "self" and right.kind == "number" and op in ("<", "<=", ">", ">="):
            return {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[op], right.value
        if left.kind == "call" and left.value == "string-length" and right.kind == "number" \
                and _is_self(left.children) and op in ("<", "<=") and isinstance(right.value, int):
            return "max_length", right.value - (1 if op == "<" else 0)
    alone = _exclusive(node)
    if alone is not None:
        return "exclusive", alone
    raise ExpressionError(f"the constraint '{node.text}' is not supported (supported: "
                          f"{_SUPPORTED_TERMS})")


def _is_self(children: tuple[Node, ...]) -> bool:
    return len(children) == 1 and children[0].kind == "self"


def _selected_self(node: Node) -> str | None:
    if node.kind == "call" and node.value == "selected" and len(node.children) == 2 \
            and node.children[0].kind == "self" and node.children[1].kind == "text":
        return node.children[1].value
    return None


def _count_is(node: Node, ops_values: set[tuple[str, int]]) -> bool:
    return (node.kind == "cmp" and node.children[0].kind == "call"
            and node.children[0].value == "count-selected" and _is_self(node.children[0].children)
            and node.children[1].kind == "number"
            and (node.value, node.children[1].value) in ops_values)


def _exclusive(node: Node) -> str | None:
    """The code of an option ticked alone, in the two ways people write it:
    ``not(selected(., 'x')) or count-selected(.) = 1`` and
    ``not(selected(., 'x') and count-selected(.) > 1)``."""
    if node.kind == "or" and len(node.children) == 2:
        for a, b in (node.children, node.children[::-1]):
            if a.kind == "call" and a.value == "not" and len(a.children) == 1 \
                    and _selected_self(a.children[0]) and _count_is(b, {("=", 1), ("<=", 1), ("<", 2)}):
                return _selected_self(a.children[0])
    if node.kind == "call" and node.value == "not" and len(node.children) == 1 \
            and node.children[0].kind == "and" and len(node.children[0].children) == 2:
        for a, b in (node.children[0].children, node.children[0].children[::-1]):
            if _selected_self(a) and _count_is(b, {(">", 1), (">=", 2), ("!=", 1)}):
                return _selected_self(a)
    return None
