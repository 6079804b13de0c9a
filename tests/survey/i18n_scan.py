"""Find user-facing text the message catalogue would miss: template text outside ``_()`` or
``{% trans %}``, and Python literals shown to people (flashes, form labels and validator
messages, e-mail subjects and bodies) not wrapped in a gettext call."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "survey" / "templates"
PYTHON_DIRS = [ROOT / "survey"]

# Attributes whose value a person reads or hears.
SPOKEN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "label"}
# Text that is not language: punctuation, symbols, numbers, entities.
_WORDS = re.compile(r"[^\W\d_]{2,}")
_PLACEHOLDER = "\ue000"
# Elements whose text is code or a mark, not language.
NOT_LANGUAGE_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _flatten(source: str) -> str:
    """The template with every Jinja construct, and everything inside {% trans %}, replaced by a
    placeholder: what remains is the literal text the page shows as written."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    out: list[str] = []
    depth_trans = 0
    tag: list[str] = []
    in_block = False
    for _lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            in_block, tag = True, []
            continue
        if kind == "block_end":
            in_block = False
            name = tag[0] if tag else ""
            if name in {"trans", "pluralize"} and name == "trans":
                depth_trans += 1
            elif name == "endtrans":
                depth_trans -= 1
            out.append(_PLACEHOLDER)
            continue
        if in_block:
            if kind == "name" and not tag or kind != "whitespace":
                tag.append(value)
            continue
        if kind == "data" and not depth_trans:
            out.append(value)
        elif kind in ("variable_begin", "comment_begin"):
            out.append(_PLACEHOLDER)
        elif kind == "data":
            # Keep line numbers: count newlines of translated text.
            out.append("\n" * value.count("\n"))
        elif kind == "whitespace" or kind == "linestatement_begin":
            continue
        else:
            out.append("\n" * str(value).count("\n"))
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        # Inside code, scripts or aria-hidden marks: each open element below it (None = an
        # ordinary element, popped at its end tag).
        self._stack: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in NOT_LANGUAGE_ELEMENTS or attributes.get("aria-hidden") == "true":
            self._stack.append(tag)
        elif self._stack and tag not in VOID_ELEMENTS:
            self._stack.append(None)
        for name, value in attrs:
            spoken = name in SPOKEN_ATTRIBUTES or (
                tag == "input" and name == "value"
                and attributes.get("type") in ("submit", "button", "reset"))
            if spoken and value and _WORDS.search(value.replace(_PLACEHOLDER, " ")):
                self.found.append((self.getpos()[0], f"{name}={value}"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._stack and tag not in VOID_ELEMENTS:
            self._stack.pop()

    def handle_endtag(self, tag):
        if self._stack and tag not in VOID_ELEMENTS:
            self._stack.pop()

    def handle_data(self, data):
        if any(self._stack):
            return
        text = data.replace(_PLACEHOLDER, " ").strip()
        if _WORDS.search(text):
            self.found.append((self.getpos()[0], " ".join(text.split())))


def unmarked_template_text(path: Path) -> list[Finding]:
    finder = _TextFinder()
    finder.feed(_flatten(path.read_text(encoding="utf-8")))
    finder.close()
    rel = str(path.relative_to(ROOT))
    return [Finding(rel, line, text) for line, text in finder.found]


def templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


# --- Python -------------------------------------------------------------------------------

GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext",
                 "npgettext", "lazy_pgettext", "N_", "_n"}
# Calls whose text arguments people read.
SHOWN_CALLS = {"flash": (0,), "Markup": ()}
# WTForms fields: the first argument is the label.
FIELD_SUFFIXES = ("Field",)
# Keyword arguments that are people's text wherever they appear.
SHOWN_KEYWORDS = {"label", "message", "description", "subject", "body", "html", "text_body",
                  "flash_message", "confirm_text", "title", "heading", "intro", "button"}


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _WORDS.search(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    return False


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unmarked_python_text(path: Path, source: str | None = None) -> list[Finding]:
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    rel = str(path.relative_to(ROOT)) if path.is_absolute() else str(path)
    found: list[Finding] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name in GETTEXT_NAMES:
            continue
        suspects: list[ast.AST] = []
        if name == "flash" and node.args:
            suspects.append(node.args[0])
        if name.endswith(FIELD_SUFFIXES) and name[:1].isupper() and node.args:
            suspects.append(node.args[0])
        suspects += [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
        for suspect in suspects:
            if _is_text(suspect):
                found.append(Finding(rel, suspect.lineno, ast.unparse(suspect)[:120]))
    return found


def python_modules() -> list[Path]:
    return sorted(p for d in PYTHON_DIRS for p in d.rglob("*.py")
                  if "migrations" not in p.parts)
