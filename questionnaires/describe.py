"""Conditions rendered in words, so a recommended action's trigger text is the rule itself.

``trigger_text(definition, action)`` gives "“Can your courts try trafficking offences
committed outside the country?” is “No” or “Partly”." for ``{question:
leg_tip_extraterritorial, in: [no, partial]}``: the text is made from ``when`` and the
question labels, so it can never drift from the rule. The connecting words are English
interface text (the app's catalogue may translate them); labels and answers follow
``language``.
"""

from __future__ import annotations

from typing import Any

from .conditions import AllOf, AnswerOf, AnyOf, Compare, Condition, MemberCompare, Not
from .definition import Action, Definition
from .types import SPECIAL_CODES, special_label

SUBREGION_NAMES = {
    "south_east_asia": "South-East Asia", "east_asia": "East Asia", "south_asia": "South Asia",
    "pacific": "the Pacific", "middle_east": "the Middle East", "americas": "the Americas",
}
GROUP_NAMES = {"asean": "ASEAN"}


def trigger_text(definition: Definition, action: Action, language: str | None = None) -> str:
    """Why ``action`` is shown, in words: its ``when`` rendered from the definition."""
    text = describe(definition, action.when, language)
    return text[:1].upper() + text[1:] + "."


def describe(definition: Definition, condition: Condition, language: str | None = None) -> str:
    return _Describer(definition, language).text(condition, nested=False)


class _Describer:
    def __init__(self, definition: Definition, language: str | None):
        self.definition = definition
        self.language = language
        self.mentioned: set[str] = set()  # a label is quoted once, then named by its number

    def text(self, node: Any, nested: bool, negated: bool = False) -> str:
        if isinstance(node, (AllOf, AnyOf)):
            joiner = " and " if isinstance(node, AllOf) != negated else " or "
            parts = [self.text(p, True, negated) for p in node.parts]
            joined = joiner.join(parts)
            return f"({joined})" if nested and len(parts) > 1 else joined
        if isinstance(node, Not):
            return self.text(node.part, nested, not negated)
        if isinstance(node, MemberCompare):
            return self.member(node, negated)
        return self.compare(node, negated)

    def label(self, qid: str) -> str:
        if not self.definition.has_question(qid):
            return f"“{qid}”"
        q = self.definition.question(qid)
        if qid in self.mentioned:
            return f"question {q.number}"
        self.mentioned.add(qid)
        return f"“{q.label.get(self.language)}” (question {q.number})"

    def answer(self, qid: str, code: Any) -> str:
        if isinstance(code, str) and code in SPECIAL_CODES:
            return f"“{special_label(code, self.language)}”"
        if isinstance(code, (int, float)) and not isinstance(code, bool):
            return f"{code:g}"
        if self.definition.has_question(qid):
            q = self.definition.question(qid)
            labels = {c: lab for c, lab, _ in q.kind.options(q)}
            if code in labels:
                return f"“{labels[code].get(self.language)}”"
        return f"“{code}”"

    def either(self, qid: str, codes, word: str) -> str:
        shown = [self.answer(qid, c) for c in codes]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" {word} " + shown[-1]

    def compare(self, node: Compare, negated: bool) -> str:
        subject, op, operand = self.label(node.question), node.op, node.operand
        if op == "answered":
            answered = bool(operand) != negated
            return f"{subject} is {'answered' if answered else 'not answered'}"
        if isinstance(operand, AnswerOf):
            other = f"the answer to {self.label(operand.question)}"
        else:
            other = None
        if op in ("equals", "not_equals"):
            is_not = (op == "not_equals") != negated
            value = other or self.answer(node.question, operand)
            return f"{subject} is {'not ' if is_not else ''}{value}"
        if op in ("in", "not_in"):
            is_not = (op == "not_in") != negated
            if is_not:
                return f"{subject} is neither {self.either(node.question, operand, 'nor')}" \
                    if len(operand) > 1 else f"{subject} is not {self.answer(node.question, operand[0])}"
            return f"{subject} is {self.either(node.question, operand, 'or')}"
        if op == "includes":
            verb = "does not include" if negated else "includes"
            return f"{subject} {verb} {self.answer(node.question, operand)}"
        words = {"gt": ("more than", "at most"), "gte": ("at least", "less than"),
                 "lt": ("less than", "at least"), "lte": ("at most", "more than")}[op]
        value = other or self.answer(node.question, operand)
        return f"{subject} is {words[1] if negated else words[0]} {value}"

    def member(self, node: MemberCompare, negated: bool) -> str:
        attribute, op, operand = node.attribute, node.op, node.operand
        if attribute == "territory":
            is_territory = (operand is True) == (op == "equals")
            return "the member is " + ("not " if is_territory == negated else "") + "a territory"
        if attribute == "apg":
            member_of = (operand is True) == (op == "equals")
            return "the member is " + ("not " if member_of == negated else "") + "an APG member"
        if attribute == "groups":
            name = GROUP_NAMES.get(operand, operand)
            return f"the member {'does not belong' if negated else 'belongs'} to {name}"
        names = SUBREGION_NAMES if attribute == "subregion" else {}
        codes = operand if isinstance(operand, tuple) else (operand,)
        shown = [names.get(c, c) for c in codes]
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
        is_not = (op in ("not_equals", "not_in")) != negated
        if attribute == "subregion":
            return f"the member is {'not ' if is_not else ''}in {listed}"
        place = "one of " if len(shown) > 1 else ""
        return f"the member's {attribute} is {'not ' if is_not else ''}{place}{listed}"
