"""The fonts a saved (self-contained) profile needs, embedded as ``data:`` URIs.

A profile saved to disk is read where the app's fonts cannot be fetched, often on a machine
without Thai, Khmer, Arabic or Chinese fonts. For each face in ``fonts.css`` whose
``unicode-range`` covers a character of the document, this embeds that font cut down to the
document's characters (fontTools), under the same family, weight and unicode-range. An
all-Latin document embeds nothing. Flask-free: it reads only the static font files.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
_FACE = re.compile(r"@font-face\s*{([^}]*)}")
_FIELD = re.compile(r"(font-family|font-weight|unicode-range)\s*:\s*([^;]+);")
_URL = re.compile(r'src\s*:\s*url\("([^"]+)"\)')
# The tiny faces naming the languages in the switcher repeat glyphs of the full faces.
_REDUNDANT = "-language-names."
DOTTED_CIRCLE = "\u25cc"  # drawn by the shaper before a mark typed without its base


def font_faces(css: str) -> list[dict[str, str]]:
    """The @font-face rules of ``css``: family, weight, file and unicode-range of each."""
    faces = []
    for body in _FACE.findall(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        fields = {name: " ".join(value.split()) for name, value in _FIELD.findall(body)}
        fields["file"] = _URL.search(body).group(1)
        faces.append(fields)
    return faces


def code_points(unicode_range: str) -> list[range]:
    """``U+0E01-0E5B, U+25CC`` as ranges of code points."""
    found = []
    for part in unicode_range.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        found.append(range(int(first, 16), int(last or first, 16) + 1))
    return found


def embedded_font_css(document: str, fonts: Path = FONTS) -> str:
    """@font-face rules, fonts inline, for the scripts of ``document`` (HTML or text);
    empty when no face in ``fonts/fonts.css`` covers any of its characters."""
    used = set(html.unescape(document))
    rules = []
    for face in font_faces((fonts / "fonts.css").read_text(encoding="utf-8")):
        if _REDUNDANT in face["file"]:
            continue
        ranges = code_points(face["unicode-range"])
        wanted = {c for c in used if any(ord(c) in r for r in ranges)}
        if not wanted:
            continue
        if any(ord(DOTTED_CIRCLE) in r for r in ranges):
            wanted.add(DOTTED_CIRCLE)
        data, kind = subset_font(fonts / face["file"], "".join(sorted(wanted)))
        rules.append(
            f'@font-face {{ font-family: {face["font-family"]}; font-weight: {face["font-weight"]}; '
            f'src: url("data:font/{"ttf" if kind == "truetype" else "otf"};base64,'
            f'{base64.b64encode(data).decode("ascii")}") format("{kind}"); '
            f'unicode-range: {face["unicode-range"]}; }}')
    return "\n".join(rules)


def subset_font(path: Path, text: str) -> tuple[bytes, str]:
    """The font at ``path`` holding only the glyphs ``text`` needs (with every layout
    feature, so Thai, Khmer and Arabic still shape), as plain TrueType or OpenType
    (CFF) bytes, and which of the two it is."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    # Closed when done: TTFont reads lazily and would keep the file open otherwise.
    with TTFont(path) as font:  # reading the Chinese WOFF2 needs brotli
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        font.flavor = None
        out = io.BytesIO()
        font.save(out)
        return out.getvalue(), "truetype" if "glyf" in font else "opentype"
