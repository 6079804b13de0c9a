"""Who is told what: the in-app notification always, the e-mail as each person chose.

Every event (a round opened, a response submitted, returned or approved, a comment, a
reminder) goes through :func:`tell`, which writes one in-app notification per person and,
by that person's preference for the kind, sends the e-mail now, keeps it for the daily
digest, or sends none. Mail is written in the recipient's language (``force_locale``).
Services flush; the request or the command commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..audit import record
from ..extensions import db
from ..mail import send_mail
from ..models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    Response,
    ReviewerCountry,
    Role,
    SentNotice,
    User,
    utcnow,
)
from ..rules import SurveyError

KIND_LABELS = {
    NotificationKind.ROUND_OPENED: _l("A round opens"),
    NotificationKind.SUBMITTED: _l("A response is submitted (to its reviewers)"),
    NotificationKind.RETURNED: _l("A response is returned or reopened"),
    NotificationKind.APPROVED: _l("A response is approved"),
    NotificationKind.COMMENT: _l("A new comment or reply on a response you answer or review"),
    NotificationKind.REMINDER: _l("Reminders before and after a round’s closing date"),
}
DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("Immediately"),
    Delivery.DIGEST: _l("In a daily digest"),
    Delivery.NONE: _l("No e-mail (only in the app)"),
}
# Which kinds each role can receive: the preference page offers only these.
KINDS_FOR_ROLE = {
    Role.FOCAL_POINT: (NotificationKind.ROUND_OPENED, NotificationKind.RETURNED,
                       NotificationKind.APPROVED, NotificationKind.COMMENT,
                       NotificationKind.REMINDER),
    Role.REVIEWER: (NotificationKind.SUBMITTED, NotificationKind.COMMENT),
    Role.ADMIN: (NotificationKind.SUBMITTED, NotificationKind.COMMENT),
    Role.ANALYST: (),
}


@dataclass
class Notice:
    """What one person is told: the e-mail subject, the one line shown in the app, more lines
    for the e-mail, and the page it is about (a path on this site)."""

    subject: str
    summary: str
    link: str
    details: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- preferences

def preferences_of(user: User) -> dict[NotificationKind, Delivery]:
    """The person's delivery for every kind (immediately unless they chose otherwise)."""
    chosen = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.delivery)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in NotificationKind}


def _deliveries(user_ids: list[int], kind: NotificationKind) -> dict[int, Delivery]:
    if not user_ids:
        return {}
    return dict(db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.delivery)
        .where(NotificationPreference.user_id.in_(user_ids),
               NotificationPreference.kind == kind)).all())


def set_preferences(user: User, choices: dict[NotificationKind, Delivery], *,
                    actor: User | None, via: str) -> dict[str, tuple[str, str]]:
    """Store the person's choices; the audit trail keeps what changed and how (``via``:
    the account page or the link in an e-mail). Returns {kind: (old, new)} of the changes."""
    current = preferences_of(user)
    rows = {p.kind: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    changes: dict[str, tuple[str, str]] = {}
    for kind, delivery in choices.items():
        kind, delivery = NotificationKind(kind), Delivery(delivery)
        if current[kind] is delivery:
            continue
        changes[kind.value] = (current[kind].value, delivery.value)
        if kind in rows:
            rows[kind].delivery = delivery
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
        if delivery is not Delivery.DIGEST:
            # Nothing of this kind waits for a digest the person no longer wants.
            for waiting in db.session.scalars(select(Notification).where(
                    Notification.user_id == user.id, Notification.kind == kind.value,
                    Notification.digest_pending.is_(True))):
                waiting.digest_pending = False
    if changes:
        record("notifications.preferences", "user", user=actor, entity_id=user.id,
               old={k: old for k, (old, _new) in changes.items()},
               new={k: new for k, (_old, new) in changes.items()}, detail=via)
        db.session.flush()
    return changes


# ---------------------------------------------------------------- who is told

def focal_points_of(country_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.country_id == country_id, User.role == Role.FOCAL_POINT, User.active.is_(True))
        .order_by(User.id)))


def focal_points_by_country(country_ids: Iterable[int]) -> dict[int, list[User]]:
    """Active focal points of many members at once (one query)."""
    found: dict[int, list[User]] = {}
    ids = list(set(country_ids))
    if ids:
        for user in db.session.scalars(select(User).where(
                User.country_id.in_(ids), User.role == Role.FOCAL_POINT, User.active.is_(True))
                .order_by(User.id)):
            found.setdefault(user.country_id, []).append(user)
    return found


def reviewers_for(country_id: int) -> list[User]:
    """The reviewers assigned to the member; without any, every reviewer (and without any
    reviewer account, the administrators, so a submission is never told to nobody)."""
    active_reviewers = select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
    assigned = list(db.session.scalars(active_reviewers.join(
        ReviewerCountry, ReviewerCountry.user_id == User.id)
        .where(ReviewerCountry.country_id == country_id).order_by(User.id)))
    if assigned:
        return assigned
    everyone = list(db.session.scalars(active_reviewers.order_by(User.id)))
    if everyone:
        return everyone
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN,
                                                      User.active.is_(True)).order_by(User.id)))


def assigned_countries(user: User) -> set[int]:
    return set(db.session.scalars(select(ReviewerCountry.country_id)
                                  .where(ReviewerCountry.user_id == user.id)))


def assign_countries(user: User, country_ids: Iterable[int], actor: User) -> bool:
    """Set the members a reviewer is assigned to; audited. Whether anything changed."""
    if user.role is not Role.REVIEWER:
        raise SurveyError("only reviewers can be assigned to members")
    wanted, have = set(country_ids), assigned_countries(user)
    if wanted == have:
        return False
    for row in db.session.scalars(select(ReviewerCountry).where(
            ReviewerCountry.user_id == user.id, ReviewerCountry.country_id.in_(have - wanted))):
        db.session.delete(row)
    db.session.add_all(ReviewerCountry(user_id=user.id, country_id=c) for c in wanted - have)
    record("user.reviewer_countries", "user", user=actor, entity_id=user.id,
           old=sorted(have), new=sorted(wanted))
    db.session.flush()
    return True


# ---------------------------------------------------------------- telling

def claim(key: str, user_id: int | None, now: dt.datetime | None = None) -> bool:
    """Write ``key`` into the sent log; False when it is there already.

    ``INSERT … ON CONFLICT DO NOTHING`` in the caller's transaction: a concurrent run that
    claimed the same key first makes this one wait for its commit and then skip, so one
    message can never be sent twice, however often or in parallel the sender runs.
    """
    table = SentNotice.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    claimed = db.session.execute(insert.values(key=key[:200], user_id=user_id,
                                               sent_at=now or utcnow())
                                 .on_conflict_do_nothing(index_elements=[table.c.key])
                                 .returning(table.c.id)).scalar()
    return claimed is not None


def tell(kind: NotificationKind, users: Iterable[User], compose: Callable[[User], Notice], *,
         response: Response | None = None, actor: User | None = None,
         key: Callable[[User], str] | None = None, now: dt.datetime | None = None) -> int:
    """Tell each person (once, never the actor, only active accounts): the in-app
    notification, and the e-mail as they chose for ``kind``. With ``key``, each message is
    claimed in the sent log first and skipped if it was sent before. How many were told."""
    people: dict[int, User] = {}
    for user in users:
        if user.active and (actor is None or user.id != actor.id):
            people.setdefault(user.id, user)
    deliveries = _deliveries(list(people), kind)
    told = 0
    for user in people.values():
        if key is not None and not claim(key(user), user.id, now):
            continue
        delivery = deliveries.get(user.id, Delivery.IMMEDIATE)
        with force_locale(user.language or "en"):
            notice = compose(user)
            db.session.add(Notification(
                user_id=user.id, response_id=response.id if response is not None else None,
                kind=kind.value, message=notice.summary[:2000], link=notice.link,
                created_at=now or utcnow(), digest_pending=delivery is Delivery.DIGEST))
            if delivery is Delivery.IMMEDIATE:
                send_mail(user.email, notice.subject[:300], mail_body(user, notice, kind))
        told += 1
    db.session.flush()
    return told


def mail_body(user: User, notice: Notice, kind: NotificationKind | None) -> str:
    """The e-mail text (in the current locale): greeting, what happened, the link, and the
    one-click link to change which e-mails the person gets."""
    from .links import absolute, preference_link

    lines = [_("Hello %(name)s,", name=user.display_name), "", notice.summary]
    if notice.details:
        lines += [""] + notice.details
    lines += ["", _("Open it here:"), absolute(notice.link), "", "-- ",
              _("Bali Process Working Group on Trafficking in Persons: Following the Money "
                "capability survey."),
              _("To choose which e-mails you receive (immediately, in a daily digest, or "
                "none), open this link (no login needed):"),
              preference_link(user.id, kind), ""]
    return "\n".join(lines)
