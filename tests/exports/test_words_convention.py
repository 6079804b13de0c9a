"""The exports' own words reach the catalogue: ``words(N_("…"))``, never a bare literal.

``make messages`` extracts ``N_`` (pybabel ``-k N_``); a text handed to ``words`` as a bare
literal or an f-string would be translated by nobody. Figures go in as ``%(name)s``
placeholders, so a translation may reorder them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import exports

WORDS = {"words", "w"}  # the names a builder gives the caller's translation
PACKAGE = Path(exports.__file__).parent


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.IfExp):
        return _literal(node.body) or _literal(node.orelse)
    return isinstance(node, ast.BinOp) and (_literal(node.left) or _literal(node.right))


def test_every_text_given_to_words_is_marked_for_the_catalogue():
    bare = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _callee(node) in WORDS and node.args \
                    and _literal(node.args[0]):
                bare.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and _callee(node) == "N_":
                text = node.args[0]
                assert isinstance(text, ast.Constant) and isinstance(text.value, str), \
                    f"{path.name}:{node.lineno}: N_ takes one plain string"
                assert "{" not in text.value or "%(" in text.value or "{n}" in text.value, \
                    f"{path.name}:{node.lineno}: name figures %(name)s, not {{}}"
    assert not bare, "wrap in words(N_(…)):\n" + "\n".join(bare)


def test_the_catalogue_list_of_headings_has_no_duplicates():
    assert len(set(exports.HEADINGS)) == len(exports.HEADINGS)
    assert set(exports.DATA_COLUMNS) <= set(exports.HEADINGS)
