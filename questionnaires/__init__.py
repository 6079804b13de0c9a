"""What is asked: questionnaire definition files and the engine that reads them.

Plain Python over plain data: no Flask, no database.
"""

from .conditions import MemberCompare, is_answered
from .definition import (
    Action,
    Check,
    Definition,
    DefinitionError,
    Derive,
    Previous,
    PreviousVersion,
    Question,
    Section,
    bundled_definition_paths,
    definition_checksum,
    definition_report,
    load_definition,
    parse_definition,
    previous_problems,
)
from .describe import describe, trigger_text
from .forms import EVIDENCE_SUFFIX, SectionReading, build_section_form, read_answers, read_section
from .logic import (
    answers_by_response,
    evaluate,
    missing_required,
    overall_progress,
    progress,
    relevance,
    with_derived,
)
from .scoring import (
    CheckResult,
    PillarScore,
    ResponseScore,
    check_answers,
    data_gaps,
    gaps,
    question_points,
    score_response,
    scoring_values,
)
from .types import (
    NOT_APPLICABLE,
    READING_SUFFIX,
    REGISTRY,
    SPECIAL_CODES,
    UNKNOWN,
    AnswerAmbiguous,
    AnswerError,
    AnswerWarning,
    Normalised,
    question_type,
    resolve_period,
)

__all__ = [
    "AnswerWarning", "Check", "CheckResult", "Derive", "MemberCompare", "Normalised", "Previous",
    "PreviousVersion", "check_answers", "data_gaps", "definition_report", "describe", "evaluate",
    "previous_problems", "resolve_period", "scoring_values", "trigger_text", "with_derived",
    "Action", "AnswerError", "answers_by_response", "Definition", "DefinitionError", "EVIDENCE_SUFFIX",
    "NOT_APPLICABLE", "PillarScore", "Question", "REGISTRY", "ResponseScore", "SPECIAL_CODES",
    "Section", "UNKNOWN", "build_section_form", "bundled_definition_paths",
    "definition_checksum", "gaps", "is_answered", "load_definition", "missing_required",
    "overall_progress", "parse_definition", "progress", "question_points", "question_type",
    "read_section", "relevance", "score_response",
    "AnswerAmbiguous", "READING_SUFFIX", "SectionReading", "read_answers",
]
