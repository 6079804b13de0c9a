"""A saved profile (one self-contained file) carries the fonts of the scripts it shows, cut
down to its characters, so it reads the same on a machine without Thai, Khmer, Arabic or
Chinese fonts (issue 13 §4); an all-Latin profile carries none."""

from __future__ import annotations

import base64
import html
import io
import re

import pytest
from flask_babel import refresh
from fontTools.ttLib import TTFont

from survey.answering.responses import answers_of, save_answer
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.members import country_by_iso3
from survey.profile_pages.embedded_fonts import FONTS, code_points, embedded_font_css, font_faces
from survey.profile_pages.rendering import standalone_profile_html
from survey.rounds import round_by_name
from tests.survey.review.review_helpers import response_of, user

KHMER = "ក្រសួងយុត្តិធម៌"          # "Ministry of Justice", as typed in Cambodia
THAI = "สำนักงานป้องกันและปราบปรามการฟอกเงิน"
ARABIC = "يرجى ذكر عدد طلبات المساعدة القانونية المتبادلة."
CHINESE = "请补充司法协助请求的数量。"
SHIPPED = {(f["font-family"], f["font-weight"], f["unicode-range"])
           for f in font_faces((FONTS / "fonts.css").read_text(encoding="utf-8"))}


def typed_in_khmer(response) -> None:
    """Cambodia's evidence for its first legal answer, typed in Khmer."""
    value = answers_of(response)["leg_tip_offence"].value
    save_answer(response, "leg_tip_offence", value, user("admin@example.org"), evidence=KHMER)
    db.session.commit()


def saved_profile(app, iso3: str, language: str) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        refresh()  # the locale is kept for the app context, which the tests share
        return standalone_profile_html(round_by_name(CURRENT_ROUND), country_by_iso3(iso3))


def embedded(page: str) -> dict[tuple[str, str], tuple[set[int], list[range]]]:
    """(family, weight) → (the code points its embedded font maps, its unicode-range)."""
    found = {}
    for face in font_faces(page):
        assert (face["font-family"], face["font-weight"], face["unicode-range"]) in SHIPPED
        data = base64.b64decode(re.fullmatch(r"data:font/(?:ttf|otf);base64,(.+)", face["file"]).group(1))
        font = TTFont(io.BytesIO(data))
        assert font.flavor is None  # plain TrueType / OpenType: no WOFF2 decoder needed
        found[face["font-family"].strip('"'), face["font-weight"]] = (
            set(font.getBestCmap()), code_points(face["unicode-range"]))
    return found


def assert_covers(page: str, fonts: dict) -> None:
    """Every character of the page that a face's range claims is a glyph of its font."""
    used = {ord(c) for c in html.unescape(page)}
    for (family, weight), (cmap, ranges) in fonts.items():
        claimed = {c for c in used if any(c in r for r in ranges)}
        assert claimed and claimed <= cmap, (family, weight, sorted(map(chr, claimed - cmap)))


def test_an_english_profile_embeds_no_font(app, demo):
    page = saved_profile(app, "THA", "en")
    assert "@font-face" not in page and "data:font" not in page


def test_the_embedder_embeds_one_font_per_script_and_weight_only_when_used():
    assert embedded_font_css("<p>Plain English &amp; Français, Tiếng Việt</p>") == ""
    fonts = embedded(embedded_font_css(f"<p>{THAI} {KHMER} {ARABIC} {CHINESE}</p>"))
    assert set(fonts) == {("Noto Sans Thai", "400"), ("Noto Sans Thai", "700"),
                          ("Noto Sans Khmer", "400"), ("Noto Sans Khmer", "700"),
                          ("Noto Sans Arabic", "400"), ("Noto Sans Arabic", "700"),
                          ("Noto Sans SC", "400 700")}
    for text, family in ((THAI, "Thai"), (KHMER, "Khmer"), (ARABIC, "Arabic"), (CHINESE, "SC")):
        cmap = fonts[f"Noto Sans {family}", "400 700" if family == "SC" else "400"][0]
        assert {ord(c) for c in text if not c.isspace() and c != "."} <= cmap, family
        assert len(cmap) < 3 * len(set(text)) + 10  # cut down to the text, not the whole font


@pytest.mark.parametrize(("language", "script"), [("th", "Thai"), ("ar", "Arabic"),
                                                  ("zh-CN", "SC")])
def test_a_saved_profile_embeds_the_fonts_of_its_language_and_of_typed_khmer(app, demo, language,
                                                                            script):
    khm = response_of("KHM", CURRENT_ROUND)
    typed_in_khmer(khm)
    page = saved_profile(app, "KHM", language)
    assert KHMER in page
    fonts = embedded(page)
    assert {family for family, _ in fonts} == {f"Noto Sans {script}", "Noto Sans Khmer"}
    assert_covers(page, fonts)
    assert {ord(c) for c in KHMER} <= fonts["Noto Sans Khmer", "400"][0]


def test_the_command_line_saves_a_profile_in_a_language_with_its_fonts(app, demo, runner, tmp_path):
    from survey.cli import cli

    out = tmp_path / "tha.html"
    result = runner.invoke(cli, ["profile", "THA", "--round", CURRENT_ROUND, "--out", str(out),
                                 "--language", "th"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="th"' in page
    assert set(embedded(page)) == {("Noto Sans Thai", "400"), ("Noto Sans Thai", "700")}
    wrong = runner.invoke(cli, ["profile", "THA", "--round", CURRENT_ROUND, "--out", str(out),
                                "--language", "xx"])
    assert wrong.exit_code == 2 and "--language" in wrong.output
