"""Every text a person reads goes through the message catalogue, so every shipped language can
translate it: template text outside ``_()``/``{% trans %}`` and Python literals shown to people
(flashes, form labels and validator messages, e-mail subjects and bodies) fail this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.survey.i18n_scan import (
    ROOT,
    python_modules,
    templates,
    unmarked_python_text,
    unmarked_template_text,
)

# Text that is not language, or is stored data rather than the interface, with the reason.
ALLOWED = {
    ("survey/templates/home/index.html", "ISO3"),  # the code standard's name, in every language
    ("survey/templates/accounts/tokens.html", "openapi.json"),  # a file's name
    ("survey/templates/api/reference.html", "openapi.json"),  # a file's name
    # The reason typed by the reviewer is kept as the comment's text, as recorded.
    ("survey/review/services.py", "f'Reopened: {reason}'"),
}


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_text_is_marked_for_translation(template: Path):
    unmarked = [f for f in unmarked_template_text(template) if (f.path, f.text) not in ALLOWED]
    assert not unmarked, "wrap in {{ _('…') }}:\n" + "\n".join(map(str, unmarked))


@pytest.mark.parametrize("module", python_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_text_people_read_is_marked(module: Path):
    unmarked = [f for f in unmarked_python_text(module) if (f.path, f.text) not in ALLOWED]
    assert not unmarked, "wrap in _() / _l():\n" + "\n".join(map(str, unmarked))


def test_the_scan_sees_every_template_and_module():
    assert len(templates()) >= 50
    assert any(p.name == "base.html" for p in templates())
    assert any(p.name == "audit_words.py" for p in python_modules())


@pytest.mark.parametrize("source, found", [
    ('<p>Hello</p>', ["Hello"]),
    ('<p>{{ _("Hello") }}</p>', []),
    ('<p>{% trans %}Hello {{ name }}{% endtrans %}</p>', []),
    ('<a title="Open it" href="{{ url }}">{{ _("x") }}</a>', ["title=Open it"]),
    ('<input type="submit" value="Save">', ["value=Save"]),
    ('<button name="b" value="mine">{{ _("Keep") }}</button>', []),
    ('<code>curl -H x</code><span aria-hidden="true">BP</span>', []),
    ('<p>{{ n }} · {{ m }} — 12 %</p>', []),
])
def test_the_template_scan_finds_unmarked_text(tmp_path, source, found):
    path = ROOT / "tests" / "survey" / "_scan_probe.html"
    try:
        path.write_text(source, encoding="utf-8")
        assert [f.text for f in unmarked_template_text(path)] == found
    finally:
        path.unlink()


@pytest.mark.parametrize("source, found", [
    ('flash("Saved.", "success")', ["'Saved.'"]),
    ('flash(_("Saved."), "success")', []),
    ('flash(f"{n} saved")', ["f'{n} saved'"]),
    ('x = StringField("Name", validators=[Length(max=3, message="Too long")])', ["'Name'", "'Too long'"]),
    ('x = StringField(_l("Name"))', []),
    ('send_mail(to, subject="Hello there", body=_("x"))', ["'Hello there'"]),
])
def test_the_python_scan_finds_unmarked_text(source, found):
    findings = unmarked_python_text(Path("probe.py"), source)
    assert sorted(f.text for f in findings) == sorted(found)
