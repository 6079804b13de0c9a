"""A country profile as HTML: the page, and one self-contained file for the command line."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from profiles import score_chart_svg

from ..models import Country, Round
from ..words import words_in
from . import services as profile_service
from .embedded_fonts import embedded_font_css


def render_profile(round_: Round, country: Country, *, template: str = "profile_pages/show.html",
                   public: bool = False, **extra) -> str:
    """The profile page as HTML (also used by the CLI for a self-contained file), in the
    language of the person asking (the request's locale). ``public`` shows only what a
    public output may (see ``profile_service.profile_for``)."""
    language = profile_language()
    profile = profile_service.profile_for(round_, country, language=language, public=public)
    chart = Markup(score_chart_svg(profile, words=words_in(language)))  # noqa: S704 - escaped
    version = round_.questionnaire
    return render_template(template, profile=profile, chart=chart, round=round_,
                           country=country, public=public, profile_lang=language,
                           languages=current_app.config["SURVEY_LANGUAGES"],
                           method_url=_absolute(url_for("profile_pages.method",
                                                        code=version.code,
                                                        version=version.version)),
                           method_changed_from=_previous_key(round_), **extra)


def profile_language() -> str:
    """The language a profile or download is produced in: ``?language=`` when it names a
    shipped language, else the person's own."""
    wanted = request.args.get("language", "")
    if wanted in current_app.config["SURVEY_LANGUAGES"]:
        return wanted
    return str(get_locale() or "en")


def _absolute(path: str) -> str:
    """An address that also works from a saved file (SURVEY_BASE_URL when set)."""
    base = current_app.config.get("SURVEY_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def _previous_key(round_: Round) -> str | None:
    previous = round_.previous_round
    if previous is None or previous.questionnaire_version_id == round_.questionnaire_version_id:
        return None
    return previous.questionnaire.key


def standalone_profile_html(round_: Round, country: Country) -> str:
    """One self-contained HTML file: styles, the chart and the fonts of the scripts it
    shows (Thai, Khmer, Arabic, Chinese; cut down to its characters) inline, no link to
    the app, so it reads the same on a machine without those fonts."""
    static = Path(__file__).parent.parent / "static"
    css = "\n".join((static / name).read_text(encoding="utf-8") for name in ("app.css", "review.css"))
    page = render_profile(round_, country, template="profile_pages/standalone.html", css=Markup(css))  # noqa: S704
    fonts = embedded_font_css(page)
    return page.replace("</head>", f"<style>\n{fonts}\n</style>\n</head>", 1) if fonts else page
