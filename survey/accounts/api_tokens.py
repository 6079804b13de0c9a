"""Personal API tokens: shown once, stored only as a SHA-256 hash, revocable."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from ..audit import record
from ..extensions import db
from ..models import ApiToken, User, utcnow
from ..rules import NotFound, SurveyError
from ..security import token_hash

TOKEN_PREFIX = "bpsv_"  # noqa: S105 - a public marker, not a secret
MAX_ACTIVE_TOKENS = 10



def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id.desc())))


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the raw token is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise SurveyError("give the token a name of 1 to 120 characters, such as 'my laptop'")
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise SurveyError(f"you already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=raw[:12], token_hash=token_hash(raw))
    db.session.add(token)
    db.session.flush()
    record("api_token.create", "api_token", user=user, entity_id=token.id,
           new={"name": name, "prefix": token.prefix})
    return token, raw


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token.revoke", "api_token", user=user, entity_id=token.id,
               old={"name": token.name, "prefix": token.prefix})
    db.session.flush()
    return token


def user_for_token(raw: str | None) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked, inactive user)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if user is None or not user.active:
        return None
    token.last_used_at = utcnow()
    return user
