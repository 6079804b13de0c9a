"""Response headers, friendly error pages and production safeguards for every request.

The headers are four lines of policy, so they are set here rather than through an
extension: one place to read what the browser is told.
"""

from __future__ import annotations

from flask import Flask, g, render_template, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PRODUCTION, ConfigError
from .services.sessions import SESSION_KEY

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


def _personal(req) -> bool:
    """Whether this request came with a logged-in session or an API token (no query needed)."""
    if req.endpoint == "static":
        return False
    return g.get("api_user") is not None or SESSION_KEY in session


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

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return {"error": exc.name, "detail": exc.description}, exc.code
        return render_template("errors/error.html", error=exc, code=exc.code), exc.code

    @app.errorhandler(500)
    def server_error(exc):
        # Never a stack trace: the log has it; the person gets a plain apology.
        return render_template("errors/error.html", error=None, code=500), 500
