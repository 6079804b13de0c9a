"""Response headers, friendly error pages and production safeguards for every request.

The headers are four lines of policy, so they are set here rather than through an
extension: one place to read what the browser is told.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, abort, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PRODUCTION, ConfigError

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
# Pages with their own template; any other HTTP error uses the generic one.
ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500)


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
        return Response(body, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return {"error": exc.name, "detail": exc.description}, exc.code
        return render_template("errors/error.html", error=exc, code=exc.code), exc.code

    @app.errorhandler(500)
    def server_error(exc):
        # Never a stack trace: the log has it; the person gets a plain apology.
        return render_template("errors/error.html", error=None, code=500), 500
