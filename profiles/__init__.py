"""What a country looks like: scores, regional spread, gaps, change and charts.

Pure Python over the tidy answers frame and the questionnaire definition: no
Flask, no database, no ``survey`` imports.
"""

from .chart import score_chart_svg
from .crosswalk import crosswalk
from .disclosure import (
    FEWER_MEMBERS,
    group_reasons,
    internal_profile,
    internal_spread,
    public_answers,
    public_count,
    public_profile,
    public_rate,
    public_spread,
    region_reasons,
    spread_reason,
)
from .method import MethodItem, MethodPillar, ScoringMethod, scoring_method
from .profile import (
    APPROVED,
    OVERALL,
    AnswerChange,
    AnswerLine,
    Change,
    DataGap,
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
    "DataGap", "FEWER_MEMBERS", "MethodItem", "MethodPillar", "ScoringMethod", "crosswalk",
    "group_reasons", "internal_profile", "internal_spread", "public_answers", "public_count",
    "public_profile", "public_rate",
    "public_spread", "region_reasons", "scoring_method", "spread_reason",
    "APPROVED", "OVERALL", "AnswerChange", "AnswerLine", "Change", "Gap", "KeyCount",
    "PillarAnswers", "Profile", "ProfileError", "ScoreLine", "Spread",
    "build_profile", "round_scores", "score_chart_svg", "spread",
]
