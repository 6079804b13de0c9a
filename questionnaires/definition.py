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

from .conditions import (
    NUMBER_COMPARISONS,
    AllOf,
    AnswerOf,
    AnyOf,
    Compare,
    Condition,
    ConditionError,
    MemberCompare,
    Not,
    parse_condition,
)
from .text import DEFAULT_LANGUAGE, Text
from .types import NOT_APPLICABLE, REGISTRY, SPECIAL_CODES, UNKNOWN, question_type

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,48}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
OPTION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
PRIORITIES = ("high", "medium", "low")
COMMON_KEYS = frozenset({
    "id", "type", "label", "help", "required", "relevant", "allow_not_applicable",
    "allow_unknown", "weight", "standard", "key_count"})
# Question keys that format 2 adds (FORMAT-v2-proposal.md); a format-1 file refuses them.
FORMAT2_KEYS = frozenset({
    "previous", "period", "carry_over", "visibility", "scored_when", "plausible_min",
    "plausible_max", "plausible_message", "min_public_denominator"})
FORMAT1_TOP = frozenset({"code", "version", "title", "description", "reference_period",
                         "scoring", "sections", "actions"})
FORMAT2_TOP = frozenset({"format", "previous", "notices", "checks"})
PERIODS = ("current", "reference_year", "three_years")
VISIBILITIES = ("public", "internal")
SEVERITIES = ("error", "warning")
SOFT_BOUND_TYPES = ("integer", "decimal", "percentage")
COUNT_TYPES = ("integer", "decimal")
FREE_TEXT_TYPES = ("short_text", "long_text")
MIN_PUBLIC_DENOMINATOR = 5
PLACEHOLDER = re.compile(r"\{(number|value):([a-z0-9_]+)\}")
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
    exclusive: bool = False                 # format 2: must be the only one ticked
    offered_when: Condition | None = None   # format 2: shown only to members for whom it holds


@dataclass(frozen=True)
class Previous:
    """Which question of the previous version a question continues (format 2)."""

    question: str
    same: bool
    change: Text | None = None


@dataclass(frozen=True)
class PreviousVersion:
    code: str
    version: int
    retired: Mapping[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class Derive:
    numerator: str
    denominator: str
    scale: float = 1.0
    fallback: str | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(q for q in (self.numerator, self.denominator, self.fallback) if q)


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
    # Format 2 (defaults mean what a format-1 question means).
    previous: Previous | None = None
    period: str = "current"
    carry_over: bool = True
    visibility: str = "internal"
    scored_when: Condition | None = None
    plausible_min: float | None = None
    plausible_max: float | None = None
    plausible_message: Text | None = None
    min_public_denominator: int | None = None
    derive: Derive | None = None
    scale: str | None = None

    @property
    def public(self) -> bool:
        return self.visibility == "public"

    @property
    def computed(self) -> bool:
        """Worked out from other answers (a derived value), never asked."""
        return self.kind.computed

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
    def display(self, value: Any, language: str | None = None, locale: str | None = None) -> str:
        return self.kind.display(self, value, language, locale)

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
class Check:
    """A cross-question check (format 2): ``must`` should hold; ``message`` says why not."""

    id: str
    severity: str           # error: refused beside the field; warning: must be confirmed
    must: Condition
    message: Text

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(sorted(self.must.questions()))


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
    format: int = 1
    previous: PreviousVersion | None = None
    notices: Mapping[str, Text] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()

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


SEEDED_FORMATS = (1, 2)  # the definition formats the app handles end to end
_FORMAT_LINE = re.compile(rb"^format:\s*(\d+)\s*(?:#.*)?$", re.MULTILINE)


def bundled_definition_paths(formats: tuple[int, ...] = SEEDED_FORMATS) -> list[Path]:
    """The bundled definition files of the given formats (by default those the app seeds:
    every format the pages, exports and demo handle, so v1 stays for the rounds using it
    and v2 is there for new rounds)."""
    return sorted(p for p in DEFINITIONS_DIR.glob("*.yaml") if _file_format(p) in formats)


def _file_format(path: Path) -> int:
    found = _FORMAT_LINE.search(path.read_bytes())
    return int(found.group(1)) if found else 1


class _Reader:
    """Collects every problem in a definition rather than stopping at the first."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []
        self.format = 1

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

    def condition(self, value: Any, where: str, answers: bool = False) -> Condition | None:
        try:
            return parse_condition(value, members=self.format == 2, answers=answers)
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
        fmt = data.get("format", 1)
        if fmt not in (1, 2) or isinstance(fmt, bool):
            self.fail("format", "must be 1 or 2")
            fmt = 1
        self.format = fmt
        known_top = FORMAT1_TOP | (FORMAT2_TOP if fmt == 2 else {"format"})
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
        previous, notices, checks = None, {}, []
        if self.format == 2:
            previous = self.read_previous_version(data.get("previous"))
            notices = self.read_notices(data.get("notices"))
            checks = self.read_checks(data.get("checks") or [], seen_questions)
            _Format2Rules(self, seen_questions, actions, notices, previous).check()
        if self.problems:
            raise DefinitionError(self.source, self.problems)
        return Definition(code=code, version=version, title=title, description=description,
                          reference_period=period, scoring=scoring, sections=tuple(sections),
                          actions=tuple(actions), raw=_plain(data), format=self.format,
                          previous=previous, notices=notices, checks=tuple(checks))

    def read_previous_version(self, data: Any) -> PreviousVersion | None:
        if data is None:
            return None
        if not isinstance(data, Mapping):
            self.fail("previous", "must be a mapping with 'code', 'version' and 'retired'")
            return None
        for key in data:
            if key not in ("code", "version", "retired"):
                self.fail(f"previous.{key}", "is not a setting of 'previous'")
        code, version = data.get("code"), data.get("version")
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            self.fail("previous.code", "must name the previous questionnaire's code")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.fail("previous.version", "must be a positive whole number")
        retired_data = data.get("retired") or {}
        retired: dict[str, Text] = {}
        if not isinstance(retired_data, Mapping):
            self.fail("previous.retired", "must map previous question ids to the reason")
        else:
            for qid, why in retired_data.items():
                retired[str(qid)] = self.text(why, f"previous.retired.{qid}")
        return PreviousVersion(str(code), version if isinstance(version, int) else 0, retired)

    def read_notices(self, data: Any) -> dict[str, Text]:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.fail("notices", "must map notice names to texts")
            return {}
        notices = {}
        for key, text in data.items():
            if key != "confidentiality":
                self.fail(f"notices.{key}", "is not a known notice (known: confidentiality)")
            notices[str(key)] = self.text(text, f"notices.{key}")
        return notices

    def read_checks(self, data: Any, questions: Mapping[str, Question]) -> list[Check]:
        if not isinstance(data, list):
            self.fail("checks", "must be a list")
            return []
        checks, seen = [], set()
        for k, item in enumerate(data):
            where = f"check {k + 1}"
            if not isinstance(item, Mapping):
                self.fail(where, "must be a mapping")
                continue
            cid = item.get("id")
            if not isinstance(cid, str) or not ID_PATTERN.match(cid):
                self.fail(where, "needs an 'id' of lower-case letters, digits and underscores")
                continue
            where = f"check {cid}"
            if cid in seen:
                self.fail(where, "the id is used twice")
            seen.add(cid)
            for key in item:
                if key not in ("id", "severity", "must", "message"):
                    self.fail(where, f"'{key}' is not a check setting")
            severity = item.get("severity")
            if severity not in SEVERITIES:
                self.fail(where, "'severity' must be 'error' or 'warning'")
            must = self.condition(item.get("must"), f"{where}: must", answers=True)
            message = self.text(item.get("message"), f"{where}: message")
            if must is None:
                continue
            reads = must.questions()
            for ref in sorted(reads):
                if ref not in questions:
                    self.fail(where, f"'must' refers to unknown question '{ref}'")
            if reads - set(questions):
                continue
            if any(isinstance(leaf, MemberCompare) for leaf in must.leaves()):
                self.fail(where, "a check compares answers only, not member attributes")
            self.check_operands(must, questions, f"{where}: must")
            for leaf in must.leaves():
                if isinstance(leaf, Compare) and isinstance(leaf.operand, AnswerOf):
                    for ref in (leaf.question, leaf.operand.question):
                        if not questions[ref].kind.numeric:
                            self.fail(where, f"{{answer: ...}} compares numbers, but '{ref}' is "
                                             f"a {questions[ref].type} question")
            for language, text in message.translations.items():
                named = {m.group(2) for m in PLACEHOLDER.finditer(text) if m.group(1) == "number"}
                valued = {m.group(2) for m in PLACEHOLDER.finditer(text) if m.group(1) == "value"}
                if named != reads:
                    missing, extra = sorted(reads - named), sorted(named - reads)
                    detail = "; ".join(
                        ([f"does not name {', '.join(missing)}"] if missing else [])
                        + ([f"names {', '.join(extra)}, which it does not read"] if extra else []))
                    self.fail(where, f"the message ({language}) must name every question the "
                                     f"check reads with {{number:...}} and no other: {detail}")
                if valued - reads:
                    self.fail(where, f"the message ({language}) shows {{value:...}} of "
                                     f"{', '.join(sorted(valued - reads))}, which it does not read")
            checks.append(Check(cid, severity if severity in SEVERITIES else "error", must, message))
        return checks

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
        if kind.format > self.format:
            self.fail(where, f"type '{qtype}' needs 'format: 2' at the top of the file")
        allowed = COMMON_KEYS | kind.extra_keys | (FORMAT2_KEYS if self.format == 2 else frozenset())
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
        extra = (self.read_format2_question(data, kind, where) if self.format == 2
                 else {"visibility": "public" if kind.public_by_default else "internal"})
        if kind.computed:
            required = False  # never asked, so never required
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
            unit=unit, bands=bands, max_length=max_length, number=number, **extra)
        for problem in kind.check_definition(question):
            self.fail(where, problem)
        if question.key_count and not kind.numeric:
            self.fail(where, "'key_count' is only for number questions")
        if len(self.problems) > before:
            return question  # keep collecting, but the result is never returned
        return question

    def read_format2_question(self, data, kind, where) -> dict[str, Any]:
        out: dict[str, Any] = {}
        prev = data.get("previous")
        if prev is not None:
            if not isinstance(prev, Mapping) or not isinstance(prev.get("question"), str) \
                    or not isinstance(prev.get("same"), bool):
                self.fail(where, "'previous' needs 'question' (an id) and 'same' (true or false)")
            else:
                for key in prev:
                    if key not in ("question", "same", "change"):
                        self.fail(where, f"'previous.{key}' is not a setting of 'previous'")
                change = None
                if prev.get("change") is not None:
                    change = self.text(prev["change"], f"{where}: previous.change")
                if not prev["same"] and change is None:
                    self.fail(where, "'previous' with 'same: false' needs a 'change' text saying "
                                     "what changed")
                out["previous"] = Previous(prev["question"], prev["same"], change)
        period = data.get("period", "current")
        if period not in PERIODS:
            self.fail(where, f"'period' must be one of {', '.join(PERIODS)}")
            period = "current"
        out["period"] = period
        carry = data.get("carry_over")
        if carry is not None and not isinstance(carry, bool):
            self.fail(where, "'carry_over' must be true or false")
            carry = None
        if carry is True and period == "reference_year":
            self.fail(where, "'carry_over: true' cannot go with 'period: reference_year' "
                             "(counts for a reference year never carry over)")
        out["carry_over"] = (period != "reference_year") if carry is None else carry
        visibility = data.get("visibility")
        if visibility is None:
            visibility = "public" if kind.public_by_default else "internal"
        elif visibility not in VISIBILITIES:
            self.fail(where, "'visibility' must be 'public' or 'internal'")
            visibility = "internal"
        out["visibility"] = visibility
        if data.get("scored_when") is not None:
            out["scored_when"] = self.condition(data["scored_when"], f"{where}: scored_when")
        for key in ("plausible_min", "plausible_max"):
            out[key] = self.number(data.get(key), f"{where}: {key}")
        if data.get("plausible_message") is not None:
            out["plausible_message"] = self.text(data["plausible_message"],
                                                 f"{where}: plausible_message")
        mpd = data.get("min_public_denominator")
        if mpd is not None:
            if isinstance(mpd, bool) or not isinstance(mpd, int) or mpd < 1:
                self.fail(where, "'min_public_denominator' must be a positive whole number")
            else:
                out["min_public_denominator"] = mpd
        if kind.computed:
            for key in ("allow_unknown", "allow_not_applicable", "required"):
                if key in data:
                    self.fail(where, f"'{key}' cannot be set on a derived value (it is never "
                                     "asked; it is unknown or not applicable from its inputs)")
        if "derive" in kind.extra_keys:
            out["derive"] = self.read_derive(data.get("derive"), where)
        if "scale" in kind.extra_keys:
            out["scale"] = data.get("scale")
        return out

    def read_derive(self, data, where) -> Derive | None:
        if not isinstance(data, Mapping):
            self.fail(where, "a derived question needs 'derive' with 'numerator' and 'denominator'")
            return None
        for key in data:
            if key not in ("numerator", "denominator", "scale", "fallback"):
                self.fail(where, f"'derive.{key}' is not a setting of 'derive'")
        numerator, denominator = data.get("numerator"), data.get("denominator")
        fallback = data.get("fallback")
        if not isinstance(numerator, str) or not isinstance(denominator, str):
            self.fail(where, "'derive' needs 'numerator' and 'denominator' naming questions")
            return None
        if fallback is not None and not isinstance(fallback, str):
            self.fail(where, "'derive.fallback' must name a question")
            fallback = None
        scale = data.get("scale", 1)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
            self.fail(where, "'derive.scale' must be a positive number")
            scale = 1
        return Derive(numerator, denominator, float(scale), fallback)

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
            option_keys = ("code", "label", "points") + (
                ("exclusive", "offered_when") if self.format == 2 else ())
            for key in item:
                if key not in option_keys:
                    self.fail(where, f"option '{code}': '{key}' is not an option setting")
            exclusive = item.get("exclusive", False)
            if not isinstance(exclusive, bool):
                self.fail(where, f"option '{code}': 'exclusive' must be true or false")
                exclusive = False
            offered_when = None
            if item.get("offered_when") is not None:
                offered_when = self.condition(item["offered_when"],
                                              f"{where}: option {code} offered_when")
                if offered_when is not None and offered_when.questions():
                    self.fail(where, f"option '{code}': 'offered_when' may compare member "
                                     "attributes only, not answers")
            options.append(Option(code, self.text(item.get("label"), f"{where}: option {code}"),
                                  self.number(item.get("points"), f"{where}: option {code} points"),
                                  exclusive, offered_when))
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
        if isinstance(condition, (AllOf, AnyOf)):
            for part in condition.parts:
                self.check_operands(part, questions, where)
            return
        if isinstance(condition, Not):
            self.check_operands(condition.part, questions, where)
            return
        if not isinstance(condition, Compare) or condition.question not in questions:
            return
        if isinstance(condition.operand, AnswerOf):
            if condition.operand.question not in questions:
                self.fail(where, f"refers to unknown question '{condition.operand.question}'")
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
            raw_when = item.get("when")
            if self.format == 2:
                raw_when = self.band_triggers(raw_when, questions, f"{where}: when")
            when = self.condition(raw_when, f"{where}: when")
            if when is not None:
                for ref in sorted(when.questions()):
                    if ref not in questions:
                        self.fail(where, f"'when' refers to unknown question '{ref}'")
                self.check_operands(when, questions, f"{where}: when")
                if self.format == 2:
                    self.triggers_agree_with_bands(when, questions, f"{where}: when")
            for key in item:
                if key not in ("id", "section", "priority", "when", "gap", "action"):
                    self.fail(where, f"'{key}' is not an action setting")
            actions.append(Action(aid, section, priority, when,
                                  self.text(item.get("gap"), f"{where}: gap"),
                                  self.text(item.get("action"), f"{where}: action")))
        return actions


    def band_triggers(self, data: Any, questions: Mapping[str, Question], where: str) -> Any:
        """``{question: <id>, scores_below: <points>}`` in an action's condition, written as
        the band edge it stands for: the action fires exactly when the answer falls in a
        band scoring below ``points``. The bands stay the one place the edges are written,
        so a rate on an edge (25 %) is scored and acted on alike."""
        if isinstance(data, list):
            return [self.band_triggers(item, questions, where) for item in data]
        if not isinstance(data, Mapping):
            return data
        if "scores_below" not in data:
            return {key: self.band_triggers(value, questions, where)
                    if key in ("all", "any", "not") else value for key, value in data.items()}
        qid = data.get("question")
        q = questions.get(qid) if isinstance(qid, str) else None
        if q is None or not q.bands:
            self.fail(where, f"'scores_below' needs a question scored by bands; '{qid}' is not")
            return data
        points = data["scores_below"]
        if isinstance(points, bool) or not isinstance(points, (int, float)):
            self.fail(where, f"'scores_below' on '{qid}' needs a number of points")
            return data
        if any(later.points < earlier.points for earlier, later in zip(q.bands, q.bands[1:])):
            self.fail(where, f"'scores_below' on '{qid}' needs bands whose points never fall")
            return data
        below = [band for band in q.bands if band.points < points]
        if not below or below[-1].max is None:
            self.fail(where, f"'scores_below: {points:g}' on '{qid}': "
                             + ("no band scores below it" if not below else "every band does"))
            return data
        rest = {key: value for key, value in data.items() if key not in ("question", "scores_below")}
        if rest:
            self.fail(where, f"'scores_below' on '{qid}' takes no other comparison")
        return {"question": qid, "lte": below[-1].max}

    def triggers_agree_with_bands(self, when: Condition, questions: Mapping[str, Question],
                                  where: str) -> None:
        """A number comparison in an action on a question scored by bands must cut at a band
        edge, on the side the band includes ("up to 25" holds 25): otherwise a value on the
        edge scores like those below it but is acted on like those above, or the reverse."""
        for leaf in when.leaves():
            if not isinstance(leaf, Compare) or leaf.op not in NUMBER_COMPARISONS:
                continue
            q = questions.get(leaf.question)
            if q is None or not q.bands or not _is_number_operand(leaf.operand):
                continue
            edges = [band.max for band in q.bands if band.max is not None]
            if leaf.op in ("lte", "gt") and leaf.operand in edges:
                continue
            self.fail(where, f"'{leaf.op}: {leaf.operand:g}' on '{q.id}' does not follow its "
                             f"bands (edges {', '.join(f'{e:g}' for e in edges)}, each band "
                             "including its upper edge): use 'lte' or 'gt' at an edge, or "
                             "'scores_below: <points>'")


def _is_number_operand(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Format2Rules:
    """The validation rules of format 2 that look across questions, actions and notices."""

    def __init__(self, reader: _Reader, questions: Mapping[str, Question], actions: list[Action],
                 notices: Mapping[str, Text], previous: PreviousVersion | None):
        self.reader = reader
        self.questions = questions
        self.order = {qid: n for n, qid in enumerate(questions)}
        self.actions = actions
        self.notices = notices
        self.previous = previous

    def fail(self, where: str, message: str) -> None:
        self.reader.fail(where, message)

    def check(self) -> None:
        self.periods()
        mapped: dict[str, str] = {}
        for q in self.questions.values():
            where = f"question {q.id}"
            self.visibility(q, where)
            self.options(q, where)
            self.scored_when(q, where)
            self.plausibility(q, where)
            if q.derive is not None:
                self.derive(q, where)
            if q.computed and q.weight > 0 and not q.bands:
                self.fail(where, "a derived value with a weight above 0 needs 'bands'")
            if q.previous is not None:
                if q.previous.question in mapped:
                    self.fail(where, f"previous question '{q.previous.question}' is already "
                                     f"mapped by '{mapped[q.previous.question]}'")
                mapped[q.previous.question] = q.id
                if not q.previous.same and q.previous.question == q.id:
                    self.fail(where, "keeps the previous id with 'same: false'; the same id means "
                                     "the same meaning, so a changed question needs a new id")
            if self.previous is not None and q.previous and q.previous.question in self.previous.retired:
                self.fail(where, f"maps to '{q.previous.question}', which 'previous.retired' "
                                 "lists as having no successor")
        if mapped and self.previous is None:
            self.fail("previous", "questions say which previous question they continue, so the "
                                  "top level needs 'previous' with 'code' and 'version'")
        for action in self.actions:
            if action.when is not None:
                self.count_rule(action)
        self.confidentiality()

    def periods(self) -> None:
        years = [q for q in self.questions.values() if q.type == "statistical_year"]
        if len(years) > 1:
            self.fail("sections", "a definition may hold at most one statistical_year question "
                                  f"(found {', '.join(q.id for q in years)})")
        with_period = [q for q in self.questions.values() if q.period != "current"]
        if with_period and not years:
            self.fail(f"question {with_period[0].id}",
                      "'period' needs a statistical_year question before it")
        elif with_period and self.order[years[0].id] > self.order[with_period[0].id]:
            self.fail(f"question {years[0].id}", "the statistical_year question must come before "
                                                 f"the first question with a 'period' ({with_period[0].id})")

    def visibility(self, q: Question, where: str) -> None:
        if q.public and q.type in FREE_TEXT_TYPES:
            self.fail(where, "free text cannot be public")
        if q.min_public_denominator is not None and not q.computed:
            self.fail(where, "'min_public_denominator' is only for derived values")
        if q.computed and q.public:
            if (q.min_public_denominator or 0) < MIN_PUBLIC_DENOMINATOR:
                self.fail(where, "a public derived value needs 'min_public_denominator' of at "
                                 f"least {MIN_PUBLIC_DENOMINATOR}")
            if q.derive is not None:
                inputs = [self.questions[i] for i in (q.derive.numerator, q.derive.denominator)
                          if i in self.questions]
                if len({i.public for i in inputs}) > 1:
                    self.fail(where, "a public derived value cannot have one public and one "
                                     "internal input: the internal one could be worked back")

    def options(self, q: Question, where: str) -> None:
        for o in q.options:
            if o.exclusive and q.type != "multiple_choice":
                self.fail(where, f"option '{o.code}': 'exclusive' is only for multiple_choice")
            if q.type == "multiple_choice" and o.code == "none" and not o.exclusive:
                self.fail(where, "option 'none' must be exclusive ('exclusive: true')")

    def scored_when(self, q: Question, where: str) -> None:
        cond = q.scored_when
        if cond is None:
            return
        if not q.scored:
            self.fail(where, "'scored_when' is only for scored questions")
        reads = cond.questions()
        for ref in sorted(reads):
            if ref not in self.order:
                self.fail(where, f"'scored_when' refers to unknown question '{ref}'")
                return
            if self.order[ref] >= self.order[q.id]:
                self.fail(where, f"'scored_when' refers to '{ref}', which does not come before it")
            ref_q = self.questions[ref]
            if not ref_q.allow_unknown and not ref_q.computed:
                self.fail(where, f"'scored_when' reads '{ref}', which does not allow "
                                 "“Unknown / no data”, so an unknown caseload could not be told apart")
        if not reads:
            return
        if not cond.holds(lambda _qid: UNKNOWN):
            self.fail(where, "'scored_when' must hold when its caseload is unknown (write it as "
                             "'not ... equals 0'), so that “unknown” never escapes scoring")
        if cond.holds(lambda _qid: 0):
            self.fail(where, "'scored_when' must be false when its caseload is 0, otherwise it is "
                             "not a caseload condition")

    def plausibility(self, q: Question, where: str) -> None:
        low, high = q.plausible_min, q.plausible_max
        if (low is not None or high is not None or q.plausible_message) \
                and q.type not in SOFT_BOUND_TYPES:
            self.fail(where, "soft bounds (plausible_min, plausible_max) are only for integer, "
                             "decimal and percentage questions")
            return
        if q.type in COUNT_TYPES and q.max is None:
            self.fail(where, "a number question needs a 'max' in format 2 (a hard bound)")
        hard_low, hard_high = (0.0, 100.0) if q.type == "percentage" else (q.min, q.max)
        if low is not None and high is not None and not low < high:
            self.fail(where, "'plausible_min' must be below 'plausible_max'")
        for name, bound in (("plausible_min", low), ("plausible_max", high)):
            if bound is None:
                continue
            if hard_low is not None and bound < hard_low:
                self.fail(where, f"'{name}' ({bound:g}) is below the hard minimum ({hard_low:g})")
            if hard_high is not None and bound > hard_high:
                self.fail(where, f"'{name}' ({bound:g}) is above the hard maximum ({hard_high:g})")

    def derive(self, q: Question, where: str) -> None:
        rule = q.derive
        for role, ref in (("numerator", rule.numerator), ("denominator", rule.denominator),
                          ("fallback", rule.fallback)):
            if ref is None:
                continue
            if ref not in self.questions:
                self.fail(where, f"'derive.{role}' refers to unknown question '{ref}'")
                continue
            ref_q = self.questions[ref]
            if self.order[ref] >= self.order[q.id]:
                self.fail(where, f"'derive.{role}' refers to '{ref}', which does not come before it")
            if role == "fallback":
                if ref_q.type != "percentage" or ref_q.weight > 0:
                    self.fail(where, "'derive.fallback' must be a percentage question with "
                                     "weight 0")
            elif ref_q.type not in COUNT_TYPES:
                self.fail(where, f"'derive.{role}' must be an integer or decimal question, not "
                                 f"{ref_q.type}")

    def count_rule(self, action: Action) -> None:
        """No action fires on a count alone (proposal §13)."""
        def walk(node, positive: bool, siblings: tuple) -> None:
            if isinstance(node, (AllOf, AnyOf)):
                joined = isinstance(node, AllOf) == positive  # an "and" after De Morgan
                for part in node.parts:
                    others = tuple(p for p in node.parts if p is not part) if joined else ()
                    walk(part, positive, siblings + others)
            elif isinstance(node, Not):
                walk(node.part, not positive, siblings)
            elif isinstance(node, Compare) and node.question in self.questions:
                q = self.questions[node.question]
                if not (q.type in COUNT_TYPES or q.computed) or q.scored_when is not None:
                    return
                if node.op == "answered" or node.operand == UNKNOWN or (
                        isinstance(node.operand, tuple) and set(node.operand) == {UNKNOWN}):
                    return
                low = (node.op in ("equals", "in", "lt", "lte") if positive
                       else node.op in ("gt", "gte", "not_equals", "not_in"))
                if not low:
                    return  # "more than ..." states a caseload itself
                caseload = any(
                    ref != q.id and (self.questions[ref].type in COUNT_TYPES
                                     or self.questions[ref].computed)
                    for other in siblings for ref in other.questions() if ref in self.questions)
                if not caseload:
                    self.fail(f"action {action.id}",
                              f"fires on the count '{q.id}' alone; read its caseload beside it "
                              "in an 'all', give the count a 'scored_when', or test "
                              "'equals: unknown'")
        walk(action.when, True, ())

    def confidentiality(self) -> None:
        free = [q for q in self.questions.values() if q.type in FREE_TEXT_TYPES]
        if not free:
            return
        notice = self.notices.get("confidentiality")
        if notice is None:
            self.fail("notices", "free-text questions need a 'confidentiality' notice")
            return
        for q in free:
            for language, help_text in (q.help.translations or {"en": ""}).items():
                sentence = notice.translations.get(language)
                if sentence is None:
                    self.fail(f"question {q.id}", f"the help is translated into '{language}' but "
                                                  "the confidentiality notice is not")
                elif _squash(sentence) not in _squash(help_text):
                    self.fail(f"question {q.id}", f"the help ({language}) must contain the "
                                                  "confidentiality notice")


def _squash(text: str) -> str:
    return " ".join(text.split())


def definition_report(definition: Definition) -> list[str]:
    """What ``survey questionnaire validate`` reports without refusing (``--strict`` refuses).

    - a scored count or derived value with neither ``scored_when`` nor
      ``allow_not_applicable`` (a member with no caseload would be scored on it);
    - a scored item that no recommended action reads (a deficiency with no action).
    """
    lines = []
    read_by_actions = set().union(*(a.when.questions() for a in definition.actions)) \
        if definition.actions else set()
    for q in definition.questions:
        if not q.scored:
            continue
        if (q.kind.numeric or q.computed) and q.scored_when is None and not q.allow_not_applicable:
            lines.append(f"question {q.id}: a scored count with neither 'scored_when' nor "
                         "'allow_not_applicable': a member with no caseload is scored on it")
        if q.id not in read_by_actions:
            lines.append(f"question {q.id}: scored, but no recommended action reads it")
    return lines


def previous_problems(definition: Definition, previous: Definition) -> list[str]:
    """The rules of the v1 -> v2 mapping that need the previous definition (proposal §1)."""
    problems = []
    if definition.previous is None:
        return ["previous: the definition does not name a previous version"]
    if (definition.previous.code, definition.previous.version) != (previous.code, previous.version):
        return [f"previous: names {definition.previous.code}:{definition.previous.version}, "
                f"not {previous.key}"]
    mapped = set()
    for q in definition.questions:
        where = f"question {q.id}"
        if q.previous is None:
            if previous.has_question(q.id):
                problems.append(f"{where}: the id exists in {previous.key}; map it with "
                                "'previous: {question: ..., same: true}' or use a new id")
            continue
        if not previous.has_question(q.previous.question):
            problems.append(f"{where}: previous question '{q.previous.question}' is not in "
                            f"{previous.key}")
            continue
        mapped.add(q.previous.question)
        before = previous.question(q.previous.question)
        if previous.has_question(q.id) and q.previous.question != q.id:
            problems.append(f"{where}: the id exists in {previous.key} but maps to another question")
        if q.previous.same:
            if before.type != q.type:
                problems.append(f"{where}: 'same: true' needs the same type as "
                                f"'{before.id}' ({before.type}, not {q.type})")
            lost = set(before.kind.option_codes(before)) - set(q.kind.option_codes(q))
            if lost:
                problems.append(f"{where}: 'same: true' but answers {', '.join(sorted(lost))} of "
                                f"'{before.id}' are no longer offered")
    retired = set(definition.previous.retired)
    for qid in sorted(retired - {q.id for q in previous.questions}):
        problems.append(f"previous.retired: '{qid}' is not a question of {previous.key}")
    for q in previous.questions:
        if q.id not in mapped and q.id not in retired:
            problems.append(f"previous: '{q.id}' of {previous.key} is neither mapped nor retired")
    return problems


def _plain(data: Any) -> Any:
    """A JSON-safe deep copy (YAML may produce dates and other non-JSON scalars)."""
    return json.loads(json.dumps(data, default=str))
