"""Reminders around a round's closing date, daily digests, and the run that sends both.

``send_due(now)`` is what ``survey send-reminders`` runs (from cron or a systemd timer):
every message it sends is first claimed in the sent log under a key of its own, so
running it twice, or twice at once, never sends one twice. ``now`` is passed in, so
tests move the calendar instead of waiting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record
from ..extensions import db
from ..mail import send_mail
from ..models import (
    STATUS_LABELS,
    Notification,
    NotificationKind,
    Response,
    ResponseStatus,
    Round,
    RoundState,
    User,
    utcnow,
)
from ..rules import SurveyError
from .links import absolute, path_for
from .services import Notice, claim, focal_points_by_country, mail_body, tell

NOT_SUBMITTED = (ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.RETURNED)
# A reminder missed (the timer did not run that day) is still sent this many days late,
# unless the next reminder is due by then.
LATE_BY_AT_MOST = dt.timedelta(days=3)
MAX_DAYS = 365


# ---------------------------------------------------------------- the schedule

def parse_days(text: str | None, what: str) -> tuple[int, ...]:
    """``"14, 7, 1"`` → (14, 7, 1); empty means none. Refused in words otherwise."""
    parts = [p for p in re.split(r"[\s,;]+", (text or "").strip()) if p]
    days = set()
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MAX_DAYS:
            raise SurveyError(f"reminder days {what} the closing date are whole numbers from 1 "
                              f"to {MAX_DAYS}, separated by commas (for example 14, 7, 1); "
                              f"“{part[:20]}” is not one")
        days.add(int(part))
    return tuple(sorted(days, reverse=True))


def _text(days: tuple[int, ...]) -> str:
    return ",".join(str(d) for d in days)


def set_reminder_days(round_: Round, before: str | None, after: str | None,
                      actor: User | None = None) -> bool:
    """Set the round's reminder days (audited); whether anything changed."""
    if round_.state is RoundState.ARCHIVED:
        raise SurveyError("an archived round cannot change")
    new_before, new_after = _text(parse_days(before, "before")), _text(parse_days(after, "after"))
    old = {"before": round_.remind_before, "after": round_.remind_after}
    new = {"before": new_before, "after": new_after}
    if old == new:
        return False
    round_.remind_before, round_.remind_after = new_before, new_after
    record("round.reminder_days", "round", user=actor, entity_id=round_.id, round_id=round_.id,
           old=old, new=new)
    db.session.flush()
    return True


def schedule(round_: Round) -> list[tuple[int, dt.date]]:
    """(offset in days from the closing date, the day it is due), earliest first."""
    if round_.closes_on is None:
        return []
    offsets = [-d for d in parse_days(round_.remind_before, "before")] + \
        list(parse_days(round_.remind_after, "after"))
    return sorted((o, round_.closes_on + dt.timedelta(days=o)) for o in set(offsets))


def due_reminder(round_: Round, today: dt.date) -> int | None:
    """The offset of the reminder due today, if any: the latest one whose day has come,
    not before the round opened, at most ``LATE_BY_AT_MOST`` late and not once the next
    one is due."""
    if round_.state is not RoundState.OPEN:
        return None
    plan = schedule(round_)
    for index, (offset, day) in enumerate(plan):
        following = plan[index + 1][1] if index + 1 < len(plan) else None
        if following is not None and following <= today:
            continue
        if day > today or (round_.opens_on is not None and day < round_.opens_on):
            return None
        return offset if today - day <= LATE_BY_AT_MOST else None
    return None


# ---------------------------------------------------------------- reminders

def _waiting(round_: Round) -> list[Response]:
    return list(db.session.scalars(select(Response).where(
        Response.round_id == round_.id, Response.status.in_(NOT_SUBMITTED)).order_by(Response.id)))


def _reminder_notice(round_: Round, response: Response, today: dt.date) -> Notice:
    days = (round_.closes_on - today).days if round_.closes_on else None
    date = format_date(round_.closes_on, "long") if round_.closes_on else ""
    status = STATUS_LABELS[response.status]
    if days is None:
        summary = _("Reminder: %(country)s's response to “%(round)s” is not submitted yet "
                    "(%(status)s).", country=response.country.name, round=round_.name,
                    status=status)
    elif days > 0:
        summary = ngettext("Reminder: “%(round)s” closes in %(num)d day, on %(date)s; "
                           "%(country)s's response is not submitted yet (%(status)s).",
                           "Reminder: “%(round)s” closes in %(num)d days, on %(date)s; "
                           "%(country)s's response is not submitted yet (%(status)s).",
                           days, round=round_.name, date=date, country=response.country.name,
                           status=status)
    elif days == 0:
        summary = _("Reminder: “%(round)s” closes today; %(country)s's response is not "
                    "submitted yet (%(status)s).", round=round_.name,
                    country=response.country.name, status=status)
    else:
        summary = ngettext("Reminder: “%(round)s” closed %(num)d day ago, on %(date)s, and "
                           "%(country)s's response is not submitted yet (%(status)s). The "
                           "round is still open: please submit as soon as you can.",
                           "Reminder: “%(round)s” closed %(num)d days ago, on %(date)s, and "
                           "%(country)s's response is not submitted yet (%(status)s). The "
                           "round is still open: please submit as soon as you can.",
                           -days, round=round_.name, date=date, country=response.country.name,
                           status=status)
    return Notice(subject=_("Reminder: your response to “%(round)s”", round=round_.name),
                  summary=summary, link=path_for("answering.start", response_id=response.id))


def _remind(round_: Round, key_prefix: str, today: dt.date, now: dt.datetime,
            actor: User | None = None) -> int:
    told = 0
    waiting = _waiting(round_)
    people = focal_points_by_country(r.country_id for r in waiting)
    for response in waiting:
        if response.country_id not in people:
            continue

        def compose(user: User, response: Response = response) -> Notice:
            return _reminder_notice(round_, response, today)
        told += tell(NotificationKind.REMINDER, people[response.country_id], compose,
                     response=response, actor=actor, now=now,
                     key=lambda user: f"{key_prefix}:{user.id}")
    return told


def send_scheduled_reminders(now: dt.datetime) -> int:
    """The reminders due today in every open round; how many people were reminded."""
    today = now.date()
    told = 0
    for round_ in db.session.scalars(select(Round).where(Round.state == RoundState.OPEN)
                                     .order_by(Round.id)):
        offset = due_reminder(round_, today)
        if offset is None:
            continue
        # The closing date is part of the key: when it moves, the reminders start again.
        told += _remind(round_, f"reminder:{round_.id}:{round_.closes_on}:{offset:+d}", today, now)
    return told


def send_reminders_now(round_: Round, actor: User, now: dt.datetime | None = None) -> int:
    """An administrator reminds every member that has not submitted (at most once a day per
    person, so a second click or a resent form sends nothing more); audited."""
    now = now or utcnow()
    if round_.state is not RoundState.OPEN:
        raise SurveyError(f"the round '{round_.name}' is {round_.state.value}; only an open "
                          "round's members can be reminded")
    told = _remind(round_, f"manual:{round_.id}:{now.date()}", now.date(), now, actor=None)
    record("round.remind", "round", user=actor, entity_id=round_.id, round_id=round_.id,
           new={"reminded": told})
    return told


# ---------------------------------------------------------------- digests

def send_digests(now: dt.datetime) -> int:
    """One e-mail per person with notifications waiting for their digest, once a day."""
    user_ids = db.session.scalars(select(Notification.user_id)
                                  .where(Notification.digest_pending.is_(True))
                                  .distinct().order_by(Notification.user_id)).all()
    sent = 0
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)):
        if not claim(f"digest:{user.id}:{now.date()}", user.id, now):
            continue  # today's digest went already; these wait for tomorrow's
        waiting = db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.digest_pending.is_(True))
            .order_by(Notification.created_at, Notification.id)).all()
        for item in waiting:
            item.digest_pending = False
        if not user.active:
            continue
        with force_locale(user.language or "en"):
            details = []
            for item in waiting:
                details += [f"• {item.message}", f"  {absolute(item.link)}" if item.link else ""]
            notice = Notice(
                subject=ngettext("Your daily summary: %(num)d notification",
                                 "Your daily summary: %(num)d notifications", len(waiting)),
                summary=ngettext("%(num)d notification since your last summary:",
                                 "%(num)d notifications since your last summary:", len(waiting)),
                link=path_for("review.notifications"), details=details)
            send_mail(user.email, notice.subject, mail_body(user, notice, None))
        sent += 1
    db.session.flush()
    return sent


@dataclass
class RunSummary:
    reminded: int
    digests: int


def send_due(now: dt.datetime | None = None) -> RunSummary:
    """Everything due at ``now``: the scheduled reminders, then the daily digests (so a
    reminder someone wants in their digest goes out in today's)."""
    now = now or utcnow()
    reminded = send_scheduled_reminders(now)
    return RunSummary(reminded=reminded, digests=send_digests(now))

