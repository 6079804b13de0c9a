"""What a country looks like: scores, regional spread, gaps, change and charts.

Pure Python over the tidy answers frame and the questionnaire definition: no
Flask, no database, no ``survey`` imports.
"""

from .chart import score_chart_svg
from .profile import (
    APPROVED,
    OVERALL,
    AnswerChange,
    AnswerLine,
    Change,
    Gap,
    KeyCount,
    PillarAnswers,
    Profile,
    ProfileError,
    ScoreLine,
    build_profile,
    round_scores,
)
from .stats import Spread, spread

__all__ = [
    "APPROVED", "OVERALL", "AnswerChange", "AnswerLine", "Change", "Gap", "KeyCount",
    "PillarAnswers", "Profile", "ProfileError", "ScoreLine", "Spread",
    "build_profile", "round_scores", "score_chart_svg", "spread",
]
