"""Conditions written as data (relevance, required rules, gaps), evaluated safely.

A condition is a small tree of dicts, for example::

    {"all": [{"question": "leg_ml_offence", "in": ["yes", "partial"]},
             {"not": {"question": "op_fiu", "equals": "no"}}]}

It is parsed once into immutable objects and evaluated against a mapping of
question id -> value. Nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

COMPARISONS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte",
               "includes", "answered")
MAX_CONDITION_DEPTH = 16  # all/any/not inside each other


class ConditionError(ValueError):
    """A condition that cannot be understood."""


@dataclass(frozen=True)
class Compare:
    question: str
    op: str
    operand: Any

    def questions(self) -> set[str]:
        return {self.question}

    def holds(self, value_of: Callable[[str], Any]) -> bool:
        value = value_of(self.question)
        if self.op == "answered":
            return is_answered(value) == bool(self.operand)
        if not is_answered(value):
            return False
        op, operand = self.op, self.operand
        if op == "equals":
            return value == operand
        if op == "not_equals":
            return value != operand
        if op == "in":
            return value in operand
        if op == "not_in":
            return value not in operand
        if op == "includes":
            return isinstance(value, list) and operand in value
        if not _is_number(value):
            return False  # "unknown" or "not applicable" compare false with numbers
        if op == "gt":
            return value > operand
        if op == "gte":
            return value >= operand
        if op == "lt":
            return value < operand
        return value <= operand  # lte

    def to_data(self) -> dict:
        return {"question": self.question, self.op: self.operand}


@dataclass(frozen=True)
class AllOf:
    parts: tuple

    def questions(self) -> set[str]:
        return set().union(*(p.questions() for p in self.parts))

    def holds(self, value_of: Callable[[str], Any]) -> bool:
        return all(p.holds(value_of) for p in self.parts)

    def to_data(self) -> dict:
        return {"all": [p.to_data() for p in self.parts]}


@dataclass(frozen=True)
class AnyOf:
    parts: tuple

    def questions(self) -> set[str]:
        return set().union(*(p.questions() for p in self.parts))

    def holds(self, value_of: Callable[[str], Any]) -> bool:
        return any(p.holds(value_of) for p in self.parts)

    def to_data(self) -> dict:
        return {"any": [p.to_data() for p in self.parts]}


@dataclass(frozen=True)
class Not:
    part: Any

    def questions(self) -> set[str]:
        return self.part.questions()

    def holds(self, value_of: Callable[[str], Any]) -> bool:
        return not self.part.holds(value_of)

    def to_data(self) -> dict:
        return {"not": self.part.to_data()}


Condition = Compare | AllOf | AnyOf | Not


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def is_answered(value: Any) -> bool:
    """True when a value counts as an answer (special answers included)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    if isinstance(value, Mapping):
        return any(is_answered(v) for v in value.values())
    return True


def _is_answer(value: Any) -> bool:
    """An operand a condition compares answers with: text, a number or true/false."""
    return isinstance(value, (str, int, float, bool))


def parse_condition(data: Any, _depth: int = 1) -> Condition:
    """Turn the data form of a condition into condition objects."""
    if _depth > MAX_CONDITION_DEPTH:
        raise ConditionError(f"conditions may be nested at most {MAX_CONDITION_DEPTH} levels "
                             "deep (all, any and not inside each other)")
    if not isinstance(data, Mapping) or not data:
        raise ConditionError(f"a condition must be a mapping, got {_short(data)}")
    if "all" in data or "any" in data:
        key = "all" if "all" in data else "any"
        if len(data) != 1:
            raise ConditionError(f"'{key}' must stand alone in its condition")
        parts = data[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{key}' needs a non-empty list of conditions")
        parsed = tuple(parse_condition(p, _depth + 1) for p in parts)
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if "not" in data:
        if len(data) != 1:
            raise ConditionError("'not' must stand alone in its condition")
        return Not(parse_condition(data["not"], _depth + 1))
    if "question" not in data:
        raise ConditionError(
            f"a condition needs 'question' (or all/any/not), got keys {_short(sorted(map(str, data)))}")
    if not isinstance(data["question"], str):
        raise ConditionError(f"'question' must name a question id, got {_short(data['question'])}")
    ops = [k for k in data if k != "question"]
    if len(ops) != 1 or ops[0] not in COMPARISONS:
        raise ConditionError(
            f"a condition on '{data['question']}' needs exactly one of "
            f"{', '.join(COMPARISONS)}; got {', '.join(map(str, ops)) or 'none'}")
    op = ops[0]
    operand = data[op]
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            raise ConditionError(f"'{op}' on '{data['question']}' needs a non-empty list")
        if not all(_is_answer(item) for item in operand):
            raise ConditionError(f"'{op}' on '{data['question']}' needs a list of answers (text "
                                 "or numbers), not lists or mappings")
        operand = tuple(operand)
    elif op in ("equals", "not_equals", "includes"):
        if not _is_answer(operand):
            raise ConditionError(f"'{op}' on '{data['question']}' needs one answer (text or a "
                                 f"number), got {_short(operand)}")
    elif op in ("gt", "gte", "lt", "lte"):
        if not _is_number(operand):
            raise ConditionError(f"'{op}' on '{data['question']}' needs a number")
    elif op == "answered" and not isinstance(operand, bool):
        raise ConditionError(f"'answered' on '{data['question']}' needs true or false")
    return Compare(str(data["question"]), op, operand)


def _short(value: Any, limit: int = 80) -> str:
    """A value for a message: its repr, cut short (a hostile file may hold huge ones)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
