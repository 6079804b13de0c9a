"""The XLSForm export: what pyxform (the reference converter) and ODK Validate make of it,
and what a Kobo user sees in the workbook."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from exports.xlsform import build_xlsform, language_name
from questionnaires import bundled_definition_paths, load_definition, parse_definition
from questionnaires.xlsform import read_xlsform

from . import test_libreoffice

EVERY_FEATURE = Path(__file__).parent.parent / "questionnaires" / "data" / "xlsform-every-feature.yaml"
DEFINITIONS = [*bundled_definition_paths(formats=(1, 2)), EVERY_FEATURE]


def _xform(data: bytes) -> str:
    """The XForm pyxform makes, checked by ODK Validate too where Java is installed."""
    warnings: list[str] = []
    result = convert(data, warnings=warnings, file_type=".xlsx",
                     validate=shutil.which("java") is not None)
    assert result.warnings == [] and warnings == []
    return result.xform


def _sheet(data: bytes, name: str) -> list[dict]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_every_definition_converts_with_pyxform_without_errors_or_warnings(path):
    definition = load_definition(path)
    xform = _xform(build_xlsform(definition))
    for section in definition.sections:  # a group per section
        assert f'<group ref="/data/{section.id}"' in xform
    for question in definition.questions:
        assert f"/data/{question.section_id}/{question.id}" in xform
    assert "bali_type" not in xform and "bali_weight" not in xform


def test_the_bundled_questionnaire_reads_as_kobo_users_write_forms():
    definition = load_definition(bundled_definition_paths()[0])
    data = build_xlsform(definition)
    survey = {row["name"]: row for row in _sheet(data, "survey") if row["name"]}
    label = "label::English (en)"
    assert survey["legal"]["type"] == "begin_group"
    assert survey["leg_tip_offence"]["type"] == "select_one leg_tip_offence"
    assert survey["leg_tip_offence"]["required"] == "yes"
    assert survey["leg_tip_offence"][label] == definition.question("leg_tip_offence").label.get()
    assert survey["leg_tip_separate_smuggling"]["relevant"] == (
        "(${leg_tip_offence} = 'yes' or ${leg_tip_offence} = 'partial')")
    assert survey["op_tip_fin_inv"]["relevant"] == "${op_tip_investigations} > 0"
    assert survey["op_tip_investigations"]["constraint"] == ". >= 0"
    settings = _sheet(data, "settings")[0]
    assert settings["form_id"] == "ftm-capability" and settings["version"] == "1"
    assert settings["default_language"] == "English (en)"


def test_every_language_has_its_label_and_hint_columns():
    definition = load_definition(EVERY_FEATURE)
    data = build_xlsform(definition)
    survey = {row["name"]: row for row in _sheet(data, "survey") if row["name"]}
    assert survey["leg_offence"]["label::Français (fr)"] == "La traite est-elle une infraction ?"
    assert survey["op_cases"]["bali_unit::Français (fr)"] == "affaires"
    choices = [r for r in _sheet(data, "choices") if r["list_name"] == "leg_approach"]
    assert [(r["name"], r["label::Français (fr)"], r["bali_points"]) for r in choices] == [
        ("all_crimes", "Toutes les infractions", 1), ("threshold", "Seuil", 0.5),
        ("list", "Une liste", 0), ("other", None, None), ("unknown", "Inconnu / pas de données", None)]
    xform = _xform(data)
    assert '<translation lang="Français (fr)">' in xform
    assert "<value>Quels pouvoirs ?</value>" in xform
    assert language_name("th") == "ไทย (th)"


def test_special_answers_are_choices_ticked_alone_and_conditions_guard_unanswered_questions():
    data = build_xlsform(load_definition(EVERY_FEATURE))
    survey = {row["name"]: row for row in _sheet(data, "survey") if row["name"]}
    assert survey["leg_powers"]["constraint"] == (
        "(not(selected(., 'not_applicable')) or count-selected(.) = 1) and "
        "(not(selected(., 'unknown')) or count-selected(.) = 1)")
    # The engine's "not equal" is false for an unanswered question; in ODK '' != 'no' is true.
    assert survey["leg_court"]["relevant"] == "(${leg_offence} != '' and ${leg_offence} != 'no')"
    assert survey["leg_year"]["required"] == "${leg_offence} = 'yes'"
    # A citation is a group of its parts; conditions on it read the law's name.
    assert survey["about_law"]["type"] == "begin_group"
    assert "${about_law__instrument} = ''" in survey["op_value"]["relevant"]
    assert survey["op_cases"]["bali_bands"] == (
        '[{"max": 0, "points": 0}, {"max": 10, "points": 0.5}, {"points": 1}]')


def test_what_xlsform_cannot_say_is_in_sheets_kobo_ignores():
    data = build_xlsform(load_definition(EVERY_FEATURE))
    top = {row["key"]: row["value"] for row in _sheet(data, "bali_definition")}
    assert top["scoring"] == '{"minimum_coverage": 0.6, "unanswered": "exclude"}'
    assert top["title"] == ('{"en": "Every feature, in two languages", '
                            '"fr": "Toutes les fonctions, en deux langues"}')
    actions = {row["id"]: row for row in _sheet(data, "bali_actions")}
    assert actions["make_offence"]["when"] == "(${leg_offence} = 'no' or ${leg_offence} = 'partial')"
    assert actions["make_offence"]["gap::Français (fr)"] == "La traite n'est pas pleinement une infraction."
    assert actions["count_cases"]["priority"] == "medium"


def test_text_that_looks_like_a_formula_is_written_as_text():
    data = build_xlsform(load_definition(EVERY_FEATURE))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["survey"]
    header = [c.value for c in sheet[1]]
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    help_en = cells["about_agency"][header.index("hint::English (en)")]
    help_fr = cells["about_agency"][header.index("hint::Français (fr)")]
    assert help_en.data_type == "s" and help_en.value.startswith("=HYPERLINK(")
    assert help_en.quotePrefix and help_fr.quotePrefix and help_fr.value == "-5 reste du texte."


def test_a_condition_xlsform_cannot_say_is_kept_for_the_importer():
    """A future condition kind (format 2's member comparisons, say) goes to bali_more."""
    from questionnaires.conditions import Compare

    class MemberCompare(Compare):
        pass

    definition = load_definition(EVERY_FEATURE)
    question = definition.question("op_note")
    object.__setattr__(question, "relevant", MemberCompare("leg_powers", "equals", "freeze"))
    definition.question("leg_powers").kind.xlsform_compare = _refuse
    try:
        data = build_xlsform(definition)
    finally:
        del definition.question("leg_powers").kind.xlsform_compare
    survey = {row["name"]: row for row in _sheet(data, "survey") if row["name"]}
    assert survey["op_note"]["relevant"] is None
    assert survey["op_note"]["bali_more"] == '{"relevant": {"equals": "freeze", "question": "leg_powers"}}'


def _refuse(question, op, operand):
    raise ValueError("no XLSForm form")


def test_a_minimal_definition_converts_too():
    definition = parse_definition({
        "code": "tiny", "version": 1, "title": "Tiny",
        "sections": [{"id": "main", "title": "Main", "questions": [
            {"id": "q_one", "type": "yes_no", "label": "One?"}]}]})
    xform = _xform(build_xlsform(definition))
    assert re.search(r'<select1 ref="/data/main/q_one"', xform)


soffice = test_libreoffice.soffice  # the fixture: skips without LibreOffice, or fails in CI


@pytest.mark.slow
def test_libreoffice_opens_the_xlsform_and_its_copy_reads_back_the_same(soffice, tmp_path):
    """Saved again by LibreOffice (as an official editing it would), the form still reads
    back as the same definition and still converts."""
    definition = load_definition(EVERY_FEATURE)
    source = tmp_path / "form.xlsx"
    source.write_bytes(build_xlsform(definition))
    saved = tmp_path / "saved"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved),
                    str(source)], check=True, capture_output=True, timeout=120)
    again = (saved / "form.xlsx").read_bytes()
    assert read_xlsform(again, definition.code).definition == definition
    _xform(again)


def test_format_2_types_are_written_as_kobo_and_odk_can_field_them():
    """Derived values as calculate, composite answers as groups of parts with their own
    choice lists, exclusive options through count-selected()."""
    definition = load_definition(bundled_definition_paths(formats=(2,))[0])
    data = build_xlsform(definition)
    survey = {row["name"]: row for row in _sheet(data, "survey") if row["name"]}
    lists: dict[str, list[str]] = {}
    for row in _sheet(data, "choices"):
        lists.setdefault(row["list_name"], []).append(row["name"])
    derived = next(q for q in definition.questions if q.type == "derived")
    rule = derived.derive
    row = survey[derived.id]
    assert row["type"] == "calculate" and row["bali_type"] == "derived"
    assert row["calculation"].startswith(
        f"if(${{{rule.numerator}}} != '' and ${{{rule.denominator}}} != '' and "
        f"${{{rule.denominator}}} > 0, round(")
    period = next(q for q in definition.questions if q.type == "statistical_year")
    assert survey[period.id]["type"] == "begin_group"
    assert survey[f"{period.id}__basis"]["type"] == f"select_one {period.id}__basis"
    assert lists[f"{period.id}__basis"] == ["calendar", "financial", "judicial", "other"]
    assert "regex(" in survey[f"{period.id}__start"]["constraint"]
    rating = next(q for q in definition.questions if q.type == "evaluation_rating")
    assert survey[f"{rating.id}__rating"]["type"] == f"select_one {rating.id}__rating"
    assert lists[f"{rating.id}__methodology"] == ["2004", "2013", "2022"]
    multi = next(q for q in definition.questions if q.type == "multiple_choice"
                 and any(o.exclusive for o in q.options))
    alone = next(o.code for o in multi.options if o.exclusive)
    assert f"(not(selected(., '{alone}')) or count-selected(.) = 1)" in survey[multi.id]["constraint"]
    xform = _xform(data)
    assert 'calculate="if( /data/' in xform
    assert f"/data/{period.section_id}/{period.id}/{period.id}__basis" in xform
