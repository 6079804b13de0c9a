"""What is asked: questionnaire definition files and the engine that reads them.

Plain Python over plain data: no Flask, no database.
"""

from .conditions import is_answered
from .definition import (
    Action,
    Definition,
    DefinitionError,
    Question,
    Section,
    bundled_definition_paths,
    definition_checksum,
    load_definition,
    parse_definition,
)
from .forms import EVIDENCE_SUFFIX, build_section_form, read_section
from .logic import answers_by_response, missing_required, overall_progress, progress, relevance
from .scoring import PillarScore, ResponseScore, gaps, question_points, score_response
from .types import NOT_APPLICABLE, REGISTRY, SPECIAL_CODES, UNKNOWN, AnswerError, question_type

__all__ = [
    "Action", "AnswerError", "answers_by_response", "Definition", "DefinitionError", "EVIDENCE_SUFFIX",
    "NOT_APPLICABLE", "PillarScore", "Question", "REGISTRY", "ResponseScore", "SPECIAL_CODES",
    "Section", "UNKNOWN", "build_section_form", "bundled_definition_paths",
    "definition_checksum", "gaps", "is_answered", "load_definition", "missing_required",
    "overall_progress", "parse_definition", "progress", "question_points", "question_type",
    "read_section", "relevance", "score_response",
]
