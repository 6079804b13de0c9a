"""Conditions written as data (relevance, required rules, gaps), evaluated safely.

A condition is a small tree of dicts, for example::

    {"all": [{"question": "leg_ml_offence", "in": ["yes", "partial"]},
             {"not": {"question": "op_fiu", "equals": "no"}}]}

It is parsed once into immutable objects and evaluated against a mapping of
question id -> value. Nothing is ever passed to ``eval``.

Format 2 adds two things: a comparison of the responding member's attributes
(``{"member": "subregion", "in": [...]}``), evaluated against a plain mapping the
app builds from its country row, and, in cross-question checks only, the operand
``{"answer": "<question id>"}``: another question's answer.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

COMPARISONS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte",
               "includes", "answered")
NUMBER_COMPARISONS = ("gt", "gte", "lt", "lte")
# Comparisons that may take {answer: <id>} as operand (in checks).
ANSWER_COMPARISONS = ("equals", "not_equals", *NUMBER_COMPARISONS)
MAX_CONDITION_DEPTH = 16  # all/any/not inside each other

# Member attributes a condition may read, with the comparisons each allows.
SUBREGIONS = ("south_east_asia", "east_asia", "south_asia", "pacific", "middle_east", "americas")
MEMBER_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "iso3": ("equals", "not_equals", "in", "not_in"),
    "subregion": ("equals", "not_equals", "in", "not_in"),
    "groups": ("includes",),
    "territory": ("equals", "not_equals"),
    "apg": ("equals", "not_equals"),
}

Member = Mapping[str, Any]


class ConditionError(ValueError):
    """A condition that cannot be understood."""


@dataclass(frozen=True)
class AnswerOf:
    """The operand ``{answer: <question id>}``: another question's answer (checks only)."""

    question: str

    def to_data(self) -> dict:
        return {"answer": self.question}


@dataclass(frozen=True)
class Compare:
    question: str
    op: str
    operand: Any

    def questions(self) -> set[str]:
        if isinstance(self.operand, AnswerOf):
            return {self.question, self.operand.question}
        return {self.question}

    def leaves(self):
        yield self

    def holds(self, value_of: Callable[[str], Any], member: Member | None = None) -> bool:
        value = value_of(self.question)
        if self.op == "answered":
            return is_answered(value) == bool(self.operand)
        if not is_answered(value):
            return False
        op, operand = self.op, self.operand
        if isinstance(operand, AnswerOf):
            operand = value_of(operand.question)
            if not _is_number(operand) or not _is_number(value):
                return False  # compared only when both are real numbers
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
        operand = self.operand
        if isinstance(operand, AnswerOf):
            operand = operand.to_data()
        elif isinstance(operand, tuple):
            operand = list(operand)
        return {"question": self.question, self.op: operand}


@dataclass(frozen=True)
class MemberCompare:
    """A comparison of one attribute of the responding member (format 2)."""

    attribute: str
    op: str
    operand: Any

    def questions(self) -> set[str]:
        return set()

    def leaves(self):
        yield self

    def holds(self, value_of: Callable[[str], Any], member: Member | None = None) -> bool:
        value = None if member is None else member.get(self.attribute)
        if value is None:
            return False  # an attribute nobody gave compares false, like an unanswered question
        op, operand = self.op, self.operand
        if op == "equals":
            return value == operand
        if op == "not_equals":
            return value != operand
        if op == "in":
            return value in operand
        if op == "not_in":
            return value not in operand
        return isinstance(value, (list, tuple, set, frozenset)) and operand in value  # includes

    def to_data(self) -> dict:
        operand = list(self.operand) if isinstance(self.operand, tuple) else self.operand
        return {"member": self.attribute, self.op: operand}


@dataclass(frozen=True)
class AllOf:
    parts: tuple

    def questions(self) -> set[str]:
        return set().union(*(p.questions() for p in self.parts))

    def leaves(self):
        for p in self.parts:
            yield from p.leaves()

    def holds(self, value_of: Callable[[str], Any], member: Member | None = None) -> bool:
        return all(p.holds(value_of, member) for p in self.parts)

    def to_data(self) -> dict:
        return {"all": [p.to_data() for p in self.parts]}


@dataclass(frozen=True)
class AnyOf:
    parts: tuple

    def questions(self) -> set[str]:
        return set().union(*(p.questions() for p in self.parts))

    def leaves(self):
        for p in self.parts:
            yield from p.leaves()

    def holds(self, value_of: Callable[[str], Any], member: Member | None = None) -> bool:
        return any(p.holds(value_of, member) for p in self.parts)

    def to_data(self) -> dict:
        return {"any": [p.to_data() for p in self.parts]}


@dataclass(frozen=True)
class Not:
    part: Any

    def questions(self) -> set[str]:
        return self.part.questions()

    def leaves(self):
        yield from self.part.leaves()

    def holds(self, value_of: Callable[[str], Any], member: Member | None = None) -> bool:
        return not self.part.holds(value_of, member)

    def to_data(self) -> dict:
        return {"not": self.part.to_data()}


Condition = Compare | MemberCompare | AllOf | AnyOf | Not


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


def parse_condition(data: Any, _depth: int = 1, *, members: bool = False,
                    answers: bool = False) -> Condition:
    """Turn the data form of a condition into condition objects.

    ``members`` admits ``{member: ...}`` comparisons and ``answers`` the ``{answer: id}``
    operand (both format 2; the format-1 reader allows neither).
    """
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
        parsed = tuple(parse_condition(p, _depth + 1, members=members, answers=answers)
                       for p in parts)
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if "not" in data:
        if len(data) != 1:
            raise ConditionError("'not' must stand alone in its condition")
        return Not(parse_condition(data["not"], _depth + 1, members=members, answers=answers))
    if members and "member" in data and "question" not in data:
        return _member_compare(data)
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
    if isinstance(operand, Mapping) and set(operand) == {"answer"}:
        if not answers:
            raise ConditionError(f"'{op}' on '{data['question']}': the operand {{answer: ...}} "
                                 "is allowed only in checks")
        if op not in ANSWER_COMPARISONS:
            raise ConditionError(f"'{op}' on '{data['question']}' cannot compare with another "
                                 f"answer; use one of {', '.join(ANSWER_COMPARISONS)}")
        if not isinstance(operand["answer"], str):
            raise ConditionError(f"'{op}' on '{data['question']}': 'answer' must name a question id")
        return Compare(str(data["question"]), op, AnswerOf(operand["answer"]))
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


def _member_compare(data: Mapping[str, Any]) -> MemberCompare:
    attribute = data["member"]
    if attribute not in MEMBER_ATTRIBUTES:
        raise ConditionError(f"'member' must name one of {', '.join(MEMBER_ATTRIBUTES)}; "
                             f"got {_short(attribute)}")
    ops = [k for k in data if k != "member"]
    allowed = MEMBER_ATTRIBUTES[attribute]
    if len(ops) != 1 or ops[0] not in allowed:
        raise ConditionError(f"a condition on the member's '{attribute}' needs exactly one of "
                             f"{', '.join(allowed)}; got {', '.join(map(str, ops)) or 'none'}")
    op = ops[0]
    operand = data[op]
    values = operand if op in ("in", "not_in") else [operand]
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            raise ConditionError(f"'{op}' on the member's '{attribute}' needs a non-empty list")
        operand = tuple(operand)
    if attribute in ("territory", "apg"):
        if not all(isinstance(v, bool) for v in values):
            raise ConditionError(f"the member's '{attribute}' is true or false")
    elif not all(isinstance(v, str) for v in values):
        raise ConditionError(f"'{op}' on the member's '{attribute}' needs text")
    if attribute == "subregion":
        wrong = [v for v in values if v not in SUBREGIONS]
        if wrong:
            raise ConditionError(f"'{wrong[0]}' is not a sub-region code "
                                 f"(codes: {', '.join(SUBREGIONS)})")
    return MemberCompare(attribute, op, operand)


def member_leaves(condition: Condition) -> list[MemberCompare]:
    return [leaf for leaf in condition.leaves() if isinstance(leaf, MemberCompare)]


def _short(value: Any, limit: int = 80) -> str:
    """A value for a message: its repr, cut short (a hostile file may hold huge ones)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
