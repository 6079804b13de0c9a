"""Survey rounds: opening one creates a response per member country."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from .audit import record
from .extensions import db
from .models import Country, Response, ResponseStatus, Role, Round, RoundState, User
from .notifications.events import round_opened
from .questionnaire_versions import find_version
from .rules import NotFound, SurveyError


def round_by_name(name: str) -> Round:
    found = db.session.scalar(select(Round).where(Round.name == (name or "").strip()))
    if found is None:
        known = ", ".join(db.session.scalars(select(Round.name).order_by(Round.id))) or "none"
        raise NotFound(f"no round named '{name}'; rounds: {known}")
    return found


def open_round(name: str, questionnaire: str, *, closes: dt.date | None = None,
               opens: dt.date | None = None, actor: User | None = None,
               today: dt.date | None = None) -> Round:
    """Create a round and open it at once (the command line, the demo): the same two steps
    an administrator takes on the pages, ``create_draft_round`` then ``change_round_state``."""
    draft = create_draft_round(name, questionnaire, opens=opens, closes=closes, actor=actor)
    change_round_state(draft, RoundState.OPEN, actor=actor, today=today)
    return draft


def open_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.state == RoundState.OPEN)
                                   .order_by(Round.opens_on.desc(), Round.id.desc())))


def latest_rounds(limit: int = 10) -> list[Round]:
    """The newest rounds people may see: drafts stay with the administrators until opened."""
    return list(db.session.scalars(select(Round).where(Round.state != RoundState.DRAFT)
                                   .order_by(Round.id.desc()).limit(limit)))


# --- Round lifecycle for administrators: draft -> open <-> closed -> archived ------------------

ROUND_TRANSITIONS: dict[RoundState, tuple[RoundState, ...]] = {
    RoundState.DRAFT: (RoundState.OPEN,),
    RoundState.OPEN: (RoundState.CLOSED,),
    RoundState.CLOSED: (RoundState.OPEN, RoundState.ARCHIVED),  # reopening allows late edits
    RoundState.ARCHIVED: (),
}
NOT_SUBMITTED = (ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.RETURNED)


def _check_dates(opens: dt.date | None, closes: dt.date | None) -> None:
    if opens and closes and closes < opens:
        raise SurveyError(f"the closing date {closes.isoformat()} is before the opening date "
                          f"{opens.isoformat()}", field="closes_on")


def create_draft_round(name: str, questionnaire: str, *, opens: dt.date | None = None,
                       closes: dt.date | None = None, actor: User | None = None) -> Round:
    """A round in preparation: nobody sees it until it is opened."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise SurveyError("a round needs a name of 1 to 120 characters", field="name")
    if db.session.scalar(select(Round.id).where(Round.name == name)) is not None:
        raise SurveyError(f"a round named '{name}' already exists; choose another name",
                          field="name")
    version = find_version(questionnaire)
    _check_dates(opens, closes)
    draft = Round(name=name, questionnaire=version, state=RoundState.DRAFT, opens_on=opens,
                  closes_on=closes, reference_year=(opens or dt.date.today()).year - 1,
                  created_by_id=actor.id if actor else None)
    db.session.add(draft)
    db.session.flush()
    record("round.create", "round", user=actor, entity_id=draft.id, round_id=draft.id,
           new={"name": name, "questionnaire": version.key,
                "opens_on": opens.isoformat() if opens else None,
                "closes_on": closes.isoformat() if closes else None})
    return draft


def set_round_dates(round_: Round, opens: dt.date | None, closes: dt.date | None,
                    actor: User | None = None) -> None:
    if round_.state is RoundState.ARCHIVED:
        raise SurveyError("an archived round cannot change")
    _check_dates(opens, closes)
    old = {"opens_on": _iso(round_.opens_on), "closes_on": _iso(round_.closes_on)}
    new = {"opens_on": _iso(opens), "closes_on": _iso(closes)}
    if old == new:
        return
    round_.opens_on, round_.closes_on = opens, closes
    record("round.dates", "round", user=actor, entity_id=round_.id, round_id=round_.id,
           old=old, new=new)
    db.session.flush()


def change_round_state(round_: Round, to: RoundState, actor: User | None = None,
                       today: dt.date | None = None) -> None:
    """Open, close, reopen or archive; opening a draft creates a response per active member."""
    if to not in ROUND_TRANSITIONS[round_.state]:
        raise SurveyError(f"the round '{round_.name}' is {round_.state.value} and cannot become "
                          f"{to.value}")
    previous_state = round_.state
    if previous_state is RoundState.DRAFT and to is RoundState.OPEN:
        today = today or dt.date.today()
        round_.opens_on = round_.opens_on or today
        _check_dates(round_.opens_on, round_.closes_on)
        round_.reference_year = round_.opens_on.year - 1
        round_.previous_round = db.session.scalar(
            select(Round).where(Round.questionnaire.has(code=round_.questionnaire.code),
                                Round.id != round_.id, Round.state != RoundState.DRAFT)
            .order_by(Round.opens_on.desc().nulls_last(), Round.id.desc()).limit(1))
        have = set(db.session.scalars(select(Response.country_id)
                                      .where(Response.round_id == round_.id)))
        countries = db.session.scalars(select(Country).where(Country.active.is_(True))).all()
        db.session.add_all(Response(round_id=round_.id, country_id=c.id,
                                    status=ResponseStatus.NOT_STARTED)
                           for c in countries if c.id not in have)
    round_.state = to
    record(f"round.{_verb(previous_state, to)}", "round", user=actor, entity_id=round_.id,
           round_id=round_.id, old=previous_state.value, new=to.value)
    db.session.flush()
    if previous_state is RoundState.DRAFT:
        round_opened(round_, actor)  # each focal point: the link and the closing date


def round_actions(round_: Round) -> list[str]:
    """What an administrator may do to the round now: open, close, reopen, archive."""
    return [_verb(round_.state, to) for to in ROUND_TRANSITIONS[round_.state]]


def act_on_round(round_: Round, action: str, actor: User | None = None) -> None:
    """Do ``action`` (one of ``round_actions``) to the round, or refuse it in words."""
    targets = {_verb(round_.state, to): to for to in ROUND_TRANSITIONS[round_.state]}
    if action not in targets:
        raise SurveyError(f"the round is {round_.state.value}; it cannot {action} now")
    change_round_state(round_, targets[action], actor=actor)


def _verb(old: RoundState, new: RoundState) -> str:
    if new is RoundState.OPEN:
        return "reopen" if old is RoundState.CLOSED else "open"
    return {RoundState.CLOSED: "close", RoundState.ARCHIVED: "archive"}.get(new, new.value)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def all_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.id.desc())))


def status_counts(round_ids: list[int]) -> dict[int, dict[ResponseStatus, int]]:
    """Responses per status for each round (one query)."""
    counts: dict[int, dict[ResponseStatus, int]] = {rid: {} for rid in round_ids}
    rows = db.session.execute(select(Response.round_id, Response.status, func.count(Response.id))
                              .where(Response.round_id.in_(round_ids))
                              .group_by(Response.round_id, Response.status))
    for round_id, status, n in rows:
        counts[round_id][status] = n
    return counts


def reminder_list(round_: Round) -> list[tuple[Country, ResponseStatus, list[str]]]:
    """Members that have not submitted yet, with their active focal points' e-mails."""
    rows = db.session.execute(
        select(Country, Response.status).join(Response, Response.country_id == Country.id)
        .where(Response.round_id == round_.id, Response.status.in_(NOT_SUBMITTED))
        .order_by(Country.subregion, Country.name)).all()
    emails: dict[int, list[str]] = {}
    for country_id, email in db.session.execute(
            select(User.country_id, User.email)
            .where(User.role == Role.FOCAL_POINT, User.active.is_(True),
                   User.country_id.in_([c.id for c, _ in rows]))
            .order_by(User.email)):
        emails.setdefault(country_id, []).append(email)
    return [(country, status, emails.get(country.id, [])) for country, status in rows]


def open_twins(round_: Round) -> list[Round]:
    """Other open rounds of the same questionnaire (any version): focal points would see
    them side by side, so pages tell them apart and opening another one warns."""
    return list(db.session.scalars(
        select(Round)
        .where(Round.state == RoundState.OPEN, Round.id != round_.id,
               Round.questionnaire.has(code=round_.questionnaire.code))
        .order_by(Round.opens_on.desc().nulls_last(), Round.id.desc())))
