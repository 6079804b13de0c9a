"""Logging in and out, login limits, the account page, sessions, and forms kept across expiry.

Sessions are revocable: the signed session cookie names a random key whose hash is a
row in ``user_sessions`` (``services.sessions``); the user loader finds the user and
that row in one query, and logging out deletes the row.

Logins are counted with ``survey.limits`` before the password is checked, so parallel
requests cannot race past a limit: per account (the lockout may refuse even the right
password, and says until when), and per address. A browser that has logged in to an
account before carries a signed device cookie (OWASP's "device cookies") and is
counted on its own instead, so other people's failures behind a shared address or
against the same account never lock it out.

A form posted after the session expired is kept, in the database, only with proof that
it was started on a page this app served to that person: the page embeds a signed
resume token (user and response, valid a few hours) and the post must come from this
site (Origin, Referer, Sec-Fetch-Site). After the login it is handed to the blueprint
that registered the endpoint as resumable (``register_resumable``), and only if the
person who logged in is the token's user. A post without that proof changes nothing,
not even the browser's cookies, so a form on another site can neither save answers as
somebody nor log them out.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
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
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from . import limits
from .extensions import db, login_manager
from .models import User, utcnow
from .services import SurveyError
from .services.audit import record
from .services.form_stash import (
    TOO_LARGE,
    TOO_MANY,
    TOO_MUCH,
    StashLimits,
    StashRefused,
    keep_form,
    purge_expired,
    take_form,
)
from .services.sessions import (
    SESSION_KEY,
    end_session,
    purge_idle_sessions,
    session_user,
    start_session,
)
from .services.users import set_password, verify_password

# Failed logins: more than this many within the window are refused, per account and per address.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
# Device cookies: which accounts this browser has logged in to (signed; the newest few).
DEVICE_COOKIE = "survey_device"
DEVICE_SALT = "survey.device-cookie"
DEVICE_LIFETIME = dt.timedelta(days=180)
DEVICE_ACCOUNTS = 5
# Forms posted after the session expired.
RESUME_FIELD = "__resume"  # question ids start with a letter, so no question can use this name
RESUME_SALT = "survey.resume-form"
RESUME_HOURS = 6
RESUMABLE_KEY = "survey.resumable"
# Keys of the browser's session.
STASH_KEY = "survey.stash"

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session names the user, the account's session version and a live session key."""
    ident, _sep, version = user_id.partition(":")
    raw = session.get(SESSION_KEY)
    if not ident.isdigit() or not version.isdigit() or not isinstance(raw, str):
        return None
    user = session_user(int(ident), raw, current_app.permanent_session_lifetime)
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def _begin_session(user: User) -> None:
    """Log ``user`` in on this browser with a new server-side session (the caller commits)."""
    session[SESSION_KEY] = start_session(user)
    session.permanent = True
    login_user(user)


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


def until_words(limit: limits.Limit) -> dict[str, str]:
    """When a limit ends, in UTC to the minute: the same for readers in every time zone."""
    return {"time": limit.resets_at.strftime("%H:%M"), "date": limit.resets_at.strftime("%Y-%m-%d")}


def client_address() -> str:
    """The address per-address limits count; warns when a proxy's header is being ignored."""
    if request.headers.get("X-Forwarded-For") and not current_app.config.get("SURVEY_PROXY_FIX"):
        warned = current_app.extensions.setdefault("survey.warned_forwarded_for", [])
        if not warned:
            warned.append(True)
            current_app.logger.warning(
                "X-Forwarded-For arrives but SURVEY_PROXY_FIX is off: every request seems to "
                "come from %s, so per-address limits count everybody behind that proxy "
                "together. Behind one trusted reverse proxy, set SURVEY_PROXY_FIX=1.",
                request.remote_addr)
    return request.remote_addr or "unknown"


# -- device cookies: browsers that have logged in to an account before ------------------

def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEVICE_SALT)


def _devices() -> dict[int, str]:
    """{user id: nonce} from this browser's signed device cookie; nothing if forged or old."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return {}
    try:
        pairs = _device_serializer().loads(raw, max_age=int(DEVICE_LIFETIME.total_seconds()))
    except BadData:
        return {}
    if not isinstance(pairs, list):
        return {}
    return {int(uid): str(nonce) for uid, nonce in (p for p in pairs if isinstance(p, list)
                                                       and len(p) == 2 and isinstance(p[0], int))}


def _remember_device(response: Response, user: User) -> None:
    """A fresh nonce for this account on this browser (the old one is spent)."""
    devices = _devices()
    devices.pop(user.id, None)
    pairs = [[uid, nonce] for uid, nonce in devices.items()][-(DEVICE_ACCOUNTS - 1):]
    pairs.append([user.id, secrets.token_urlsafe(16)])
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(pairs),
                        max_age=int(DEVICE_LIFETIME.total_seconds()), httponly=True,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        samesite="Lax")


# -- counting login attempts --------------------------------------------------------

@dataclass
class _Attempt:
    """A counted login attempt: why it is refused, or what to undo when it succeeds."""

    refusal: str | None = None
    on_success: list[Callable[[], None]] = field(default_factory=list)

    def succeeded(self) -> None:
        for undo in self.on_success:
            undo()


def _count_attempt(email: str, user: User | None) -> _Attempt:
    """Count this attempt before the password is checked; refuse it when over a limit."""
    per_account, per_address, window = _limits()
    nonce = _devices().get(user.id) if user is not None else None
    if nonce is not None:
        # This browser logged in to this account before: its own count, not the account's
        # or the address's, so nobody else's failures can lock it out.
        key = f"login:device:{nonce}"
        device = limits.hit(key, per_account, window)
        if device.exceeded:
            return _Attempt(_locked(email, device))
        return _Attempt(on_success=[lambda: limits.reset(key)])
    account_key = f"login:account:{email}"
    address_key = f"login:address:{client_address()}"
    account = limits.hit(account_key, per_account, window)
    address = limits.hit(address_key, per_address, window)
    if account.exceeded:
        return _Attempt(_locked(email, account))
    if address.exceeded:
        current_app.logger.warning("login refused: too many failures from %s", client_address())
        return _Attempt(_("Too many failed attempts to log in from your network. Try again "
                          "after %(time)s UTC on %(date)s. A browser that has logged in to its "
                          "account before is not held back.", **until_words(address)))
    # A login that succeeds was no failure: the account starts afresh, the address count
    # gives back the one it took.
    return _Attempt(on_success=[lambda: limits.reset(account_key),
                                lambda: limits.release(address_key, address, window)])


def _locked(email: str, limit: limits.Limit) -> str:
    current_app.logger.warning("login refused: account %s locked until %s UTC", email,
                               limit.resets_at.isoformat(timespec="minutes"))
    # The same words for every e-mail, known or not.
    return _("This account is locked for now: too many failed attempts to log in. Try again "
             "after %(time)s UTC on %(date)s.", **until_words(limit))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()[:254]
        user = db.session.scalar(select(User).where(User.email == email))
        attempt = _count_attempt(email, user)
        if attempt.refusal:
            flash(attempt.refusal, "error")
            return render_template("auth/login.html", form=form), 429
        if verify_password(user, form.password.data) and user.active:
            attempt.succeeded()
            stashed = session.get(STASH_KEY)
            session.clear()  # a new session: nothing from before the login carries over
            _begin_session(user)
            user.last_login_at = utcnow()
            record("user.login", "user", user=user, entity_id=user.id)
            purge_idle_sessions(current_app.permanent_session_lifetime)
            purge_expired()  # kept forms nobody came back for
            db.session.commit()
            limits.purge()  # counters of windows long gone
            resumed = _resume_stashed(stashed, user)
            if resumed is not None:
                url, message = resumed
                flash(message, "success")
                response = redirect(url)
            else:
                response = redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
            _remember_device(response, user)
            return response
        # Same words whether or not the account exists.
        flash(_("The e-mail or password is not correct."), "error")
        status = 401
    return render_template("auth/login.html", form=form), status


def end_browser_session() -> None:
    """Log this browser out and end its session on the server (the caller commits)."""
    end_session(session.pop(SESSION_KEY, None))  # a copy of the cookie stops working too
    logout_user()


@bp.post("/logout")
@login_required
def logout():
    end_browser_session()
    db.session.commit()
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
                # set_password ended every session of the account; this browser goes on
                # in a new one, the others have ended.
                _begin_session(user)
                db.session.commit()
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
MayKeep = Callable[[User, int], bool]


@dataclass(frozen=True)
class Resumable:
    """An endpoint whose forms are kept across an expired session.

    ``resume`` saves a kept form after the login and says where to go and what to tell;
    ``may_keep`` says whether a user may write to a response (and that it exists). The
    endpoint's URL names the response as ``response_id``, which the resume token binds.
    """

    resume: Resumer
    may_keep: MayKeep


def register_resumable(app: Flask, endpoint: str, resumer: Resumer, may_keep: MayKeep) -> None:
    """Let forms posted to ``endpoint`` after the session expired be saved after login."""
    app.extensions.setdefault(RESUMABLE_KEY, {})[endpoint] = Resumable(resumer, may_keep)


def _resumable() -> dict[str, Resumable]:
    return current_app.extensions.get(RESUMABLE_KEY, {})


def _resume_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RESUME_SALT)


def _resume_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config.get("SURVEY_RESUME_HOURS", RESUME_HOURS)))


def resume_token(user: User, response_id: int) -> str:
    """The proof a page embeds that this user opened this response's form here, now."""
    return _resume_serializer().dumps({"u": user.id, "r": response_id})


def _read_resume_token(raw: Any) -> tuple[int, int] | None:
    """(user id, response id) of a valid, unexpired resume token; None otherwise."""
    if not isinstance(raw, str) or not raw or len(raw) > 500:
        return None
    try:
        data = _resume_serializer().loads(raw, max_age=int(_resume_lifetime().total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("u", "r")):
        return None
    return data["u"], data["r"]


def _origin(url: str | None) -> str | None:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _from_this_site() -> bool:
    """Whether the browser says the post came from a page of this site.

    Sec-Fetch-Site, when sent, must be ``same-origin``; Origin and Referer, whichever are
    sent (at least one must be), must name this site. A post that says nothing is refused.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    claims = [h for h in (request.headers.get("Origin"), request.headers.get("Referer"))
              if h is not None]
    if not claims:
        return False
    ours = {_origin(request.host_url)}
    if current_app.config.get("SURVEY_BASE_URL"):
        ours.add(_origin(current_app.config["SURVEY_BASE_URL"]))
    ours.discard(None)
    return all(_origin(claim) in ours for claim in claims)


def _stash_limits() -> StashLimits:
    config = current_app.config
    defaults = StashLimits(lifetime=_resume_lifetime())
    return StashLimits(
        lifetime=defaults.lifetime,
        max_bytes=config.get("SURVEY_STASH_MAX_BYTES", defaults.max_bytes),
        max_bytes_per_user=config.get("SURVEY_STASH_MAX_BYTES_PER_USER", defaults.max_bytes_per_user),
        max_per_user=config.get("SURVEY_STASH_MAX_PER_USER", defaults.max_per_user))


def _form_not_kept(reason: str, status: int):
    """Refuse to keep a post. Nothing is written, not even the browser's session cookie:
    a refused cross-site form must not log the person out."""
    current_app.logger.info("a form posted to %s without a session was not kept: %s",
                            request.path, reason)
    return render_template("auth/form_not_kept.html", reason=reason,
                           login_url=url_for("auth.login", next=request.path)), status


def _keep_posted_form(resumable: Resumable):
    """A resumable form posted without a session: keep it only with proof of its origin."""
    if not _from_this_site():
        return _form_not_kept(_("it was not sent from a page of this site"), 403)
    proof = _read_resume_token(request.form.get(RESUME_FIELD))
    response_id = (request.view_args or {}).get("response_id")
    if proof is None or proof[1] != response_id:
        return _form_not_kept(_("the page it was sent from is too old or not valid"), 403)
    user = db.session.get(User, proof[0])
    if user is None or not user.active or not resumable.may_keep(user, response_id):
        return _form_not_kept(_("the page it was sent from is too old or not valid"), 403)
    form = {name: values for name, values in request.form.to_dict(flat=False).items()
            if name not in ("csrf_token", "resolve", RESUME_FIELD)}
    try:
        key = keep_form(user.id, response_id, request.endpoint, dict(request.view_args or {}),
                        form, _stash_limits())
    except StashRefused as exc:
        db.session.rollback()
        words, status = {
            TOO_LARGE: (_("it is too large to keep"), 413),
            TOO_MUCH: (_("too much is already kept for your account"), 413),
            TOO_MANY: (_("too many forms were kept for your account"), 429),
        }[exc.reason]
        return _form_not_kept(words, status)
    db.session.commit()
    kept = session.get(STASH_KEY)
    kept = [k for k in kept if isinstance(k, str)] if isinstance(kept, list) else []
    session[STASH_KEY] = [*kept[-3:], key]
    flash(_("Your session expired, so nothing was saved yet. Log in again and what you "
            "typed will be saved."), "warning")
    return redirect(url_for("auth.login", next=request.path))


def _resume_stashed(keys: Any, user: User) -> tuple[str, str] | None:
    """Save the forms this browser kept for ``user``; forms kept for anyone else are dropped."""
    if not isinstance(keys, list):
        return None
    outcome = None
    for key in keys:
        if not isinstance(key, str):
            continue
        row = take_form(key, user.id)
        db.session.commit()  # a kept form is used once, whatever happens next
        if row is None:
            continue
        resumable = _resumable().get(row.endpoint)
        if resumable is not None:
            outcome = resumable.resume(user, row.view_args, row.form) or outcome
    return outcome


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _session_expired():
    """Anonymous request that needs a login; a resumable form may be kept for after it."""
    if _wants_json():
        return jsonify(error=_("Your session has expired. Log in again.")), 401
    resumable = _resumable().get(request.endpoint)
    if request.method == "POST" and resumable is not None:
        return _keep_posted_form(resumable)
    flash(_("Please log in to continue."), "info")
    target = request.path if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("auth.login", next=target))


@login_manager.unauthorized_handler
def unauthorized():
    return _session_expired()


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    if not current_user.is_authenticated and (request.endpoint in _resumable() or _wants_json()):
        return _session_expired()  # the session (and its CSRF token) expired while typing
    if _wants_json():
        return jsonify(error=_("This page is out of date. Reload it and try again.")), 400
    return render_template("auth/csrf.html"), 400
