"""Forms posted after the session expired: kept, with proof, and saved after the login.

A form posted after the session expired is kept, in the database (``kept_forms``), only
with proof that it was started on a page this app served to that person: the page
embeds a signed resume token (user and response, valid a few hours) and the post must
come from this site (Origin, Referer, Sec-Fetch-Site). After the login it is handed to
the feature that registered the endpoint as resumable (``register_resumable``), and only
if the person who logged in is the token's user. A post without that proof changes
nothing, not even the browser's cookies, so a form on another site can neither save
answers as somebody nor log them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer

from ..extensions import db
from ..models import User
from .kept_forms import TOO_LARGE, TOO_MANY, TOO_MUCH, StashLimits, StashRefused, keep_form, take_form

RESUME_FIELD = "__resume"  # question ids start with a letter, so no question can use this name
RESUME_SALT = "survey.resume-form"
RESUME_HOURS = 6
RESUMABLE_KEY = "survey.resumable"
# The key of the browser's session that lists the forms kept for it.
STASH_KEY = "survey.stash"


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


def resumables() -> dict[str, Resumable]:
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
    return render_template("accounts/form_not_kept.html", reason=reason,
                           login_url=url_for("accounts.login", next=request.path)), status


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
    return redirect(url_for("accounts.login", next=request.path))


def resume_stashed(keys: Any, user: User) -> tuple[str, str] | None:
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
        resumable = resumables().get(row.endpoint)
        if resumable is not None:
            outcome = resumable.resume(user, row.view_args, row.form) or outcome
    return outcome


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def session_expired():
    """Anonymous request that needs a login; a resumable form may be kept for after it."""
    if wants_json():
        return jsonify(error=_("Your session has expired. Log in again.")), 401
    resumable = resumables().get(request.endpoint)
    if request.method == "POST" and resumable is not None:
        return _keep_posted_form(resumable)
    flash(_("Please log in to continue."), "info")
    target = request.path if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("accounts.login", next=target))


