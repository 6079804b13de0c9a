"""A small, hand-checked survey world for export tests: known answers, known scores.

Questionnaire ``test-export:1``: pillar Legal (two scored items), pillar Operational
(a banded count and a scored choice), plus unscored counts and texts.

Current round "R2 current" (previous: "R1 previous"), approved unless noted:

=====  ================  ==============  =====  ==========  =======
ISO3   name              sub-region      Legal  Operational Overall
=====  ================  ==============  =====  ==========  =======
THA    ประเทศไทย          South-East Asia 100    100         100
KHM    កម្ពុជា             South-East Asia 25     50          37.5
ARE    الإمارات           Middle East     50     0           25
FJI    Fiji (submitted)  Pacific         100    50          75
PHL    (in progress)     South-East Asia
=====  ================  ==============  =====  ==========  =======
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from questionnaires import parse_definition
from survey.extensions import db
from survey.models import Answer, Country, Response, ResponseStatus, Round
from survey.questionnaire_versions import register_definition
from survey.rounds import open_round

DEFINITION = """
code: test-export
version: 1
title: {en: Export test questionnaire}
scoring: {unanswered: zero, minimum_coverage: 0.5}
sections:
  - id: about
    pillar: false
    title: {en: About this response}
    short_title: {en: About}
    questions:
      - id: about_agency
        type: short_text
        label: {en: "Lead agency"}
  - id: legal
    pillar: true
    title: {en: Legal frameworks}
    short_title: {en: Legal}
    questions:
      - id: leg_offence
        type: yes_no_partial
        weight: 1
        label: {en: "Is trafficking an offence?"}
      - id: leg_confiscation
        type: yes_no
        weight: 1
        label: {en: "Can proceeds be confiscated?"}
      - id: leg_law
        type: short_text
        required: false
        relevant: {question: leg_offence, in: ["yes", "partial"]}
        label: {en: "Which law?"}
  - id: ops
    pillar: true
    title: {en: Operational capacity}
    short_title: {en: Operational}
    questions:
      - id: op_cases
        type: integer
        min: 0
        weight: 0
        allow_unknown: true
        label: {en: "How many investigations?"}
      - id: op_fin
        type: integer
        min: 0
        weight: 1
        allow_unknown: true
        bands: [{max: 0, points: 0}, {max: 4, points: 0.5}, {points: 1}]
        label: {en: "How many with a financial investigation?"}
      - id: op_share
        type: percentage
        required: false
        label: {en: "Share of cases with assets frozen"}
      - id: op_fiu
        type: single_choice
        weight: 1
        options:
          - {code: egmont, label: {en: "Egmont member"}, points: 1}
          - {code: applying, label: {en: "Applying"}, points: 0.5}
          - {code: none, label: {en: "No FIU"}, points: 0}
        label: {en: "FIU status"}
"""

FORMULA_LAW = '=HYPERLINK("http://example.invalid/x","click")'
FORMULA_EVIDENCE = "@SUM(A1:A9)"
NAMES = {"THA": "ประเทศไทย", "KHM": "កម្ពុជា", "ARE": "الإمارات"}
THAI_AGENCY = "สำนักงานป้องกันและปราบปรามการฟอกเงิน"
KHMER_AGENCY = "អង្គភាពស៊ើបការណ៍ហិរញ្ញវត្ថុកម្ពុជា"
ARABIC_AGENCY = "وحدة المعلومات المالية"

CURRENT = {
    "THA": (ResponseStatus.APPROVED, {
        "about_agency": THAI_AGENCY, "leg_offence": "yes", "leg_confiscation": "yes",
        "leg_law": FORMULA_LAW, "op_cases": 10, "op_fin": 5, "op_share": 40.0, "op_fiu": "egmont"}),
    "KHM": (ResponseStatus.APPROVED, {
        "about_agency": KHMER_AGENCY, "leg_offence": "partial", "leg_confiscation": "no",
        "leg_law": "-1+2", "op_cases": 4, "op_fin": 2, "op_fiu": "applying"}),
    "ARE": (ResponseStatus.APPROVED, {
        "about_agency": ARABIC_AGENCY, "leg_offence": "no", "leg_confiscation": "yes",
        "leg_law": "hidden by skip logic", "op_cases": "unknown", "op_fin": "unknown",
        "op_fiu": "none"}),
    "FJI": (ResponseStatus.SUBMITTED, {
        "about_agency": "+Fiji Police", "leg_offence": "yes", "leg_confiscation": "yes",
        "op_cases": 1, "op_fin": 0, "op_fiu": "egmont"}),
    "PHL": (ResponseStatus.IN_PROGRESS, {"about_agency": "Department of Justice"}),
}
PREVIOUS = {
    "THA": (ResponseStatus.APPROVED, {
        "about_agency": THAI_AGENCY, "leg_offence": "partial", "leg_confiscation": "yes",
        "op_cases": 6, "op_fin": 3, "op_fiu": "applying"}),
    "KHM": (ResponseStatus.APPROVED, {
        "about_agency": KHMER_AGENCY, "leg_offence": "partial", "leg_confiscation": "no",
        "leg_law": "-1+2", "op_cases": 4, "op_fin": 2, "op_fiu": "applying"}),
}
EVIDENCE = {("THA", "leg_offence"): FORMULA_EVIDENCE,
            ("KHM", "leg_offence"): "\tTab-led note", ("ARE", "leg_confiscation"): "=1+1"}


def build_world(empty_round: bool = False) -> dict[str, Round]:
    """Register the test questionnaire and load both rounds (call after ``seeded``)."""
    for iso3, name in NAMES.items():
        db.session.scalar(select(Country).where(Country.iso3 == iso3)).name = name
    version, _ = register_definition(parse_definition(DEFINITION, source="test"))
    today = dt.date(2026, 3, 1)
    previous = open_round("R1 previous", version.key, opens=dt.date(2025, 3, 1), today=today)
    _load(previous, PREVIOUS, dt.datetime(2025, 5, 1, 9, 30))
    current = open_round("R2 current", version.key, opens=today, today=today)
    _load(current, CURRENT, dt.datetime(2026, 5, 1, 9, 30))
    rounds = {"previous": previous, "current": current}
    if empty_round:
        rounds["empty"] = open_round("R3 empty", version.key, opens=dt.date(2026, 9, 1), today=today)
    db.session.commit()
    return rounds


def _load(round_: Round, spec: dict, when: dt.datetime) -> None:
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    for iso3, (status, values) in spec.items():
        response = db.session.scalar(select(Response).where(
            Response.round_id == round_.id, Response.country_id == countries[iso3].id))
        response.status = status
        if status in (ResponseStatus.SUBMITTED, ResponseStatus.APPROVED):
            response.submitted_at = when
        if status is ResponseStatus.APPROVED:
            response.approved_at = when + dt.timedelta(days=3)
        for qid, value in values.items():
            db.session.add(Answer(response_id=response.id, question_id=qid, value=value,
                                  evidence=EVIDENCE.get((iso3, qid)), updated_at=when))
    db.session.flush()
