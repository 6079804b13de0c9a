"""Logging in and out, failed-login limits, the account page, and sessions that expire.

A form posted after the session expired is not lost: its fields are kept on the
server (in the instance folder, under a random name held in the new session) and,
once the person has logged in again, handed to the blueprint that registered the
endpoint as resumable (see ``register_resumable``), which saves it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from .extensions import db, login_manager
from .models import LoginAttempt, User, utcnow
from .services import SurveyError
from .services.audit import record
from .services.users import set_password, verify_password

# Failed logins: this many within the window refuse further tries, per account and per address.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
STASH_DIR = "form-stash"
STASH_MAX_AGE = dt.timedelta(days=1)
RESUMABLE_KEY = "survey.resumable"

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions name the user and the account's session version; an old version ends it."""
    ident, _sep, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Log in"))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect to another host after login."""
    from .security import safe_next_url

    return safe_next_url(target)


def _limits() -> tuple[int, int, dt.timedelta]:
    config = current_app.config
    return (config.get("SURVEY_LOGIN_MAX_FAILURES", MAX_FAILURES_PER_ACCOUNT),
            config.get("SURVEY_LOGIN_MAX_FAILURES_PER_ADDRESS", MAX_FAILURES_PER_ADDRESS),
            config.get("SURVEY_LOGIN_FAILURE_WINDOW", FAILURE_WINDOW))


def too_many_failures(email: str, address: str | None) -> bool:
    """Whether recent failed logins for this e-mail or from this address reach the limit."""
    per_account, per_address, window = _limits()
    failures = (select(func.count(LoginAttempt.id))
                .where(LoginAttempt.at >= utcnow() - window, LoginAttempt.succeeded.is_(False)))
    if (db.session.scalar(failures.where(LoginAttempt.email == email)) or 0) >= per_account:
        return True
    return address is not None and (
        db.session.scalar(failures.where(LoginAttempt.remote_addr == address)) or 0) >= per_address


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()[:254]
        address = request.remote_addr
        if too_many_failures(email, address):
            # Said the same way for every e-mail, known or not; the password is not checked.
            flash(_("Too many failed attempts to log in. Wait 15 minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.email == email))
        ok = verify_password(user, form.password.data) and user.active
        db.session.add(LoginAttempt(email=email, remote_addr=address, succeeded=bool(ok)))
        if ok:
            stash_token = session.get("stash")
            session.clear()
            session.permanent = True
            login_user(user)
            user.last_login_at = utcnow()
            record("user.login", "user", user=user, entity_id=user.id)
            db.session.commit()
            resumed = _resume_stash(stash_token, user) if stash_token else None
            if resumed is not None:
                url, message = resumed
                flash(message, "success")
                return redirect(url)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
        db.session.commit()
        # Same words whether or not the account exists.
        flash(_("The e-mail or password is not correct."), "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


# -- the account page: own password and language -------------------------------------

class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password (at least 10 characters)"),
                        validators=[DataRequired(), Length(min=10, max=256)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    change_password = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of the pages and questionnaire"))
    save_language = SubmitField(_l("Save language"))


def _account_forms() -> tuple[PasswordForm, LanguageForm]:
    password_form = PasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang")
    language_form.language.choices = list(current_app.config["SURVEY_LANGUAGES"].items())
    if request.method == "GET":
        language_form.language.data = current_user.language
    return password_form, language_form


@bp.get("/account")
@login_required
def account():
    password_form, language_form = _account_forms()
    return render_template("auth/account.html", password_form=password_form,
                           language_form=language_form)


@bp.post("/account/password")
@login_required
def change_password():
    password_form, language_form = _account_forms()
    user = current_user._get_current_object()
    if password_form.validate_on_submit():
        if not verify_password(user, password_form.current.data):
            password_form.current.errors.append(_("This is not your current password."))
        else:
            try:
                set_password(user, password_form.new.data)
            except SurveyError as exc:
                password_form.new.errors.append(str(exc).capitalize() + ".")
            else:
                db.session.commit()
                login_user(user)  # the session version changed: keep this session, end the others
                session.permanent = True
                flash(_("Your password is changed. Other sessions of your account have ended."),
                      "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", password_form=password_form,
                           language_form=language_form), 422


@bp.post("/account/language")
@login_required
def change_language():
    password_form, language_form = _account_forms()
    user = current_user._get_current_object()
    if language_form.validate_on_submit():
        old = user.language
        user.language = language_form.language.data
        record("user.language", "user", user=user, entity_id=user.id, old=old, new=user.language)
        db.session.commit()
        flash(_("Your language is saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", password_form=password_form,
                           language_form=language_form), 422


# -- sessions that expire: keep what was typed -----------------------------------------

Resumer = Callable[[User, dict[str, Any], dict[str, list[str]]], "tuple[str, str] | None"]


def register_resumable(app: Flask, endpoint: str, resumer: Resumer) -> None:
    """Let forms posted to ``endpoint`` after the session expired be saved after login."""
    app.extensions.setdefault(RESUMABLE_KEY, {})[endpoint] = resumer


def _stash_dir() -> Path:
    path = Path(current_app.instance_path) / STASH_DIR
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _stash_form() -> str:
    directory = _stash_dir()
    cutoff = time.time() - STASH_MAX_AGE.total_seconds()
    for old in directory.glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    form = {k: v for k, v in request.form.to_dict(flat=False).items()
            if k not in ("csrf_token", "resolve")}
    payload = {"endpoint": request.endpoint, "view_args": request.view_args or {}, "form": form}
    (directory / f"{token}.json").write_text(json.dumps(payload))
    return token


def _resume_stash(token: str, user: User) -> tuple[str, str] | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _stash_dir() / f"{token}.json"
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    path.unlink(missing_ok=True)
    resumer = current_app.extensions.get(RESUMABLE_KEY, {}).get(payload.get("endpoint"))
    if resumer is None:
        return None
    return resumer(user, payload.get("view_args") or {}, payload.get("form") or {})


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _session_expired():
    """Anonymous request that needs a login; a resumable form is kept for after the login."""
    resumable = current_app.extensions.get(RESUMABLE_KEY, {})
    if _wants_json():
        return jsonify(error=_("Your session has expired. Log in again.")), 401
    if request.method == "POST" and request.endpoint in resumable:
        session["stash"] = _stash_form()
        flash(_("Your session expired, so nothing was saved yet. Log in again and what you "
                "typed will be saved."), "warning")
    else:
        flash(_("Please log in to continue."), "info")
    target = request.path if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("auth.login", next=target))


@login_manager.unauthorized_handler
def unauthorized():
    return _session_expired()


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    resumable = current_app.extensions.get(RESUMABLE_KEY, {})
    if not current_user.is_authenticated and (request.endpoint in resumable or _wants_json()):
        return _session_expired()  # the session (and its CSRF token) expired while typing
    if _wants_json():
        return jsonify(error=_("This page is out of date. Reload it and try again.")), 400
    return render_template("auth/csrf.html"), 400
