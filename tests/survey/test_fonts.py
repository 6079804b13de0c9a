"""The fonts the app serves (survey/static/fonts): the language switcher on every page is drawn
from tiny subsets, so an English page never needs a whole Thai, Arabic or Chinese font."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from survey.profile_pages.embedded_fonts import FONTS, code_points, font_faces

FACES = font_faces((FONTS / "fonts.css").read_text(encoding="utf-8"))


def covering(char: str) -> list[dict[str, str]]:
    return [f for f in FACES if any(ord(char) in r for r in code_points(f["unicode-range"]))]


def test_every_character_of_the_language_names_comes_from_a_tiny_subset(app):
    names = "".join(app.config["SURVEY_LANGUAGES"].values())
    for char in {c for c in names if covering(c)}:
        last = covering(char)[-1]  # the face declared last wins for its characters
        assert "-language-names." in last["file"], (char, last["file"])
        with TTFont(FONTS / last["file"]) as font:  # closed: an open file warns later
            assert ord(char) in font.getBestCmap(), char
        assert (FONTS / last["file"]).stat().st_size < 8_000


def test_the_subsets_only_claim_characters_of_the_language_names(app):
    names = set("".join(app.config["SURVEY_LANGUAGES"].values()))
    for face in FACES:
        if "-language-names." in face["file"]:
            claimed = {chr(c) for r in code_points(face["unicode-range"]) for c in r}
            assert claimed <= names, (face["file"], claimed - names)
            assert face["font-weight"] != "700"
