"""The accounts blueprint: logging in and out, login limits, and the account page.

Sessions are revocable: the signed session cookie names a random key whose hash is a
row in ``user_sessions`` (``accounts.sessions``); the user loader finds the user and
that row in one query, and logging out deletes the row.

Logins are counted with ``survey.limits`` before the password is checked, so parallel
requests cannot race past a limit: per account (the lockout may refuse even the right
password, and says until when), and per address. A browser that has logged in to an
account before carries a signed device cookie (OWASP's "device cookies") and is
counted on its own instead, so other people's failures behind a shared address or
against the same account never lock it out.

Forms posted after the session expired are kept and resumed by ``accounts.resume``;
one-time links live in ``link_routes``, API tokens in ``token_routes``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import (
    Blueprint,
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
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from .. import limits
from ..audit import record
from ..extensions import db, login_manager
from ..i18n import SESSION_LANGUAGE, format_when, number_locale
from ..models import User, utcnow
from ..rules import commit_or_explain
from ..security import safe_next_url
from .forms import ChangePasswordForm, LanguageForm, LoginForm
from .kept_forms import (
    purge_expired,
)
from .resume import STASH_KEY, resumables, resume_stashed, session_expired, wants_json
from .sessions import SESSION_KEY, end_session, purge_idle_sessions, session_user, start_session
from .users import set_password, verify_password

# Failed logins: more than this many within the window are refused, per account and per address.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
# Device cookies: which accounts this browser has logged in to (signed; the newest few).
DEVICE_COOKIE = "survey_device"
DEVICE_SALT = "survey.device-cookie"
DEVICE_LIFETIME = dt.timedelta(days=180)
DEVICE_ACCOUNTS = 5

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
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


def _limits() -> tuple[int, int, dt.timedelta]:
    config = current_app.config
    return (config.get("SURVEY_LOGIN_MAX_FAILURES", MAX_FAILURES_PER_ACCOUNT),
            config.get("SURVEY_LOGIN_MAX_FAILURES_PER_ADDRESS", MAX_FAILURES_PER_ADDRESS),
            config.get("SURVEY_LOGIN_FAILURE_WINDOW", FAILURE_WINDOW))


def until_words(limit: limits.Limit) -> dict[str, str]:
    """When a limit ends, in UTC to the minute: the same for readers in every time zone."""
    from babel.dates import format_time

    return {"time": format_time(limit.resets_at, "HH:mm", locale=number_locale()),
            "date": format_when(limit.resets_at.date())}


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
            return render_template("accounts/login.html", form=form), 429
        password_right = verify_password(user, form.password.data)  # one check, same time
        if password_right and user.active:
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
            resumed = resume_stashed(stashed, user)
            if resumed is not None:
                url, message = resumed
                flash(message, "success")
                response = redirect(url)
            else:
                response = redirect(safe_next_url(request.args.get("next")) or url_for("home.index"))
            _remember_device(response, user)
            return response
        if password_right:  # right password, deactivated account
            # Only someone who knows the password learns the account exists: tell them why.
            flash(_("This account is deactivated. Ask an administrator of the survey to "
                    "reactivate it if you still need it."), "error")
            return render_template("accounts/login.html", form=form), 403
        # Same words whether or not the account exists.
        flash(_("The e-mail or password is not correct."), "error")
        status = 401
    return render_template("accounts/login.html", form=form), status


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
    return redirect(url_for("accounts.login"))


# -- the account page: own password and language -------------------------------------

def _account_forms() -> tuple[ChangePasswordForm, LanguageForm]:
    password_form = ChangePasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang")
    language_form.language.choices = list(current_app.config["SURVEY_LANGUAGES"].items())
    if request.method == "GET":
        language_form.language.data = current_user.language
    return password_form, language_form


@bp.get("/account")
@login_required
def account():
    password_form, language_form = _account_forms()
    return render_template("accounts/account.html", password_form=password_form,
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
            with commit_or_explain(field=password_form.new) as outcome:
                set_password(user, password_form.new.data)
                # set_password ended every session of the account; this browser goes on
                # in a new one, the others have ended.
                _begin_session(user)
            if not outcome.broken:
                flash(_("Your password is changed. Other sessions of your account have ended."),
                      "success")
                return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", password_form=password_form,
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
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", password_form=password_form,
                           language_form=language_form), 422


@bp.post("/language")
def choose_language():
    """The switcher on every page: the account's language when logged in (recorded like the
    account page's choice), this browser session's otherwise; back to the same page."""
    code = request.form.get("language", "")
    back = safe_next_url(request.form.get("next")) or url_for("home.index")
    if code not in current_app.config["SURVEY_LANGUAGES"]:
        flash(_("That language is not offered."), "error")
        return redirect(back)
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        if user.language != code:
            record("user.language", "user", user=user, entity_id=user.id, old=user.language,
                   new=code)
            user.language = code
            db.session.commit()
    else:
        session[SESSION_LANGUAGE] = code
    return redirect(back)


@login_manager.unauthorized_handler
def unauthorized():
    return session_expired()


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    if not current_user.is_authenticated and (request.endpoint in resumables() or wants_json()):
        return session_expired()  # the session (and its CSRF token) expired while typing
    if wants_json():
        return jsonify(error=_("This page is out of date. Reload it and try again.")), 400
    return render_template("accounts/csrf.html"), 400


from . import link_routes, token_routes  # noqa: E402,F401  (views register on bp)
