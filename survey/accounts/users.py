"""Accounts: creation, passwords, roles and countries, (de)activation."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record
from ..extensions import db
from ..members import country_by_iso3
from ..models import ApiToken, Role, User, utcnow
from ..rules import SurveyError
from .sessions import end_all_sessions

MIN_PASSWORD_LENGTH = 10
# Werkzeug's scrypt: memory-hard, salted, current.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method name, not a password


def normalise_email(email: str) -> str:
    """A well-formed address (RFC 5321/5322 as the email-validator library reads them), lower case.

    Deliverability is not checked (no DNS look-up); quoted local parts, addresses
    without a dot in the domain and non-ASCII local parts are refused.
    """
    value = (email or "").strip()
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise SurveyError(f"'{email}' is not a valid e-mail address", field="email") from None
    address = (checked.ascii_email or checked.normalized).lower()
    if len(address) > 254:
        raise SurveyError(f"'{email}' is not a valid e-mail address", field="email")
    return address


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SurveyError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 256:
        raise SurveyError("the password must have at most 256 characters")


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    # Tests may choose a cheaper method through PASSWORD_HASH_METHOD; production never sets it.
    method = current_app.config.get("PASSWORD_HASH_METHOD") or PASSWORD_METHOD
    return generate_password_hash(password, method=method)


def parse_role(role: str) -> Role:
    try:
        return Role((role or "").strip().lower().replace("-", "_"))
    except ValueError:
        raise SurveyError(f"unknown role '{role}'; roles: {', '.join(r.value for r in Role)}",
                          field="role") from None


def create_user(email: str, role: str | Role, *, country: str | None = None,
                name: str | None = None, password: str | None = None,
                actor: User | None = None) -> User:
    email = normalise_email(email)
    role = role if isinstance(role, Role) else parse_role(role)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise SurveyError(f"a user with the e-mail {email} already exists", field="email")
    country_row = None
    if role is Role.FOCAL_POINT:
        if not country:
            raise SurveyError("a focal point needs a country", field="country")
        country_row = country_by_iso3(country)
    elif country:
        raise SurveyError(f"only focal points belong to a country; a {role.value} sees all "
                          "members", field="country")
    if password is not None:
        check_password_strength(password)
    user = User(email=email, role=role, country=country_row,
                display_name=(name or "").strip() or email.split("@")[0],
                password_hash=hash_password(password) if password else None, active=True)
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", user=actor, entity_id=user.id,
           country_id=country_row.id if country_row else None,
           new={"email": email, "role": role.value,
                "country": country_row.iso3 if country_row else None})
    return user


def verify_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        # Spend the same effort as a real check, so timing does not reveal unknown accounts.
        check_password_hash(_DUMMY_HASH(), password)
        return False
    return check_password_hash(user.password_hash, password)


def set_password(user: User, password: str, actor: User | None = None) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_version += 1  # other sessions of this account end...
    end_all_sessions(user)     # ...and are forgotten on the server
    record("user.password", "user", user=actor or user, entity_id=user.id)


_dummy: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802 - a lazily built constant
    if not _dummy:
        _dummy.append(hash_password(secrets.token_hex(8)))
    return _dummy[0]


def deactivate(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise SurveyError("you cannot deactivate your own account")
    if not user.active:
        return
    user.active = False
    user.session_version += 1  # every open session of this account ends at its next request
    end_all_sessions(user)
    # API tokens are revoked for good: reactivating the account does not revive them.
    now = utcnow()
    revoked = db.session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)).rowcount
    record("user.deactivate", "user", user=actor, entity_id=user.id, old=True, new=False,
           detail=f"{revoked or 0} API token(s) revoked")
    db.session.flush()


def reactivate(user: User, actor: User) -> None:
    if user.active:
        return
    user.active = True
    record("user.reactivate", "user", user=actor, entity_id=user.id, old=False, new=True)
    db.session.flush()


def change_role(user: User, role: str | Role, country: str | None, actor: User) -> bool:
    """Set the role and (for focal points) the country; True when something changed."""
    new_role = role if isinstance(role, Role) else parse_role(role)
    if user.id == actor.id and new_role is not Role.ADMIN:
        raise SurveyError("you cannot remove your own administrator role; ask another administrator")
    if new_role is Role.FOCAL_POINT:
        if not country:
            raise SurveyError("a focal point needs a country", field="country")
        new_country = country_by_iso3(country)
    else:
        new_country = None
    old = {"role": user.role.value, "country": user.country.iso3 if user.country else None}
    new = {"role": new_role.value, "country": new_country.iso3 if new_country else None}
    if old == new:
        return False
    user.role = new_role
    user.country = new_country
    record("user.role", "user", user=actor, entity_id=user.id,
           country_id=new_country.id if new_country else None, old=old, new=new)
    db.session.flush()
    return True


def users_list() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def pending_invitation_users() -> set[int]:
    """Users who have not set a password yet."""
    return set(db.session.scalars(select(User.id).where(User.password_hash.is_(None))))
