"""A demo round with realistic answers and one account per role, for trying the app."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import select

from questionnaires import UNKNOWN, Definition, Question, relevance

from .accounts.users import create_user, hash_password
from .answering.checks import assess, confirm_warning, member_of
from .answering.responses import _set_status, answers_of, save_answer, transition
from .extensions import db
from .members import country_by_iso3, seed_members
from .models import Response, ResponseStatus, ReviewComment, Role, Round, RoundState, User
from .questionnaire_versions import definition_of, find_version, seed_bundled
from .rounds import open_round

DEMO_QUESTIONNAIRE = "ftm-capability"
PREVIOUS_ROUND = "2025 capability survey (pilot)"
CURRENT_ROUND = "2026 capability survey"  # the demo flag (Round.is_demo) says it is demo data


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    name: str
    country: str | None = None


ACCOUNTS = (
    DemoAccount("admin@example.org", Role.ADMIN, "Administrator (demo)"),
    DemoAccount("reviewer@example.org", Role.REVIEWER, "Reviewer, working group (demo)"),
    DemoAccount("analyst@example.org", Role.ANALYST, "Analyst (demo)"),
    DemoAccount("focal.tha@example.org", Role.FOCAL_POINT, "Somchai, Thailand (demo)", "THA"),
    DemoAccount("focal2.tha@example.org", Role.FOCAL_POINT, "Malee, Thailand (demo)", "THA"),
    DemoAccount("focal.fji@example.org", Role.FOCAL_POINT, "Losana, Fiji (demo)", "FJI"),
    DemoAccount("focal.phl@example.org", Role.FOCAL_POINT, "Maria, Philippines (demo)", "PHL"),
)

# The current round (questionnaire v2): country, capacity (0..1) for self-assessment
# answers, the status the demo aims for, and the scripted counts of the reference year
# (demo notes §4: caseload first, every subset drawn from its total). Public-record
# questions with no verified fact (FACTS_FILE) stay unanswered whatever the status.
# A response in progress has answered the sections up to IN_PROGRESS_UNTIL.
CURRENT = (
    ("AUS", 0.92, ResponseStatus.APPROVED), ("NZL", 0.85, ResponseStatus.APPROVED),
    ("SGP", 0.88, ResponseStatus.APPROVED), ("MYS", 0.7, ResponseStatus.APPROVED),
    ("LKA", 0.45, ResponseStatus.APPROVED), ("IDN", 0.68, ResponseStatus.SUBMITTED),
    ("PHL", 0.6, ResponseStatus.RETURNED), ("FJI", 0.35, ResponseStatus.IN_PROGRESS),
    ("KHM", 0.4, ResponseStatus.IN_PROGRESS), ("THA", 0.72, ResponseStatus.IN_PROGRESS),
)
# The current round on questionnaire v1 (tests written for v1 only): capacity and status.
CURRENT_V1 = tuple((iso3, capacity, status) for iso3, capacity, status in CURRENT)
PREVIOUS = (("AUS", 0.88), ("NZL", 0.8), ("SGP", 0.85), ("MYS", 0.6), ("LKA", 0.35),
            ("IDN", 0.6), ("PHL", 0.55), ("THA", 0.65))

U = UNKNOWN
# investigations, of which with a financial investigation, persons prosecuted, convicted,
# convicted with a confiscation order; None: the question is not asked.
CASELOAD: dict[str, tuple] = {
    "IDN": (400, 6, 150, 120, 12),     # large caseload, low share
    "LKA": (2, 2, 2, 1, 1),            # small caseload, full share
    "FJI": (0, None, 0, 0, None),      # no cases in the year
    "KHM": (U, None, 15, 9, 2),        # investigations unknown, an estimate of the share
    "THA": (U, None, U, U, None),      # everything unknown
    "PHL": (60, 18, 40, 55, 8),        # convictions above prosecutions started (confirmed)
    "AUS": (45, 30, 20, 14, 9),        # a frozen value above plausible_max (confirmed)
    "NZL": (12, 7, 8, 6, 3), "SGP": (30, 18, 22, 15, 6), "MYS": (120, 30, 70, 48, 10),
}
IN_PROGRESS_UNTIL = "operational"
SHARE_ESTIMATE = {"KHM": 20, "THA": U}   # op_fin_inv_share_direct, asked when a count is unknown
UNUSUALLY_HIGH = {"AUS": ("op_value_frozen", 250_000_000.0)}  # above plausible_max, confirmed
# The only warnings the demo raises, each confirmed by the member's focal point.
SCRIPTED_WARNINGS = {"PHL": "tip_convictions_vs_prosecutions", "AUS": "plausible_high:op_value_frozen"}

# Public record (demo notes §2): answered from verified facts only, never from capacity.
PUBLIC_RECORD = frozenset({
    "leg_untoc", "leg_tip_protocol", "leg_som_protocol", "leg_uncac", "leg_vienna", "leg_actip",
    "op_fiu", "coop_fiu_egmont", "coop_asset_recovery_network", "me_body", "leg_me_year",
    "me_report_type", "me_rating_r3", "me_rating_r4", "me_rating_r24", "me_rating_r38",
    "me_rating_io2", "me_rating_io5", "me_rating_io6", "me_rating_io7", "me_rating_io8"})
# The closed v1 pilot's public-record questions (treaty status, FIU type, Egmont and
# ARIN-AP membership, mutual evaluation year and ratings), answered from the verified
# fact of the v2 question with the same meaning, mapped value by value (v1_public_record);
# a fact with no value of the same meaning in v1 leaves the question unanswered. Legal
# citations are never a fact: both rounds write PLACEHOLDER_LAW.
_TREATY_V1 = {code: code for code in ("party", "extended", "signed", "not_party")}
_RATINGS_V1 = {"technical_compliance": ("compliant", "largely_compliant",
                                        "partially_compliant", "non_compliant"),
               "effectiveness": ("high", "substantial", "moderate", "low")}
PUBLIC_RECORD_V1 = frozenset({
    "leg_untoc_status", "leg_tip_protocol_status", "op_fiu", "coop_fiu_egmont",
    "coop_arinap_member", "leg_me_year", "leg_rating_r3", "leg_rating_r4", "leg_rating_io7",
    "leg_rating_io8"})
FACTS_FILE = Path(__file__).parent / "data" / "demo_facts.yaml"
PLACEHOLDER_LAW = "Demonstration value – not the member's law"
PLACEHOLDER_TEXT = "Demonstration value – not provided by the member"
DEMO_EVIDENCE = "Demonstration note – not provided by the member."
DEMO_BANNER = "Demonstration data – not the answers of any member"


def demo_password(email: str) -> str:
    """Stable per instance (derived from the secret key) so logins can be printed again."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"demo:{email}".encode(), hashlib.sha256).digest()
    return "demo-" + base64.urlsafe_b64encode(digest)[:12].decode()


def seed_demo(today: dt.date | None = None, current_version: int = 2
              ) -> list[tuple[DemoAccount, str]]:
    """Load members, the questionnaires, two demo rounds with answers and demo accounts
    (idempotent): a closed v1 pilot round and an open round on questionnaire
    ``current_version`` (v2; v1 only for tests written for it), both flagged as demo data."""
    today = today or dt.date.today()
    seed_members()
    seed_bundled()
    users = {a.email: _ensure_account(a) for a in ACCOUNTS}
    admin, reviewer = users["admin@example.org"], users["reviewer@example.org"]
    if db.session.scalar(select(Round.id).where(Round.name == CURRENT_ROUND)) is None:
        v1 = find_version(f"{DEMO_QUESTIONNAIRE}:1")
        previous = open_round(PREVIOUS_ROUND, v1.key, opens=today - dt.timedelta(days=400),
                              closes=today - dt.timedelta(days=300), actor=admin, today=today)
        previous.is_demo = True
        definition_v1 = definition_of(v1)
        facts = verified_facts()
        for iso3, capacity in PREVIOUS:
            response = _response(previous, iso3)
            author = _author_for(iso3, users, admin)
            _fill(response, definition_v1, capacity, author, rng=random.Random(f"prev-{iso3}"),
                  public_record=v1_public_record(facts.get(iso3, {})))
            _submit_with_fact_gaps(response, definition_v1, author, PUBLIC_RECORD_V1)
            transition(response, ResponseStatus.APPROVED, reviewer)
        previous.state = RoundState.CLOSED
        if current_version == 1:
            _current_round_v1(v1, today, users, admin, reviewer)
        else:
            _current_round_v2(find_version(f"{DEMO_QUESTIONNAIRE}:{current_version}"), today,
                              users, admin, reviewer)
        db.session.flush()
    return [(a, demo_password(a.email)) for a in ACCOUNTS]


def _current_round_v2(v2, today, users, admin, reviewer) -> None:
    current = open_round(CURRENT_ROUND, v2.key, opens=today - dt.timedelta(days=30),
                         closes=today + dt.timedelta(days=45), actor=admin, today=today)
    current.is_demo = True
    definition = definition_of(v2)
    facts = verified_facts()
    for iso3, capacity, status in CURRENT:
        response = _response(current, iso3)
        author = _author_for(iso3, users, admin)
        values = demo_answers_v2(definition, iso3, capacity, member_of(response),
                                 current.reference_year, facts.get(iso3, {}),
                                 random.Random(f"cur-{iso3}"))
        if status is ResponseStatus.IN_PROGRESS:
            values = _first_sections(definition, values, IN_PROGRESS_UNTIL)
        _save_all(response, definition, values, author)
        _confirm_warnings(response, definition, author)
        if status is ResponseStatus.IN_PROGRESS:
            continue
        _submit_with_fact_gaps(response, definition, author)
        if status is ResponseStatus.APPROVED:
            transition(response, ResponseStatus.APPROVED, reviewer)
        elif status is ResponseStatus.RETURNED:
            reason = ("Please check the count of persons convicted against the persons "
                      "prosecuted, and add the citation for the confiscation law.")
            transition(response, ResponseStatus.RETURNED, reviewer, reason)
            db.session.add(ReviewComment(response_id=response.id, author_id=reviewer.id,
                                         body=reason))


def _current_round_v1(v1, today, users, admin, reviewer) -> None:
    """The current round on questionnaire v1, as the demo had it before v2 (tests written
    for v1 use it; see the ``demo_v1`` marker in tests/conftest.py)."""
    current = open_round(CURRENT_ROUND, v1.key, opens=today - dt.timedelta(days=30),
                         closes=today + dt.timedelta(days=45), actor=admin, today=today)
    current.is_demo = True
    definition = definition_of(v1)
    for iso3, capacity, status in CURRENT_V1:
        response = _response(current, iso3)
        author = _author_for(iso3, users, admin)
        share = 0.55 if status is ResponseStatus.IN_PROGRESS else 1.0
        _fill(response, definition, capacity, author, rng=random.Random(f"cur-{iso3}"),
              share=share)
        if status is ResponseStatus.IN_PROGRESS:
            continue
        transition(response, ResponseStatus.SUBMITTED, author)
        if status is ResponseStatus.APPROVED:
            transition(response, ResponseStatus.APPROVED, reviewer)
        elif status is ResponseStatus.RETURNED:
            reason = ("Please add the citation for the confiscation law and check the "
                      "count of mutual legal assistance requests received.")
            transition(response, ResponseStatus.RETURNED, reviewer, reason)
            db.session.add(ReviewComment(response_id=response.id, author_id=reviewer.id,
                                         body=reason))


def _submit_with_fact_gaps(response: Response, definition: Definition, author: User,
                           public_record: frozenset[str] = PUBLIC_RECORD) -> None:
    """Submit a demo response whose only gaps are public-record questions with no verified
    fact yet (left unanswered rather than guessed, demo notes §2-3).

    A person could not submit it: the app requires every question. The demo does, so the
    round shows every status, and says why in the status history. Anything else that
    would block a submission (a broken check, an unconfirmed warning, any other missing
    answer) is a fault in the demo and stops it.
    """
    blockers = assess(response, definition, answers_of(response))
    gaps = {q.id for q in blockers.missing}
    if (gaps - public_record) or blockers.errors or blockers.unconfirmed or blockers.carried:
        raise RuntimeError(f"demo response {response.country.iso3} is inconsistent: "
                           f"{blockers.reason()}")
    if not gaps:
        transition(response, ResponseStatus.SUBMITTED, author)
        return
    _set_status(response, ResponseStatus.SUBMITTED, author,
                "Demonstration data: submitted with the public-record questions that have "
                "no verified fact yet left unanswered (" + ", ".join(sorted(gaps)) + ").")


def verified_facts(path: Path = FACTS_FILE) -> dict[str, dict[str, Any]]:
    """{iso3: {question id: value}} of the facts file's entries marked verified, with a source."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, Any]] = {}
    for iso3, entries in (data.get("facts") or {}).items():
        for qid, entry in (entries or {}).items():
            if entry.get("verified") is True and entry.get("source"):
                out.setdefault(iso3, {})[qid] = entry["value"]
    return out


def v1_public_record(facts: dict[str, Any]) -> dict[str, Any]:
    """The answers of one member to the v1 public-record questions (PUBLIC_RECORD_V1) that
    its verified v2 ``facts`` settle, where the v1 question and value mean the same.

    Treaty status keeps its code ("not extended to this territory" has no v1 equivalent);
    the FIU type and Egmont membership are the same questions ("no FIU" is never stated for
    a demo member); ARIN-AP membership is "yes" for a member and "no" for a member of
    another network or none (an observer has no v1 answer); ratings carry over only under
    the 2013 or 2022 methodology (v1 asks for the current one, and R.3 meant R.1 before).
    """
    def rating(qid: str, scale: str) -> Any:
        fact = facts.get(qid)
        if not isinstance(fact, dict) or fact.get("methodology") not in ("2013", "2022"):
            return None
        return fact.get("rating") if fact.get("rating") in _RATINGS_V1[scale] else None

    networks = facts.get("coop_asset_recovery_network")
    arinap = None
    if isinstance(networks, list) and networks:
        if "arin_ap_member" in networks:
            arinap = "yes"
        elif "arin_ap_observer" not in networks:
            arinap = "no"
    fiu = facts.get("op_fiu")
    year = facts.get("leg_me_year")
    out = {
        "leg_untoc_status": _TREATY_V1.get(facts.get("leg_untoc")),
        "leg_tip_protocol_status": _TREATY_V1.get(facts.get("leg_tip_protocol")),
        "op_fiu": fiu if fiu in ("administrative", "law_enforcement", "judicial", "hybrid")
        else None,
        "coop_fiu_egmont": (facts.get("coop_fiu_egmont")
                            if facts.get("coop_fiu_egmont") in ("member", "applicant",
                                                                 "not_member") else None),
        "coop_arinap_member": arinap,
        "leg_me_year": year if isinstance(year, int) else None,
        "leg_rating_r3": rating("me_rating_r3", "technical_compliance"),
        "leg_rating_r4": rating("me_rating_r4", "technical_compliance"),
        "leg_rating_io7": rating("me_rating_io7", "effectiveness"),
        "leg_rating_io8": rating("me_rating_io8", "effectiveness"),
    }
    assert set(out) == PUBLIC_RECORD_V1
    return out


def demo_answers_v2(definition: Definition, iso3: str, capacity: float,
                    member: dict[str, Any], reference_year: int | None,
                    facts: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The demo answers of one member to questionnaire v2, consistent with every check.

    Public-record questions come from ``facts`` only (unanswered otherwise); the laws
    every demo member has are never "No"; counts follow the member's scripted scenario;
    self-assessment answers follow ``capacity``; only relevant questions are answered.
    """
    values: dict[str, Any] = {}
    for q in definition.questions:
        if q.computed:
            continue
        if q.id in PUBLIC_RECORD:
            values[q.id] = facts.get(q.id)
        else:
            values[q.id] = _self_assessed(q, capacity, member, rng)
    values.update(_counts(iso3, capacity))
    ref = reference_year or dt.date.today().year - 1
    values["stat_period"] = {"basis": "calendar", "start": f"{ref}-01", "end": f"{ref}-12"}
    values["stat_scope"] = ["tip_offence"]
    for qid in ("leg_tip_offence", "leg_ml_criminalised"):
        values[qid] = "yes" if capacity >= 0.5 else "partial"
    if values.get("coop_jit_legal_basis") == "no" and values.get("coop_jit_used") == "joint_team":
        values["coop_jit_used"] = "coordinated"  # no joint team where the law allows none
    name = country_by_iso3(iso3).name
    values["inst_notes"] = ("Demonstration response generated for testing. These are not "
                            f"the answers of {name}.")
    values["coop_obstacles_notes"] = None
    visible = relevance(definition, values, member)
    # Answers are given only where relevant; a question that becomes irrelevant when an
    # earlier one is left open (a fact not verified) stays unanswered too.
    return {qid: v for qid, v in values.items() if visible.get(qid) and v is not None}


def _self_assessed(q: Question, capacity: float, member: dict[str, Any],
                   rng: random.Random) -> Any:
    kind = q.type
    r = rng.random()
    if kind == "yes_no_partial":
        return "yes" if r < capacity else ("partial" if r < capacity + 0.25 else "no")
    if kind == "yes_no":
        return "yes" if r < capacity + 0.1 else "no"
    if kind in ("single_choice", "multiple_choice"):
        offered = q.kind.offered(q, member)
        options = [o for o in q.options if o.code in offered]
        if kind == "single_choice":
            scored = [o for o in options if o.points is not None]
            if scored:
                target = min(1.0, max(0.0, capacity + rng.uniform(-0.3, 0.3)))
                return min(scored, key=lambda o: abs(o.points - target)).code
            return rng.choice(options).code
        ticked = [o.code for o in options if not o.exclusive and rng.random() < capacity]
        if ticked:
            return ticked
        exclusive = [o.code for o in options if o.exclusive]
        return exclusive[:1] or [options[0].code]
    if kind == "legal_reference":
        return {"instrument": PLACEHOLDER_LAW, "article": None, "year": None, "url": None}
    if kind == "short_text":
        return PLACEHOLDER_TEXT
    return None  # counts are scripted (_counts); years and ratings are public record


def _counts(iso3: str, capacity: float) -> dict[str, Any]:
    """The scripted counts of one member (demo notes §4), every subset within its total."""
    inv, fin, prosecuted, convicted, confiscation = CASELOAD[iso3]
    out: dict[str, Any] = {
        "op_tip_investigations": inv, "op_tip_fin_inv": fin,
        "op_fin_inv_share_direct": SHARE_ESTIMATE.get(iso3),
        "op_tip_persons_prosecuted": prosecuted, "op_tip_persons_convicted": convicted,
        "op_tip_convicted_confiscation": confiscation,
    }
    everything_unknown = inv == UNKNOWN and prosecuted == UNKNOWN
    known = 0 if inv == UNKNOWN else inv
    basis = known or (0 if prosecuted == UNKNOWN else prosecuted)
    def some(share: float, cap: int) -> Any:
        return UNKNOWN if everything_unknown else min(cap, int(round(basis * share)))
    ml_prosecuted = some(0.2 * capacity, 500)
    out.update({
        "op_ml_investigations": some(0.3 * capacity, 1000),
        "op_ml_persons_prosecuted": ml_prosecuted,
        "op_ml_persons_convicted": (ml_prosecuted if ml_prosecuted == UNKNOWN
                                    else int(ml_prosecuted * 0.6)),
        "op_confiscation_orders": (UNKNOWN if everything_unknown
                                   else (confiscation or 0) + int(basis * 0.05)),
        "op_value_frozen": UNKNOWN if everything_unknown else float(basis * 85_000),
        "op_value_confiscated": UNKNOWN if everything_unknown else float(basis * 40_000),
        "op_value_victims": UNKNOWN if everything_unknown else float(basis * 5_000),
        "op_fiu_tip_strs": some(1.5 * capacity, 50_000),
        "op_fiu_disseminations": some(0.5 * capacity, 10_000),
        "coop_mla_requests_sent": some(0.1, 1000),
        "coop_mla_requests_received": some(0.08, 1000),
        "coop_extradition_requests_sent": some(0.03, 200),
        "coop_extradition_requests_received": some(0.02, 200),
        "coop_treaties": UNKNOWN if everything_unknown else int(10 + 60 * capacity),
        "coop_fiu_requests_out": some(0.4 * capacity, 2000),
        "coop_fiu_requests_in": some(0.3 * capacity, 2000),
        "coop_fiu_spontaneous_out": some(0.1 * capacity, 2000),
        "coop_arn_requests_sent": some(0.05, 500),
    })
    if iso3 in UNUSUALLY_HIGH:
        qid, value = UNUSUALLY_HIGH[iso3]
        out[qid] = value
    if out["op_fiu_tip_strs"] in (0, UNKNOWN):
        out["op_str_sectors"] = None   # no STRs: which sectors filed them is not asked
    else:
        out["op_str_sectors"] = ["banks", "money_transfer"]
    received = out["coop_mla_requests_received"]
    out["coop_mla_median_time"] = (None if received == 0 else
                                   "not_tracked" if received == UNKNOWN or capacity < 0.6
                                   else "from_3_to_6_months")
    return out


def _first_sections(definition: Definition, values: dict[str, Any], last: str
                    ) -> dict[str, Any]:
    """The answers of the sections up to and including ``last`` (a response in progress)."""
    ids = [s.id for s in definition.sections]
    kept = {q.id for s in definition.sections[:ids.index(last) + 1] for q in s.questions}
    return {qid: v for qid, v in values.items() if qid in kept}


def _save_all(response: Response, definition: Definition, values: dict[str, Any],
              author: User) -> None:
    existing = answers_of(response)
    for q in definition.questions:
        if q.id in values:
            save_answer(response, q.id, values[q.id], author, evidence=None,
                        existing=existing.get(q.id))


def _confirm_warnings(response: Response, definition: Definition, author: User) -> None:
    """The focal point confirms the scripted warning (recorded, with the audit trail)."""
    scripted = SCRIPTED_WARNINGS.get(response.country.iso3)
    for result in assess(response, definition, answers_of(response)).unconfirmed:
        if result.id == scripted:
            confirm_warning(response, result, author)


def _ensure_account(account: DemoAccount) -> User:
    user = db.session.scalar(select(User).where(User.email == account.email))
    if user is None:
        user = create_user(account.email, account.role, country=account.country,
                           name=account.name, password=demo_password(account.email))
    elif not user.password_hash:
        user.password_hash = hash_password(demo_password(account.email))
    return user


def _response(round_: Round, iso3: str) -> Response:
    country = country_by_iso3(iso3)
    return db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                    Response.country_id == country.id))


def _author_for(iso3: str, users: dict[str, User], fallback: User) -> User:
    return users.get(f"focal.{iso3.lower()}@example.org", fallback)


def _fill(response: Response, definition: Definition, capacity: float, author: User,
          rng: random.Random, share: float = 1.0,
          public_record: dict[str, Any] | None = None) -> None:
    """Answers to questionnaire v1 from ``capacity``; the questions in ``public_record``
    (when given) are answered with its values only, None leaving them unanswered."""
    country_name = response.country.name
    values: dict[str, Any] = {}
    for q in definition.questions:
        values[q.id] = demo_value(q, capacity, rng, country_name)  # same draws either way
    values.update(public_record or {})
    visible = relevance(definition, values)
    questions = [q for q in definition.questions if visible[q.id] and values[q.id] is not None]
    cut = round(len(questions) * share)
    existing = answers_of(response)
    for q in questions[:cut]:
        evidence = _evidence(q, rng)
        save_answer(response, q.id, values[q.id], author, evidence=evidence,
                    existing=existing.get(q.id))


def _evidence(question: Question, rng: random.Random) -> str | None:
    """A neutral note on some answers (demo notes §1: never a fact about the member)."""
    if question.type in ("yes_no_partial", "yes_no") and rng.random() < 0.4:
        return DEMO_EVIDENCE
    if question.key_count and rng.random() < 0.5:
        return DEMO_EVIDENCE
    return None


def demo_value(q: Question, capacity: float, rng: random.Random, country: str) -> Any:
    """A plausible answer for ``q`` from a country with the given capacity (0..1)."""
    r = rng.random()
    if q.allow_unknown and q.kind.numeric and r > 0.25 + capacity:
        return "unknown"
    kind = q.type
    if kind == "yes_no_partial":
        return "yes" if r < capacity else ("partial" if r < capacity + 0.25 else "no")
    if kind == "yes_no":
        return "yes" if r < capacity + 0.1 else "no"
    if kind == "single_choice":
        scored = [o for o in q.options if o.points is not None]
        if scored:
            target = min(1.0, max(0.0, capacity + rng.uniform(-0.3, 0.3)))
            return min(scored, key=lambda o: abs(o.points - target)).code
        return rng.choice(q.options).code
    if kind == "multiple_choice":
        ticked = [o for o in q.options if rng.random() < capacity]
        if any(not o.exclusive for o in ticked):  # "None" is never ticked beside others
            ticked = [o for o in ticked if not o.exclusive]
        return [o.code for o in ticked[:1 if ticked and ticked[0].exclusive else None]] \
            or [q.options[0].code]
    if kind in ("integer", "decimal", "percentage"):
        low = q.min if q.min is not None else 0
        high = q.max if q.max is not None else None
        if kind == "percentage":
            number = round(capacity * 100 * rng.uniform(0.5, 1.0), 1)
        elif kind == "decimal":
            number = round(capacity * rng.uniform(0.2, 1.0) * 4_000_000, 2)
        else:
            number = int(capacity * rng.uniform(0.3, 1.0) * (80 if q.key_count else 12))
        number = max(low, number)
        if high is not None:
            number = min(high, number)
        return int(number) if kind == "integer" else float(number)
    if kind == "year":
        return rng.randint(2008, 2024)
    if kind == "short_text":
        return PLACEHOLDER_TEXT
    if kind == "long_text":
        return (f"Demonstration response generated for testing. These are not the answers "
                f"of {country}.")
    if kind == "legal_reference":
        return {"instrument": PLACEHOLDER_LAW, "article": None, "year": None, "url": None}
    return None
