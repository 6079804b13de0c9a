"""Response headers, friendly error pages and production safeguards for every request.

The headers are four lines of policy, so they are set here rather than through an
extension: one place to read what the browser is told.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, g, jsonify, render_template, request, session
from flask import Response as FlaskResponse
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PRODUCTION, ConfigError
from .extensions import db, login_manager

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def token_hash(raw: str) -> str:
    """What is stored of a random secret (session key, one-time link, API token, kept form):
    its SHA-256, so a copy of the database cannot be used to act as anybody."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _personal(req) -> bool:
    """Whether this request came with a logged-in session or an API token (no query needed)."""
    from .accounts.sessions import SESSION_KEY  # accounts builds on this module

    if req.endpoint == "static":
        return False
    return g.get("api_user") is not None or SESSION_KEY in session


# Anything but printable ASCII (controls, spaces, other scripts' look-alike slashes), and
# backslashes: browsers drop tab/CR/LF from URLs and read "\\" as "/", so they can turn a
# path into "//host".
_NOT_IN_A_SAFE_PATH = re.compile(r"[^\x21-\x7e]|\\")
MAX_NEXT_LENGTH = 2000


def safe_next_url(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None``: the one check for every
    redirect to a place a request names (``next`` on forms and links).

    Accepted: "/" followed by anything but a second "/" or a backslash, in printable
    ASCII, also after percent-decoding once (so "/%2F/host" is refused too). Refused:
    schemes, hosts, scheme-relative "//host", backslashes, control characters, spaces.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return None
    for candidate in (target, unquote(target)):
        if _NOT_IN_A_SAFE_PATH.search(candidate):
            return None
        if not candidate.startswith("/") or candidate.startswith("//"):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target


def init_security(app: Flask) -> None:
    if app.config.get("SURVEY_ENV") == PRODUCTION and app.debug:
        raise ConfigError("production mode refuses to run with the debugger on "
                          "(unset FLASK_DEBUG)")
    if app.config.get("SURVEY_PROXY_FIX"):
        # Behind one reverse proxy: trust its X-Forwarded-For/-Proto/-Host, one hop only.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if _personal(request):
            # Logged-in pages, downloads and API answers stay out of every cache (a shared
            # computer's browser, a proxy); public pages and static files may be cached.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/.well-known/security.txt")
    def security_txt():
        """Where to report a problem (RFC 9116), when SURVEY_SECURITY_CONTACT says so."""
        contact = app.config.get("SURVEY_SECURITY_CONTACT")
        if not contact:
            abort(404)
        if "@" in contact and not contact.startswith(("mailto:", "https:", "http:")):
            contact = "mailto:" + contact
        expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=365)
        body = f"Contact: {contact}\nExpires: {expires.isoformat().replace('+00:00', 'Z')}\n"
        return FlaskResponse(body, mimetype="text/plain")

    _register_error_handlers(app)


# -- errors: friendly pages, and one JSON shape under /api/ ------------------------------

API_PREFIX = "/api/"
DATABASE_UNAVAILABLE = "The database is not answering. Nothing was changed; try again in a minute."
RETRY_AFTER_SECONDS = 30


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, message: str | None = None,
               headers: Iterable[tuple[str, str]] = ()) -> FlaskResponse:
    """The one shape of every error under /api/: ``{"error": message, "status": code}``."""
    response = jsonify({"error": message or HTTP_STATUS_CODES.get(status, "Error"),
                        "status": status})
    response.status_code = status
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if is_api_request():
            return json_error(exc.code or 500, exc.description, exc.get_headers())
        return render_template("errors/error.html", error=exc, code=exc.code), exc.code

    @app.errorhandler(500)
    def server_error(exc):
        # Never a stack trace nor an exception's name: the log has it.
        if is_api_request():
            return json_error(500, "Something went wrong on the server; the error is logged.")
        return render_template("errors/error.html", error=None, code=500), 500

    @app.errorhandler(OperationalError)
    @app.errorhandler(SQLAlchemyTimeoutError)
    def database_unavailable(exc):
        """The database refused, timed out (connect or statement timeout) or is gone: 503."""
        app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                           str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        with contextlib.suppress(SQLAlchemyError):  # the connection may be gone too
            db.session.rollback()
        headers = [("Retry-After", str(RETRY_AFTER_SECONDS))]
        if is_api_request():
            return json_error(503, DATABASE_UNAVAILABLE, headers)
        # The page must not need the database: show it as to a visitor who is not logged in.
        g._login_user = login_manager.anonymous_user()
        return render_template("errors/error.html", error=None, code=503), 503, headers

    @app.after_request
    def api_errors_are_json(response: FlaskResponse) -> FlaskResponse:
        """Whatever produced an error under /api/ (another module's handler included),
        it reaches the client in the API's JSON shape."""
        if response.status_code >= 400 and not response.is_json and is_api_request():
            return json_error(response.status_code, None, response.headers.items())
        return response
