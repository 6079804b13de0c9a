"""One-time links: invitations and password resets.

One-time links carry a random token; only its SHA-256 hash is stored, so a copy of
the database cannot be used to take over an account. A token works once, until it
expires, and only for an active account.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from flask import current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..audit import record
from ..extensions import db
from ..mail import send_mail
from ..models import AccountToken, Role, User, utcnow
from ..rules import SurveyError
from ..security import token_hash
from .users import create_user, normalise_email, set_password

INVITE = "invite"
RESET = "reset"
LIFETIMES = {INVITE: dt.timedelta(days=7), RESET: dt.timedelta(hours=2)}
# At most one reset e-mail per account in this time, so the form cannot flood someone's inbox.
RESET_INTERVAL = dt.timedelta(minutes=2)
INVALID_LINK = ("this link is not valid any more: it was already used, has expired or was "
                "replaced by a newer one. Ask for a new one")

LinkBuilder = Callable[[str, str], str]  # (purpose, raw token) -> absolute URL


def account_link(purpose: str, raw: str) -> str:
    """The absolute address of a one-time link (SURVEY_BASE_URL when set, else this host)."""
    endpoint = "accounts.accept_invitation" if purpose == INVITE else "accounts.reset_password"
    base = current_app.config.get("SURVEY_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, token=raw)



def issue_token(user: User, purpose: str, actor: User | None = None,
                now: dt.datetime | None = None) -> str:
    """A fresh one-time token; earlier unused tokens of the same purpose stop working."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = now or utcnow()
    db.session.execute(update(AccountToken)
                       .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                              AccountToken.used_at.is_(None))
                       .values(expires_at=now))
    raw = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=token_hash(raw),
                                created_at=now, expires_at=now + LIFETIMES[purpose],
                                created_by_id=actor.id if actor else None))
    db.session.flush()
    return raw


def valid_token(raw: str, purpose: str, now: dt.datetime | None = None) -> AccountToken:
    """The stored token for ``raw``, or SurveyError when it cannot be used (same words always)."""
    now = now or utcnow()
    token = db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == token_hash(raw or ""), AccountToken.purpose == purpose))
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise SurveyError(INVALID_LINK)
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        raise SurveyError(INVALID_LINK)
    return token


def redeem_token(raw: str, purpose: str, password: str) -> User:
    """Set the password through a one-time link; the link is spent and old sessions end."""
    token = valid_token(raw, purpose)
    user = db.session.get(User, token.user_id)
    set_password(user, password)
    token.used_at = utcnow()
    record(f"user.{purpose}_used", "user", user=user, entity_id=user.id)
    db.session.flush()
    return user


def invite_user(email: str, role: str | Role, *, country: str | None, name: str | None,
                actor: User, link_for: LinkBuilder) -> User:
    user = create_user(email, role, country=country, name=name, actor=actor)
    send_invitation(user, actor, link_for)
    return user


def send_invitation(user: User, actor: User, link_for: LinkBuilder) -> None:
    if user.password_hash:
        raise SurveyError(f"{user.email} has already set a password; send a password reset instead")
    raw = issue_token(user, INVITE, actor)
    days = LIFETIMES[INVITE].days
    with force_locale(user.language or "en"):  # the recipient's language, not the sender's
        role = user.role.value.replace("_", " ") + (", " + user.country.name if user.country else "")
        send_mail(user.email, _("Your account for the Bali Process capability survey"),
                  _("Hello %(name)s,", name=user.display_name) + "\n\n"
                  + _("%(actor)s has created an account for you on the Following the Money "
                      "capability survey of the Bali Process Working Group on Trafficking in "
                      "Persons (%(role)s).", actor=actor.display_name, role=role) + "\n\n"
                  + _("Choose your password here (the link works once, for %(days)d days):",
                      days=days) + "\n"
                  + f"{link_for(INVITE, raw)}\n\n"
                  + _("If you did not expect this message, you can ignore it.") + "\n")
    record("user.invite", "user", user=actor, entity_id=user.id,
           country_id=user.country_id, new={"email": user.email})


def request_password_reset(email: str, link_for: LinkBuilder) -> None:
    """Send a reset link if an active account has this address; say nothing either way."""
    try:
        address = normalise_email(email)
    except SurveyError:
        return
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None or not user.active:
        return
    recent = db.session.scalar(select(AccountToken.id).where(
        AccountToken.user_id == user.id, AccountToken.purpose == RESET,
        AccountToken.created_at > utcnow() - RESET_INTERVAL).limit(1))
    if recent is not None:
        return  # the link sent a moment ago still works
    raw = issue_token(user, RESET)
    minutes = int(LIFETIMES[RESET].total_seconds() // 60)
    with force_locale(user.language or "en"):  # the recipient's language
        send_mail(user.email, _("Reset your password for the Bali Process capability survey"),
                  _("Hello %(name)s,", name=user.display_name) + "\n\n"
                  + _("Someone (we hope you) asked to reset the password of this account. Choose "
                      "a new password here (the link works once, for %(minutes)d minutes):",
                      minutes=minutes) + "\n"
                  + f"{link_for(RESET, raw)}\n\n"
                  + _("If you did not ask for this, ignore this message: your password stays as "
                      "it is.") + "\n")
    record("user.reset_requested", "user", user=user, entity_id=user.id)
