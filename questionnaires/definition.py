"""Questionnaire definitions: typed objects read and validated from YAML files."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .conditions import Condition, ConditionError, parse_condition
from .text import DEFAULT_LANGUAGE, Text
from .types import NOT_APPLICABLE, REGISTRY, SPECIAL_CODES, UNKNOWN, question_type

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,48}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
OPTION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
PRIORITIES = ("high", "medium", "low")
COMMON_KEYS = frozenset({
    "id", "type", "label", "help", "required", "relevant", "allow_not_applicable",
    "allow_unknown", "weight", "standard", "key_count"})
MAX_DEFINITION_BYTES = 2 * 1024 * 1024
# Shape limits, checked before any object is built (a real definition stays far below them:
# about ten levels deep, lists of at most a few hundred items).
MAX_DEPTH = 24            # lists and mappings inside each other
MAX_LIST_ITEMS = 2_000    # items in one list, keys in one mapping
MAX_NODES = 200_000       # values in the whole definition
DEFINITIONS_DIR = Path(__file__).parent / "definitions"


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` lists every finding."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        if len(problems) == 1:  # one line, for the command line and logs
            super().__init__(f"{source}: 1 problem(s) in the definition: {problems[0]}")
            return
        shown = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the definition:\n{shown}")


@dataclass(frozen=True)
class Option:
    code: str
    label: Text
    points: float | None = None


@dataclass(frozen=True)
class Band:
    max: float | None
    points: float


@dataclass(frozen=True)
class Question:
    """One question as read from a definition. It never changes once read, so what is
    derived from it (its type object, whether it is scored, its type's option lookups)
    is worked out once and kept on the instance."""

    id: str
    type: str
    section_id: str
    label: Text
    help: Text
    required: bool | Condition = True
    relevant: Condition | None = None
    allow_not_applicable: bool = False
    allow_unknown: bool = False
    weight: float = 0.0
    standard: str | None = None
    key_count: bool = False
    options: tuple[Option, ...] = ()
    points: Mapping[str, float] | None = None
    max_points: float | None = None
    min: float | None = None
    max: float | None = None
    unit: Text | None = None
    bands: tuple[Band, ...] = ()
    max_length: int | None = None
    number: int = 0  # position in the whole questionnaire, from 1

    @cached_property
    def kind(self):
        return question_type(self.type)

    @property
    def special_codes(self) -> tuple[str, ...]:
        codes = []
        if self.allow_not_applicable:
            codes.append(NOT_APPLICABLE)
        if self.allow_unknown:
            codes.append(UNKNOWN)
        return tuple(codes)

    @cached_property
    def scored(self) -> bool:
        """Does this question count towards its pillar's score (its type decides how)?"""
        return self.weight > 0 and self.kind.is_scored(self)

    # Conveniences that delegate to the type registry.
    def display(self, value: Any, language: str | None = None) -> str:
        return self.kind.display(self, value, language)

    def normalise(self, value: Any) -> Any:
        return self.kind.normalise(self, value)


@dataclass(frozen=True)
class Section:
    id: str
    pillar: bool
    title: Text
    short_title: Text
    intro: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Action:
    id: str
    section_id: str
    priority: str
    when: Condition
    gap: Text
    action: Text


@dataclass(frozen=True)
class Scoring:
    unanswered: str = "zero"
    minimum_coverage: float = 0.5


@dataclass(frozen=True)
class Definition:
    code: str
    version: int
    title: Text
    description: Text
    reference_period: Text
    scoring: Scoring
    sections: tuple[Section, ...]
    actions: tuple[Action, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.code}:{self.version}"

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def pillars(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.pillar)

    def question(self, question_id: str) -> Question:
        return self._index()[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._index()

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def _index(self) -> dict[str, Question]:
        index = self.__dict__.get("_question_index")
        if index is None:
            index = {q.id: q for q in self.questions}
            object.__setattr__(self, "_question_index", index)
        return index

    def checksum(self) -> str:
        return definition_checksum(self.raw)


def definition_checksum(data: Mapping[str, Any]) -> str:
    """SHA-256 of the definition's canonical JSON form (key order and spacing do not count)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_definition(path: str | Path) -> Definition:
    """Read and validate a definition file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DefinitionError(str(path), [f"cannot read the file: {exc.strerror}"]) from exc
    return parse_definition(data, source=path.name)


def parse_definition(data: bytes | str | Mapping[str, Any], source: str = "<definition>") -> Definition:
    """Validate definition data (YAML text or an already-parsed mapping)."""
    if isinstance(data, (bytes, str)):
        if len(data) > MAX_DEFINITION_BYTES:
            raise DefinitionError(source, [
                f"the file is {len(data):,} bytes; the limit is {MAX_DEFINITION_BYTES:,}"])
        _check_yaml_shape(data, source)
        try:
            # safe_load builds plain data only: no Python objects, no custom tags.
            parsed = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise DefinitionError(source, [f"not valid YAML{where}: {problem}"]) from exc
    else:
        parsed = data
    _check_data_shape(parsed, source)
    return _Reader(source).read(parsed)


# libyaml's parser when PyYAML has it (ten times faster); PyYAML's own parser otherwise, and
# again when libyaml refuses a file (it stops at 1,000 levels, PyYAML's loader would not).
_EVENT_LOADERS = ((yaml.CSafeLoader,) if hasattr(yaml, "CSafeLoader") else ()) + (yaml.SafeLoader,)


def _check_yaml_shape(data: bytes | str, source: str) -> None:
    """Refuse aliases, deep nesting and long lists on the YAML events, before any object exists.

    Aliases (``*name``) let a few bytes stand for millions of values once copied, so
    anchors and aliases are not accepted at all. The parsers produce events one by one
    without recursion, so even a file nested 50,000 levels deep is refused cheaply.
    """
    for loader in _EVENT_LOADERS:
        try:
            _scan_events(yaml.parse(data, Loader=loader), source)
            return
        except yaml.YAMLError:
            continue  # the next parser, or safe_load, reports it with its position


def _scan_events(events, source: str) -> None:
    open_items: list[list[int]] = []  # per open list or mapping: [values seen, limit]
    nodes = 0
    for event in events:
        line = f"line {event.start_mark.line + 1}" if event.start_mark else "the file"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise DefinitionError(source, [
                f"{line}: YAML anchors and aliases (&name, *name) are not accepted in "
                "definition files; write the value out where it is used"])
        if isinstance(event, yaml.CollectionEndEvent):
            open_items.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        nodes += 1
        if nodes > MAX_NODES:
            raise DefinitionError(source, [f"{line}: the file holds more than {MAX_NODES:,} values"])
        if open_items:
            open_items[-1][0] += 1
            if open_items[-1][0] > open_items[-1][1]:
                raise DefinitionError(source, [
                    f"{line}: a list or mapping has more than {MAX_LIST_ITEMS:,} items"])
        if isinstance(event, yaml.CollectionStartEvent):
            # A mapping's keys and values are separate events: twice the items.
            per_item = 2 if isinstance(event, yaml.MappingStartEvent) else 1
            open_items.append([0, MAX_LIST_ITEMS * per_item])
            if len(open_items) > MAX_DEPTH:
                raise DefinitionError(source, [
                    f"{line}: lists and mappings are nested more than {MAX_DEPTH} levels deep"])


def _check_data_shape(data: Any, source: str) -> None:
    """The same limits on already-parsed data (stored definitions, callers' mappings)."""
    stack = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise DefinitionError(source, [f"the definition holds more than {MAX_NODES:,} values"])
        if isinstance(value, Mapping):
            children = list(value.values())
        elif isinstance(value, (list, tuple)):
            children = list(value)
        else:
            continue
        if depth > MAX_DEPTH:
            raise DefinitionError(source, [
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep"])
        if len(children) > MAX_LIST_ITEMS:
            raise DefinitionError(source, [
                f"a list or mapping has more than {MAX_LIST_ITEMS:,} items"])
        stack.extend((child, depth + 1) for child in children)


def bundled_definition_paths() -> list[Path]:
    return sorted(DEFINITIONS_DIR.glob("*.yaml"))


class _Reader:
    """Collects every problem in a definition rather than stopping at the first."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def text(self, value: Any, where: str, required: bool = True) -> Text:
        if value is None:
            if required:
                self.fail(where, "is missing (an English text is required)")
            return Text({DEFAULT_LANGUAGE: ""})
        if isinstance(value, str):
            return Text({DEFAULT_LANGUAGE: value})
        if isinstance(value, Mapping):
            bad = [k for k, v in value.items()
                   if not isinstance(k, str) or not isinstance(v, str)]
            if bad:
                self.fail(where, "every translation must be text keyed by a language code")
                return Text({DEFAULT_LANGUAGE: ""})
            if not value.get(DEFAULT_LANGUAGE, "").strip():
                self.fail(where, "has no English ('en') text")
            return Text(dict(value))
        self.fail(where, "must be text or a mapping of language to text")
        return Text({DEFAULT_LANGUAGE: ""})

    def number(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"must be a number, got {value!r}")
            return None
        return float(value)

    def condition(self, value: Any, where: str) -> Condition | None:
        try:
            return parse_condition(value)
        except ConditionError as exc:
            self.fail(where, str(exc))
            return None

    def read(self, data: Any) -> Definition:
        if not isinstance(data, Mapping):
            raise DefinitionError(self.source, ["the file must hold a mapping at the top level"])
        code = data.get("code")
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            self.fail("code", "must be lower-case letters, digits and hyphens")
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.fail("version", "must be a positive whole number")
        title = self.text(data.get("title"), "title")
        description = self.text(data.get("description"), "description", required=False)
        period = self.text(data.get("reference_period"), "reference_period", required=False)
        scoring = self.read_scoring(data.get("scoring") or {})
        known_top = {"code", "version", "title", "description", "reference_period",
                     "scoring", "sections", "actions"}
        for key in data:
            if key not in known_top:
                self.fail(str(key), "is not a known top-level key")

        sections_data = data.get("sections")
        sections: list[Section] = []
        if not isinstance(sections_data, list) or not sections_data:
            self.fail("sections", "must be a non-empty list")
            sections_data = []
        seen_questions: dict[str, Question] = {}
        seen_sections: set[str] = set()
        number = 0
        for i, sdata in enumerate(sections_data):
            section, number = self.read_section(sdata, i, seen_sections, seen_questions, number)
            if section:
                sections.append(section)
        if sections and not any(s.pillar for s in sections):
            self.fail("sections", "at least one section must be a scored pillar")

        # Conditions may only refer to questions that exist; relevance only to earlier ones.
        order = {qid: n for n, qid in enumerate(seen_questions)}
        for q in seen_questions.values():
            if q.relevant is not None:
                for ref in sorted(q.relevant.questions()):
                    if ref not in order:
                        self.fail(f"question {q.id}", f"'relevant' refers to unknown question '{ref}'")
                    elif order[ref] >= order[q.id]:
                        self.fail(f"question {q.id}",
                                  f"'relevant' refers to '{ref}', which does not come before it")
                self.check_operands(q.relevant, seen_questions, f"question {q.id}: 'relevant'")
            if not isinstance(q.required, bool):
                for ref in sorted(q.required.questions()):
                    if ref not in order:
                        self.fail(f"question {q.id}", f"'required' refers to unknown question '{ref}'")
                self.check_operands(q.required, seen_questions, f"question {q.id}: 'required'")

        actions = self.read_actions(data.get("actions") or [], seen_questions,
                                    {s.id for s in sections if s.pillar})
        if self.problems:
            raise DefinitionError(self.source, self.problems)
        return Definition(code=code, version=version, title=title, description=description,
                          reference_period=period, scoring=scoring, sections=tuple(sections),
                          actions=tuple(actions), raw=_plain(data))

    def read_scoring(self, data: Any) -> Scoring:
        if not isinstance(data, Mapping):
            self.fail("scoring", "must be a mapping")
            return Scoring()
        unanswered = data.get("unanswered", "zero")
        if unanswered not in ("zero", "exclude"):
            self.fail("scoring.unanswered", "must be 'zero' or 'exclude'")
            unanswered = "zero"
        coverage = data.get("minimum_coverage", 0.5)
        if isinstance(coverage, bool) or not isinstance(coverage, (int, float)) or not 0 <= coverage <= 1:
            self.fail("scoring.minimum_coverage", "must be a number from 0 to 1")
            coverage = 0.5
        for key in data:
            if key not in ("unanswered", "minimum_coverage"):
                self.fail(f"scoring.{key}", "is not a known scoring setting")
        return Scoring(unanswered=unanswered, minimum_coverage=float(coverage))

    def read_section(self, data, index, seen_sections, seen_questions, number):
        where = f"section {index + 1}"
        if not isinstance(data, Mapping):
            self.fail(where, "must be a mapping")
            return None, number
        sid = data.get("id")
        if not isinstance(sid, str) or not ID_PATTERN.match(sid):
            self.fail(where, "needs an 'id' of lower-case letters, digits and underscores")
            sid = f"section_{index + 1}"
        else:
            where = f"section {sid}"
            if sid in seen_sections:
                self.fail(where, "is defined twice")
            seen_sections.add(sid)
        pillar = data.get("pillar", True)
        if not isinstance(pillar, bool):
            self.fail(where, "'pillar' must be true or false")
        title = self.text(data.get("title"), f"{where}: title")
        short = self.text(data.get("short_title") or data.get("title"), f"{where}: short_title")
        intro = self.text(data.get("intro"), f"{where}: intro", required=False)
        qdata = data.get("questions")
        if not isinstance(qdata, list) or not qdata:
            self.fail(where, "needs a non-empty list of 'questions'")
            qdata = []
        questions = []
        for j, item in enumerate(qdata):
            number += 1
            q = self.read_question(item, sid, bool(pillar), f"{where}, question {j + 1}", number)
            if q is None:
                continue
            if q.id in seen_questions:
                self.fail(f"question {q.id}", "the id is used twice")
                continue
            seen_questions[q.id] = q
            questions.append(q)
        return Section(sid, bool(pillar), title, short, intro, tuple(questions)), number

    def read_question(self, data, section_id, in_pillar, where, number) -> Question | None:
        if not isinstance(data, Mapping):
            self.fail(where, "must be a mapping")
            return None
        qid = data.get("id")
        if not isinstance(qid, str) or not ID_PATTERN.match(qid):
            self.fail(where, f"needs an 'id' matching {ID_PATTERN.pattern}, got {qid!r}")
            return None
        where = f"question {qid}"
        qtype = data.get("type")
        if qtype not in REGISTRY:
            self.fail(where, f"unknown type {qtype!r}; known types: {', '.join(sorted(REGISTRY))}")
            return None
        kind = REGISTRY[qtype]()
        allowed = COMMON_KEYS | kind.extra_keys
        for key in data:
            if key not in allowed:
                self.fail(where, f"'{key}' is not a setting of a {qtype} question")
        before = len(self.problems)
        required = data.get("required", True)
        if not isinstance(required, bool):
            required = self.condition(required, f"{where}: required") or True
        relevant = None
        if data.get("relevant") is not None:
            relevant = self.condition(data["relevant"], f"{where}: relevant")
        for flag in ("allow_not_applicable", "allow_unknown", "key_count"):
            if not isinstance(data.get(flag, False), bool):
                self.fail(where, f"'{flag}' must be true or false")
        default_weight = 1.0 if kind.scored and in_pillar else 0.0
        weight = self.number(data.get("weight", default_weight), f"{where}: weight")
        if weight is not None and weight < 0:
            self.fail(where, "'weight' cannot be negative")
        if weight and not in_pillar:
            self.fail(where, "questions outside a pillar cannot carry a scoring weight")
        options = self.read_options(data.get("options"), where) if "options" in kind.extra_keys else ()
        if "options" in kind.extra_keys and not options:
            self.fail(where, f"a {qtype} question needs 'options'")
        bands = self.read_bands(data.get("bands"), where)
        points = data.get("points")
        if points is not None and not isinstance(points, Mapping):
            self.fail(where, "'points' must map answers to numbers")
            points = None
        max_length = data.get("max_length")
        if max_length is not None and (isinstance(max_length, bool)
                                       or not isinstance(max_length, int) or max_length < 1):
            self.fail(where, "'max_length' must be a positive whole number")
            max_length = None
        unit = self.text(data["unit"], f"{where}: unit") if data.get("unit") is not None else None
        standard = data.get("standard")
        if standard is not None and not isinstance(standard, str):
            self.fail(where, "'standard' must be text")
        question = Question(
            id=qid, type=qtype, section_id=section_id,
            label=self.text(data.get("label"), f"{where}: label"),
            help=self.text(data.get("help"), f"{where}: help", required=False),
            required=required, relevant=relevant,
            allow_not_applicable=bool(data.get("allow_not_applicable", False)),
            allow_unknown=bool(data.get("allow_unknown", False)),
            weight=weight or 0.0, standard=standard, key_count=bool(data.get("key_count", False)),
            options=options, points=dict(points) if points else None,
            max_points=self.number(data.get("max_points"), f"{where}: max_points"),
            min=self.number(data.get("min"), f"{where}: min"),
            max=self.number(data.get("max"), f"{where}: max"),
            unit=unit, bands=bands, max_length=max_length, number=number)
        for problem in kind.check_definition(question):
            self.fail(where, problem)
        if question.key_count and not kind.numeric:
            self.fail(where, "'key_count' is only for number questions")
        if len(self.problems) > before:
            return question  # keep collecting, but the result is never returned
        return question

    def read_options(self, data, where) -> tuple[Option, ...]:
        if data is None:
            return ()
        if not isinstance(data, list):
            self.fail(where, "'options' must be a list")
            return ()
        options, seen = [], set()
        for k, item in enumerate(data):
            if not isinstance(item, Mapping):
                self.fail(where, f"option {k + 1} must be a mapping with 'code' and 'label'")
                continue
            code = item.get("code")
            if not isinstance(code, str) or not OPTION_PATTERN.match(code):
                self.fail(where, f"option {k + 1} needs a 'code' of lower-case letters, digits, '_' or '-'")
                continue
            if code in SPECIAL_CODES:
                self.fail(where, f"option code '{code}' is reserved; "
                                 "use allow_not_applicable or allow_unknown")
                continue
            if code in seen:
                self.fail(where, f"option code '{code}' is used twice")
            seen.add(code)
            for key in item:
                if key not in ("code", "label", "points"):
                    self.fail(where, f"option '{code}': '{key}' is not an option setting")
            options.append(Option(code, self.text(item.get("label"), f"{where}: option {code}"),
                                  self.number(item.get("points"), f"{where}: option {code} points")))
        return tuple(options)

    def read_bands(self, data, where) -> tuple[Band, ...]:
        if data is None:
            return ()
        if not isinstance(data, list) or not data:
            self.fail(where, "'bands' must be a non-empty list")
            return ()
        bands = []
        for k, item in enumerate(data):
            if not isinstance(item, Mapping) or "points" not in item:
                self.fail(where, f"band {k + 1} needs 'points' (and 'max' unless it is the last)")
                continue
            pts = self.number(item.get("points"), f"{where}: band {k + 1} points")
            bands.append(Band(self.number(item.get("max"), f"{where}: band {k + 1} max"), pts or 0.0))
        return tuple(bands)

    def check_operands(self, condition, questions, where) -> None:
        """Choice conditions must name answers the referred question can take."""
        from .conditions import AllOf, AnyOf, Compare, Not

        if isinstance(condition, (AllOf, AnyOf)):
            for part in condition.parts:
                self.check_operands(part, questions, where)
            return
        if isinstance(condition, Not):
            self.check_operands(condition.part, questions, where)
            return
        if not isinstance(condition, Compare) or condition.question not in questions:
            return
        ref = questions[condition.question]
        codes = ref.kind.option_codes(ref)
        if not codes or condition.op in ("answered", "gt", "gte", "lt", "lte"):
            return
        valid = set(codes) | set(ref.special_codes)
        operands = condition.operand if isinstance(condition.operand, tuple) else (condition.operand,)
        for operand in operands:
            if operand not in valid:
                self.fail(where, f"'{operand}' is not an answer of question '{ref.id}' "
                                 f"(answers: {', '.join(sorted(valid))})")

    def read_actions(self, data, questions, pillar_ids) -> list[Action]:
        if not isinstance(data, list):
            self.fail("actions", "must be a list")
            return []
        actions, seen = [], set()
        for k, item in enumerate(data):
            where = f"action {k + 1}"
            if not isinstance(item, Mapping):
                self.fail(where, "must be a mapping")
                continue
            aid = item.get("id")
            if not isinstance(aid, str) or not ID_PATTERN.match(aid):
                self.fail(where, "needs an 'id' of lower-case letters, digits and underscores")
                continue
            where = f"action {aid}"
            if aid in seen:
                self.fail(where, "the id is used twice")
            seen.add(aid)
            section = item.get("section")
            if section not in pillar_ids:
                self.fail(where, f"'section' must name a pillar ({', '.join(sorted(pillar_ids))})")
            priority = item.get("priority", "medium")
            if priority not in PRIORITIES:
                self.fail(where, f"'priority' must be one of {', '.join(PRIORITIES)}")
            when = self.condition(item.get("when"), f"{where}: when")
            if when is not None:
                for ref in sorted(when.questions()):
                    if ref not in questions:
                        self.fail(where, f"'when' refers to unknown question '{ref}'")
                self.check_operands(when, questions, f"{where}: when")
            for key in item:
                if key not in ("id", "section", "priority", "when", "gap", "action"):
                    self.fail(where, f"'{key}' is not an action setting")
            actions.append(Action(aid, section, priority, when,
                                  self.text(item.get("gap"), f"{where}: gap"),
                                  self.text(item.get("action"), f"{where}: action")))
        return actions


def _plain(data: Any) -> Any:
    """A JSON-safe deep copy (YAML may produce dates and other non-JSON scalars)."""
    return json.loads(json.dumps(data, default=str))
