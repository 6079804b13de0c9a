"""Answer sets for questionnaire v2 used by several test modules."""

from __future__ import annotations

THA = {"iso3": "THA", "subregion": "south_east_asia", "groups": ["asean"], "territory": False, "apg": True}
AUS = {"iso3": "AUS", "subregion": "pacific", "groups": [], "territory": False, "apg": True}
HKG = {"iso3": "HKG", "subregion": "east_asia", "groups": [], "territory": True, "apg": True}
USA = {"iso3": "USA", "subregion": "americas", "groups": [], "territory": False, "apg": True}


def strong(definition, member, count=10):
    """A member with strong laws and institutions; every count ``count``."""
    answers = {}
    for q in definition.questions:
        kind = q.kind
        if q.computed:
            continue
        if q.type in ("yes_no", "yes_no_partial"):
            answers[q.id] = "yes"
        elif q.type == "single_choice":
            offered = kind.offered(q, member)
            answers[q.id] = max((pts if pts is not None else -1, code)
                                for code, _, pts in kind.options(q) if code in offered)[1]
        elif q.type == "multiple_choice":
            answers[q.id] = [o.code for o in q.options
                             if not o.exclusive and o.code in kind.offered(q, member)]
        elif q.type in ("integer", "decimal"):
            answers[q.id] = count
        elif q.type == "percentage":
            answers[q.id] = 50
        elif q.type == "statistical_year":
            answers[q.id] = {"basis": "calendar", "start": "2025-01", "end": "2025-12"}
        elif q.type == "evaluation_rating":
            answers[q.id] = {"rating": "not_rated", "methodology": None}
        elif q.type == "legal_reference":
            answers[q.id] = {"instrument": "Act", "article": "s. 1", "year": 2010, "url": None}
        elif q.type in ("short_text", "long_text"):
            answers[q.id] = "Ministry"
        elif q.type == "year":
            answers[q.id] = 2020
    answers["coop_asset_recovery_network"] = ["arin_ap_member"]
    return answers
