"""How long profiles take: every member's profile of a full synthetic round.

    .venv/bin/python benchmarks/profiles_bench.py [--countries 45] [--version 1|2]

``--version 2`` times questionnaire v2 (format 2: member attributes, caseloads, derived
rates, data gaps and action trigger texts) over the same synthetic round.

Pure: builds the tidy frame in memory from the bundled questionnaire, no database.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time

import pandas as pd

from profiles import build_profile, round_scores, score_chart_svg
from questionnaires import bundled_definition_paths, load_definition, relevance


def synthetic_value(q, capacity: float, rng: random.Random):
    r = rng.random()
    if q.type == "yes_no_partial":
        return "yes" if r < capacity else ("partial" if r < capacity + 0.25 else "no")
    if q.type == "yes_no":
        return "yes" if r < capacity else "no"
    if q.type == "single_choice":
        return rng.choice(q.options).code
    if q.type == "multiple_choice":
        return [o.code for o in q.options if rng.random() < capacity] or [q.options[0].code]
    if q.type in ("integer", "decimal", "percentage"):
        return int(rng.uniform(0, 60) * capacity)
    if q.type == "year":
        return 2020
    if q.type == "legal_reference":
        return {"instrument": "Act", "article": "s. 1", "year": 2010, "url": None}
    if q.type == "statistical_year":
        return {"basis": "calendar", "start": "2025-01", "end": "2025-12"}
    if q.type == "evaluation_rating":
        return {"rating": "not_rated", "methodology": None}
    return "text"


def synthetic_frame(definition, countries: int, round_name: str, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    records = []
    for i in range(countries):
        iso3 = f"C{i:02d}"
        capacity = rng.uniform(0.2, 0.95)
        values = {q.id: synthetic_value(q, capacity, rng) for q in definition.questions
                  if not q.computed}
        visible = relevance(definition, values)
        for q in definition.questions:
            if not visible[q.id] or q.computed:
                continue
            value = values[q.id]
            records.append({
                "round": round_name, "round_id": 1, "country": f"Country {i}", "iso3": iso3,
                "subregion": ["A", "B", "C", "D"][i % 4], "response_id": i + 1,
                "status": "approved" if i % 5 else "submitted", "pillar": q.section_id,
                "question_id": q.id, "question": q.label.get(), "type": q.type,
                "value_code": None, "value_label": q.display(value),
                "value_number": q.kind.number(q, value), "value": value, "evidence": None,
                "carried_over": False, "updated_at": None, "updated_by": None})
    frame = pd.DataFrame.from_records(records)
    frame["value_number"] = pd.to_numeric(frame["value_number"], errors="coerce")
    return frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--countries", type=int, default=45)
    parser.add_argument("--version", type=int, default=1, choices=(1, 2))
    args = parser.parse_args()
    definition = load_definition(next(p for p in bundled_definition_paths(formats=(1, 2))
                                      if p.name == f"ftm-capability-v{args.version}.yaml"))
    codes = ["south_east_asia", "pacific", "south_asia", "americas"]
    members = {f"C{i:02d}": {"iso3": f"C{i:02d}", "subregion": codes[i % 4], "groups": [],
                             "territory": False, "apg": True} for i in range(args.countries)}
    now = synthetic_frame(definition, args.countries, "R2", 2)
    then = synthetic_frame(definition, args.countries, "R1", 1)
    print(f"{definition.key}: {len(now):,} answer rows, {args.countries} countries, "
          f"{len(definition.questions)} questions")

    start = time.perf_counter()
    table = round_scores(now, definition, members)
    print(f"round_scores (heat map):      {1000 * (time.perf_counter() - start):8.1f} ms "
          f"for {len(table)} responses")

    start = time.perf_counter()
    one = build_profile(now, definition, "C01", "R2", previous_frame=then, members=members)
    print(f"one profile (page request):   {1000 * (time.perf_counter() - start):8.1f} ms")

    start = time.perf_counter()
    for i in range(args.countries):
        build_profile(now, definition, f"C{i:02d}", "R2", previous_frame=then,
                      members=members)
    elapsed = time.perf_counter() - start
    print(f"every member's profile:       {1000 * elapsed:8.1f} ms "
          f"({1000 * elapsed / args.countries:.1f} ms each)")

    start = time.perf_counter()
    svg = score_chart_svg(one)
    print(f"chart SVG:                    {1000 * (time.perf_counter() - start):8.2f} ms, "
          f"{len(svg):,} characters")


if __name__ == "__main__":
    main()
