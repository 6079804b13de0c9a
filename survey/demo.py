"""A demo round with realistic answers and one account per role, for trying the app."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import random
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from questionnaires import Definition, Question, relevance

from .accounts.users import create_user, hash_password
from .answering.responses import answers_of, save_answer, transition
from .extensions import db
from .members import country_by_iso3, seed_members
from .models import Response, ResponseStatus, ReviewComment, Role, Round, RoundState, User
from .questionnaire_versions import definition_of, find_version, seed_bundled
from .rounds import open_round

DEMO_QUESTIONNAIRE = "ftm-capability"
PREVIOUS_ROUND = "2025 capability survey (pilot)"
CURRENT_ROUND = "2026 capability survey"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    name: str
    country: str | None = None


ACCOUNTS = (
    DemoAccount("admin@example.org", Role.ADMIN, "Demo Administrator"),
    DemoAccount("reviewer@example.org", Role.REVIEWER, "Demo Reviewer (working group)"),
    DemoAccount("analyst@example.org", Role.ANALYST, "Demo Analyst"),
    DemoAccount("focal.tha@example.org", Role.FOCAL_POINT, "Somchai (Thailand, AMLO)", "THA"),
    DemoAccount("focal2.tha@example.org", Role.FOCAL_POINT, "Malee (Thailand, OAG)", "THA"),
    DemoAccount("focal.fji@example.org", Role.FOCAL_POINT, "Losana (Fiji, Police)", "FJI"),
    DemoAccount("focal.phl@example.org", Role.FOCAL_POINT, "Maria (Philippines, DOJ)", "PHL"),
)

# Country, capacity (0..1) in the current round, and the status the demo leaves it in.
CURRENT = (
    ("AUS", 0.92, ResponseStatus.APPROVED), ("NZL", 0.85, ResponseStatus.APPROVED),
    ("SGP", 0.88, ResponseStatus.APPROVED), ("MYS", 0.7, ResponseStatus.APPROVED),
    ("LKA", 0.45, ResponseStatus.APPROVED), ("IDN", 0.68, ResponseStatus.SUBMITTED),
    ("PHL", 0.6, ResponseStatus.RETURNED), ("FJI", 0.35, ResponseStatus.IN_PROGRESS),
    ("KHM", 0.4, ResponseStatus.IN_PROGRESS), ("THA", 0.72, ResponseStatus.IN_PROGRESS),
)
PREVIOUS = (("AUS", 0.88), ("NZL", 0.8), ("SGP", 0.85), ("MYS", 0.6), ("LKA", 0.35),
            ("IDN", 0.6), ("PHL", 0.55), ("THA", 0.65))


def demo_password(email: str) -> str:
    """Stable per instance (derived from the secret key) so logins can be printed again."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"demo:{email}".encode(), hashlib.sha256).digest()
    return "demo-" + base64.urlsafe_b64encode(digest)[:12].decode()


def seed_demo(today: dt.date | None = None) -> list[tuple[DemoAccount, str]]:
    """Load members, the questionnaire, two rounds with answers and demo accounts (idempotent)."""
    today = today or dt.date.today()
    seed_members()
    seed_bundled()
    users = {a.email: _ensure_account(a) for a in ACCOUNTS}
    admin, reviewer = users["admin@example.org"], users["reviewer@example.org"]
    if db.session.scalar(select(Round.id).where(Round.name == CURRENT_ROUND)) is None:
        version = find_version(DEMO_QUESTIONNAIRE)
        definition = definition_of(version)
        previous = open_round(PREVIOUS_ROUND, version.key, opens=today - dt.timedelta(days=400),
                              closes=today - dt.timedelta(days=300), actor=admin, today=today)
        for iso3, capacity in PREVIOUS:
            response = _response(previous, iso3)
            author = _author_for(iso3, users, admin)
            _fill(response, definition, capacity, author, rng=random.Random(f"prev-{iso3}"))
            transition(response, ResponseStatus.SUBMITTED, author)
            transition(response, ResponseStatus.APPROVED, reviewer)
        previous.state = RoundState.CLOSED
        current = open_round(CURRENT_ROUND, version.key, opens=today - dt.timedelta(days=30),
                             closes=today + dt.timedelta(days=45), actor=admin, today=today)
        for iso3, capacity, status in CURRENT:
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
        db.session.flush()
    return [(a, demo_password(a.email)) for a in ACCOUNTS]


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
          rng: random.Random, share: float = 1.0) -> None:
    country_name = response.country.name
    values: dict[str, Any] = {}
    for q in definition.questions:
        values[q.id] = demo_value(q, capacity, rng, country_name)
    visible = relevance(definition, values)
    questions = [q for q in definition.questions if visible[q.id] and values[q.id] is not None]
    cut = round(len(questions) * share)
    existing = answers_of(response)
    for q in questions[:cut]:
        evidence = _evidence(q, rng)
        save_answer(response, q.id, values[q.id], author, evidence=evidence,
                    existing=existing.get(q.id))


def _evidence(question: Question, rng: random.Random) -> str | None:
    if question.type in ("yes_no_partial", "yes_no") and rng.random() < 0.4:
        return rng.choice([
            "Confirmed with the Office of the Attorney-General.",
            "See the 2024 mutual evaluation follow-up report, chapter 3.",
            "Drafting of amendments is under way; cabinet approval expected next year.",
            "Based on the national case management system.",
        ])
    if question.key_count and rng.random() < 0.5:
        return "Figure from the national statistics held by the lead agency."
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
        chosen = [o.code for o in q.options if rng.random() < capacity]
        return chosen or [q.options[0].code]
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
        return rng.choice(["Office of the Attorney-General", "Financial Intelligence Unit",
                           "National Police, Anti-Trafficking Division",
                           "Ministry of Justice, International Cooperation Department"])
    if kind == "long_text":
        return ("Figures come from the national case management system and were checked "
                "with the prosecution service. Some regional offices report late.")
    if kind == "legal_reference":
        text = f"{q.id} {q.label.get()}".lower()
        if "launder" in text or "_ml" in text:
            name = "Anti-Money Laundering Act"
        elif "confisc" in text or "proceeds" in text or "forfeit" in text:
            name = "Proceeds of Crime Act"
        elif "mutual" in text or "mla" in text:
            name = "Mutual Assistance in Criminal Matters Act"
        elif "extradit" in text:
            name = "Extradition Act"
        else:
            name = "Anti-Trafficking in Persons Act"
        return {"instrument": name, "article": f"s. {rng.randint(2, 40)}",
                "year": rng.randint(1999, 2021), "url": None}
    return None
