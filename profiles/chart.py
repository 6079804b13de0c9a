"""Server-side SVG chart: a country's scores beside the regional spread.

One row per pillar and one for the overall score, on a 0–100 scale: the regional
interquartile range as a box with the median as a bar and the range as whiskers,
the sub-regional median as a tick, and the country as a dot. No JavaScript and no
external assets, so it prints as it looks. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from .method import N_, _same
from .profile import Profile, ScoreLine

Words = Callable[[str], str]

WIDTH = 680
LABEL_W = 110
PLOT_X0 = LABEL_W + 12
PLOT_X1 = WIDTH - 120
ROW_H = 40
TOP = 62

COUNTRY = "#0b5394"
REGION_BOX = "#d6e4f0"
REGION_LINE = "#52606d"
SUBREGION = "#b35c00"


def _x(score: float) -> float:
    return round(PLOT_X0 + (PLOT_X1 - PLOT_X0) * max(0.0, min(100.0, score)) / 100, 1)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def score_chart_svg(profile: Profile, *, title: str | None = None, words: Words = _same) -> str:
    """The chart as an ``<svg>`` string, ready to inline in HTML; ``words`` translates its
    own texts (title, legend, the description screen readers read)."""
    lines = profile.scores
    height = TOP + ROW_H * len(lines) + 34
    title = title or words(N_("%(country)s: scores beside the region (%(round)s)")) % {
        "country": profile.country, "round": profile.round}
    desc = "; ".join(_describe(line, words) for line in lines)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        *_legend(profile, words),
    ]
    for index, line in enumerate(lines):
        parts.extend(_row(line, TOP + index * ROW_H, index == len(lines) - 1, words))
    axis_y = TOP + ROW_H * len(lines) + 4
    parts.append(f'<line x1="{PLOT_X0}" y1="{axis_y}" x2="{PLOT_X1}" y2="{axis_y}" '
                 f'stroke="{REGION_LINE}" stroke-width="1"/>')
    for tick in (0, 25, 50, 75, 100):
        x = _x(tick)
        parts.append(f'<line x1="{x}" y1="{TOP - 6}" x2="{x}" y2="{axis_y + 4}" stroke="#d5dbe1" '
                     f'stroke-width="1" stroke-dasharray="2 3"/>')
        parts.append(f'<text x="{x}" y="{axis_y + 18}" text-anchor="middle" fill="#52606d">'
                     f'{tick}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(profile: Profile, words: Words) -> list[str]:
    region = words(N_("Region: median and quartiles, whiskers to the range (%(n)s approved)")) % {
        "n": profile.approved_countries}
    subregion = words(N_("Sub-regional median (%(subregion)s)")) % {
        "subregion": words(profile.subregion) if profile.subregion else ""}
    return [
        f'<circle cx="16" cy="14" r="6" fill="{COUNTRY}"/>',
        f'<text x="28" y="18">{escape(profile.country)}</text>',
        f'<path d="M{WIDTH - 316} 6 l6 8 l-12 0 z" fill="{SUBREGION}"/>',
        f'<text x="{WIDTH - 302}" y="18">{escape(subregion)}</text>',
        f'<rect x="6" y="28" width="22" height="14" fill="{REGION_BOX}" stroke="{REGION_LINE}"/>',
        f'<line x1="17" y1="28" x2="17" y2="42" stroke="{REGION_LINE}" stroke-width="3"/>',
        f'<text x="36" y="40">{escape(region)}</text>',
    ]


def _row(line: ScoreLine, y: int, last: bool, words: Words) -> list[str]:
    mid = y + ROW_H / 2
    weight = ' font-weight="bold"' if last else ""
    out = [f'<text x="{LABEL_W}" y="{mid + 4}" text-anchor="end"{weight}>{escape(line.short_title)}</text>',
           f'<line x1="{PLOT_X0}" y1="{mid}" x2="{PLOT_X1}" y2="{mid}" stroke="#eceff2" '
           'stroke-width="8" stroke-linecap="round"/>']
    region = line.region
    # A spread may come without its range (public outputs) or without its median
    # (fewer than 3 members): only what it holds is drawn.
    if region.low is not None and region.high is not None:
        out.append(f'<line x1="{_x(region.low)}" y1="{mid}" x2="{_x(region.high)}" y2="{mid}" '
                   f'stroke="{REGION_LINE}" stroke-width="1.5"/>')
        for end in (region.low, region.high):
            out.append(f'<line x1="{_x(end)}" y1="{mid - 6}" x2="{_x(end)}" y2="{mid + 6}" '
                       f'stroke="{REGION_LINE}" stroke-width="1.5"/>')
    if region.median is not None and region.q1 is not None and region.q3 is not None:
        left, right = _x(region.q1), _x(region.q3)
        out.append(f'<rect x="{left}" y="{mid - 10}" width="{max(1.0, round(right - left, 1))}" '
                   f'height="20" fill="{REGION_BOX}" stroke="{REGION_LINE}"/>')
        out.append(f'<line x1="{_x(region.median)}" y1="{mid - 10}" x2="{_x(region.median)}" '
                   f'y2="{mid + 10}" stroke="{REGION_LINE}" stroke-width="3"/>')
    if line.subregion.median is not None:
        sx = _x(line.subregion.median)
        out.append(f'<path d="M{sx} {mid - 18} l5 7 l-10 0 z" fill="{SUBREGION}"/>')
    if line.score is None:
        out.append(f'<text x="{PLOT_X1 + 8}" y="{mid + 4}" fill="#9b1c1c" font-style="italic">'
                   f'{escape(words(N_("insufficient data")))}</text>')
    else:
        cx = _x(line.score)
        out.append(f'<circle cx="{cx}" cy="{mid}" r="7" fill="{COUNTRY}" stroke="#fff" '
                   'stroke-width="1.5"/>')
        out.append(f'<text x="{PLOT_X1 + 8}" y="{mid + 5}" font-weight="bold" fill="{COUNTRY}">'
                   f'{_fmt(line.score)}</text>')
    return out


def _describe(line: ScoreLine, words: Words = _same) -> str:
    country = words(N_("insufficient data")) if line.score is None else _fmt(line.score)
    if line.region.empty:
        region = words(N_("no approved responses"))
    elif line.region.median is None:
        region = words(N_("no regional median: fewer than 3 members"))
    else:
        region = words(N_("regional median %(median)s, quartiles %(q1)s–%(q3)s")) % {
            "median": _fmt(line.region.median), "q1": _fmt(line.region.q1),
            "q3": _fmt(line.region.q3)}
    return f"{line.title}: {country} ({region})"
