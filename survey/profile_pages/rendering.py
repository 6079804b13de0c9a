"""A country profile as HTML: the page, and one self-contained file for the command line."""

from __future__ import annotations

from pathlib import Path

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from profiles import score_chart_svg

from ..models import Country, Round
from . import services as profile_service


def render_profile(round_: Round, country: Country, *, template: str = "profile_pages/show.html",
                   **extra) -> str:
    """The profile page as HTML (also used by the CLI for a self-contained file), in the
    language of the person asking (the request's locale)."""
    profile = profile_service.profile_for(round_, country, language=str(get_locale() or "en"))
    chart = Markup(score_chart_svg(profile))  # noqa: S704 - every text inside is escaped
    return render_template(template, profile=profile, chart=chart, round=round_,
                           country=country, **extra)


def standalone_profile_html(round_: Round, country: Country) -> str:
    """One self-contained HTML file: styles and the chart inline, no link to the app."""
    static = Path(__file__).parent.parent / "static"
    css = "\n".join((static / name).read_text(encoding="utf-8") for name in ("app.css", "review.css"))
    return render_profile(round_, country, template="profile_pages/standalone.html", css=Markup(css))  # noqa: S704
