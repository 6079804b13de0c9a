"""Hand-built definitions and frames for the pure profile tests."""

from __future__ import annotations

import pandas as pd
import pytest

from questionnaires import parse_definition

DEFINITION = """
code: tiny
version: 1
title: {en: Tiny}
scoring: {unanswered: zero, minimum_coverage: 0.5}
sections:
  - id: context
    pillar: false
    title: {en: Context}
    questions:
      - {id: lead, type: short_text, label: {en: Lead agency}, required: false}
  - id: legal
    pillar: true
    title: {en: Legal frameworks}
    short_title: {en: Legal}
    questions:
      - {id: offence, type: yes_no_partial, label: {en: 'Offence'}, standard: FATF R.3}
      - {id: offence_ref, type: legal_reference, label: {en: 'Which law'}, required: false}
      - {id: ncb, type: yes_no_partial, label: {en: 'NCB confiscation'}, allow_not_applicable: true}
  - id: ops
    pillar: true
    title: {en: Operations}
    questions:
      - {id: unit, type: yes_no, label: {en: 'Unit'}}
      - id: cases
        type: integer
        label: {en: Cases}
        key_count: true
        allow_unknown: true
        unit: {en: cases}
        bands: [{max: 0, points: 0}, {max: 10, points: 0.5}, {points: 1}]
actions:
  - id: fix_offence
    section: legal
    priority: high
    when: {question: offence, in: ['no', partial]}
    gap: {en: Offence gap}
    action: {en: Reform the law}
  - id: set_up_unit
    section: ops
    priority: low
    when: {question: unit, equals: 'no'}
    gap: {en: No unit}
    action: {en: Create a unit}
"""


@pytest.fixture(scope="session")
def definition():
    return parse_definition(DEFINITION, "tiny.yaml")


def frame(rows: list[tuple], round_name: str = "R2") -> pd.DataFrame:
    """rows: (iso3, subregion, status, question_id, value[, evidence])."""
    from questionnaires import SPECIAL_CODES

    ids: dict[str, int] = {}
    records = []
    for row in rows:
        iso3, subregion, status, qid, value = row[:5]
        evidence = row[5] if len(row) > 5 else None
        rid = ids.setdefault(iso3, len(ids) + 1 + (100 if round_name == "R1" else 0))
        number = value if isinstance(value, int | float) and value not in SPECIAL_CODES else None
        records.append({
            "round": round_name, "round_id": 1, "country": f"Country {iso3}", "iso3": iso3,
            "subregion": subregion, "response_id": rid, "status": status, "pillar": "",
            "question_id": qid, "question": qid, "type": "", "value_code": None,
            "value_label": str(value), "value_number": number, "value": value,
            "evidence": evidence, "carried_over": False, "updated_at": None, "updated_by": None,
        })
    out = pd.DataFrame.from_records(records)
    out["value_number"] = pd.to_numeric(out["value_number"], errors="coerce")
    return out


def answers(iso3: str, subregion: str, status: str, **values) -> list[tuple]:
    return [(iso3, subregion, status, qid, value) for qid, value in values.items()]
