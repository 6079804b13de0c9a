"""A questionnaire-v2 round built for disclosure tests (v2 is bundled but not seeded).

- round "v1 pilot" (questionnaire v1, closed): Thailand approved;
- round "v2 survey" (questionnaire v2, open, previous: the pilot): Thailand, Malaysia,
  Indonesia and Viet Nam (South-East Asia) and the United States (alone in the Americas)
  approved; Thailand and the United States published. Region 5, South-East Asia 4: the
  sub-region beside the region differs by one member, so publicly it is withheld.
- the stored v2 marks one count public, as an analyst may (``PUBLIC_COUNT``): Thailand
  answers 3 to it, shown "1–4" in public; Thailand's financial-investigation rate rests on
  3 investigations, fewer than its minimum of 5 cases.
- secrets that must never reach a public output: a free-text answer (``FREE_TEXT``) and
  an evidence note (``EVIDENCE``).
"""

from __future__ import annotations

import datetime as dt

import yaml
from sqlalchemy import select

from questionnaires import bundled_definition_paths, load_definition, parse_definition
from survey.extensions import db
from survey.models import Answer, Country, Response, ResponseStatus, Round, RoundState
from survey.questionnaire_versions import register_definition
from tests.questionnaires.v2_answers import THA, USA, strong

V1_ROUND, V2_ROUND = "v1 pilot", "v2 survey"
PUBLIC_COUNT = "op_tip_persons_prosecuted"
FREE_TEXT = "inst_notes"
SECRET = "Operation Kingfisher raided the compound on 3 May"
EVIDENCE = "Case file 2025/118, court of Chiang Mai"
SEA = ("THA", "MYS", "IDN", "VNM")


def _v2_with_a_public_count():
    path = next(p for p in bundled_definition_paths(formats=(1, 2)) if p.name.endswith("v2.yaml"))
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["version"] = 3  # the bundled v2 is seeded as it is; this variant is stored beside it
    for section in raw["sections"]:
        for q in section["questions"]:
            if q["id"] == PUBLIC_COUNT:
                q["visibility"] = "public"
    return parse_definition(raw, source="test v2")


def _respond(round_: Round, iso3: str, answers: dict, *, evidence: dict | None = None,
             publishable: bool = False) -> Response:
    country = db.session.scalar(select(Country).where(Country.iso3 == iso3))
    response = Response(round_id=round_.id, country_id=country.id, status=ResponseStatus.APPROVED,
                        approved_at=dt.datetime(2026, 3, 1), submitted_at=dt.datetime(2026, 2, 1),
                        publishable=publishable)
    db.session.add(response)
    db.session.flush()
    for qid, value in answers.items():
        db.session.add(Answer(response_id=response.id, question_id=qid, value=value,
                              evidence=(evidence or {}).get(qid)))
    db.session.flush()
    return response


def build_public_world() -> dict:
    v1 = load_definition(bundled_definition_paths(formats=(1,))[0])
    v2 = _v2_with_a_public_count()
    v1_version, _created = register_definition(v1)
    v2_version, _created = register_definition(v2)
    pilot = Round(name=V1_ROUND, questionnaire_version_id=v1_version.id, state=RoundState.CLOSED)
    db.session.add(pilot)
    db.session.flush()
    survey = Round(name=V2_ROUND, questionnaire_version_id=v2_version.id, state=RoundState.OPEN,
                   previous_round_id=pilot.id)
    db.session.add(survey)
    db.session.flush()
    _respond(pilot, "THA", {q.id: a for q in v1.questions
                            if (a := strong(v1, THA, 2).get(q.id)) is not None})
    tha = dict(strong(v2, THA), op_tip_investigations=3, op_tip_fin_inv=2, **{PUBLIC_COUNT: 3},
               **{FREE_TEXT: SECRET})
    responses = {"THA": _respond(survey, "THA", tha, evidence={"leg_tip_offence": EVIDENCE},
                                 publishable=True)}
    for iso3, count in (("MYS", 20), ("IDN", 40), ("VNM", 60)):
        responses[iso3] = _respond(survey, iso3, strong(v2, dict(THA, iso3=iso3), count))
    responses["USA"] = _respond(survey, "USA", strong(v2, USA, 200), publishable=True)
    db.session.commit()
    return {"pilot": pilot, "survey": survey, "responses": responses, "v2": v2}
