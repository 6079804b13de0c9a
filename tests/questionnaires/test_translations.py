"""The translation layer of a questionnaire version, pure: texts, laying over, files, checks."""

import io
from pathlib import Path

import openpyxl
import pytest

from exports.translation_workbook import build_translation_workbook
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.safe_workbook import WorkbookError
from questionnaires.translations import (
    CHECKED,
    DRAFT,
    Row,
    Translation,
    TranslationFileError,
    compare,
    coverage,
    read_po,
    read_workbook_rows,
    source_hash,
    text_entries,
    translate,
    write_po,
)

V1, V2 = (load_definition(p) for p in bundled_definition_paths((1, 2)))


def _layer(definition, texts: dict[str, str], status=DRAFT):
    english = {e.key: e.english for e in text_entries(definition)}
    return {k: Translation(t, source_hash(english[k]), status) for k, t in texts.items()}


def test_every_text_of_the_newest_version_has_one_key_by_question_id_and_field():
    entries = text_entries(V2)
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys))
    fields = {e.field.split(":")[0] for e in entries}
    assert {"label", "help", "option", "unit", "action", "action gap", "section intro",
            "section title", "check message"} <= fields
    assert "inst_agencies|option:police" in keys and "institutions|section intro" in keys


def test_the_layer_wins_over_the_file_which_wins_over_english():
    q = V1.question("inst_lead_agency") if V1.has_question("inst_lead_agency") else V1.questions[0]
    layer = _layer(V1, {f"{q.id}|label": "Quel organisme a coordonné ?"})
    french = translate(V1, "fr", layer)
    moved = french.question(q.id)
    assert moved.label.get("fr") == "Quel organisme a coordonné ?"
    assert moved.label.get("en") == q.label.get("en")  # English stays one click away
    assert moved.label.is_draft("fr") and not moved.help.is_draft("fr")
    # A text the layer does not translate keeps the file's own French, else English.
    assert moved.help.get("fr") == q.help.get("fr")
    assert translate(V1, "th", {}).question(q.id).label.get("th") == q.label.get("en")
    # Codes, logic and scoring never change: only texts do.
    assert [o.code for o in moved.options] == [o.code for o in q.options]
    assert french.checksum() == V1.checksum()


def test_a_checked_translation_is_not_marked_draft_and_a_since_changed_one_is_not_shown():
    q = V1.questions[0]
    checked = translate(V1, "fr", _layer(V1, {f"{q.id}|label": "Vérifié"}, CHECKED))
    assert checked.question(q.id).label.get("fr") == "Vérifié"
    assert not checked.question(q.id).label.is_draft("fr")
    stale = {f"{q.id}|label": Translation("Ancien", source_hash("older English"), DRAFT)}
    assert translate(V1, "fr", stale).question(q.id).label.get("fr") != "Ancien"


def test_a_po_file_round_trips_with_drafts_as_fuzzy():
    layer = _layer(V2, {"inst_agencies|label": "Quels autres organismes ?",
                        "inst_agencies|option:police": "Police"}, DRAFT)
    layer["institutions|section title"] = Translation(
        "À propos de cette réponse", source_hash("About this response"), CHECKED)
    data = write_po(V2, "fr", layer)
    text = data.decode()
    assert 'msgctxt "inst_agencies|option:police"' in text and "#, fuzzy" in text
    meta, rows = read_po(data)
    assert meta == {"language": "fr", "questionnaire": "ftm-capability:2"}
    result = compare(V2, "fr", rows, layer)
    assert result.changes == [] and result.unchanged == 3 and not result.problems
    by_key = {r.key: r for r in rows}
    assert by_key["institutions|section title"].status == CHECKED
    assert by_key["inst_agencies|label"].status == DRAFT


def test_an_upload_lists_missing_extra_since_changed_and_refuses_placeholders():
    check = next(e for e in text_entries(V2) if e.field == "check message" and "{" in e.english)
    rows = [
        Row("line 1", "inst_agencies|label", "Quels autres organismes ?", DRAFT,
            english=V2.question("inst_agencies").label.get()),
        Row("line 2", "no_such_question|label", "Rien", DRAFT, english="Nothing"),
        Row("line 3", "inst_contact|label", "Qui contacter ?", DRAFT,
            english="An older English question"),
        Row("line 4", check.key, "Le nombre est trop grand.", DRAFT, english=check.english),
        Row("line 5", "inst_lead_agency|label", "Quel organisme ?", "maybe",
            english=V2.question("inst_lead_agency").label.get()),
    ]
    result = compare(V2, "fr", rows, {})
    assert [c["key"] for c in result.changes] == ["inst_agencies|label"]
    assert result.extra == [{"where": "line 2", "key": "no_such_question|label"}]
    assert [s["key"] for s in result.since_changed] == ["inst_contact|label"]
    refused = {r["key"]: r["why"] for r in result.refused}
    assert "placeholders do not match" in refused[check.key]
    assert "{value:" in refused[check.key] and "leaves out" in refused[check.key]
    assert "not draft or checked" in refused["inst_lead_agency|label"]
    assert "inst_contact|label" in result.missing and "inst_agencies|label" not in result.missing
    assert result.problems == 4


def test_coverage_counts_layer_file_and_since_changed_texts():
    total = len(text_entries(V1))
    q = V1.questions[0]
    layer = _layer(V1, {f"{q.id}|label": "Traduit"}, CHECKED)
    layer[f"{q.id}|help"] = Translation("Ancien", source_hash("old"), DRAFT)
    result = coverage(V1, "th", layer)
    assert (result.total, result.translated, result.checked, result.since_changed) == (
        total, 1, 1, 1)
    assert result.in_file == 0 and result.percent == round(100 / total)


def test_the_translation_workbook_round_trips_and_never_runs_a_formula():
    hostile = '=HYPERLINK("http://evil.example","click")'
    layer = _layer(V2, {"inst_agencies|label": hostile, "inst_agencies|help": "Aide"})
    data = build_translation_workbook(V2, "fr", "Français", layer)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Translations"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    assert sheet.column_dimensions["F"].hidden and sheet.protection.sheet
    meta, rows = read_workbook_rows(data)
    assert meta["questionnaire"] == "ftm-capability:2" and meta["language"] == "fr"
    assert len(rows) == len(text_entries(V2))
    result = compare(V2, "fr", rows, layer)
    assert result.changes == [] and result.unchanged == 2 and not result.problems

    # A translator fills in a text: it is the one change.
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Translations"]
    for row in ws.iter_rows(min_row=5):
        if row[5].value == "inst_agencies|option:police":
            row[3].value, row[4].value = "Police ou autres services d'enquête", "checked"
    out = io.BytesIO()
    book.save(out)
    _, rows = read_workbook_rows(out.getvalue())
    result = compare(V2, "fr", rows, layer)
    assert result.changes == [{"key": "inst_agencies|option:police", "old": None,
                               "old_status": None, "new": "Police ou autres services d'enquête",
                               "status": "checked",
                               "hash": source_hash("Police or other investigative agencies")}]


def test_files_that_are_not_translation_files_are_refused_in_plain_words():
    with pytest.raises(WorkbookError, match="no sheet named 'Translations'"):
        book = openpyxl.Workbook()
        out = io.BytesIO()
        book.save(out)
        read_workbook_rows(out.getvalue())
    with pytest.raises(WorkbookError):
        read_workbook_rows(b"not a zip")
    with pytest.raises(TranslationFileError, match="not UTF-8"):
        read_po(b'msgid "a"\nmsgstr "\xff"\n')
    with pytest.raises(TranslationFileError):
        read_po(b'msgid "unterminated\n')


BUNDLED = sorted((Path(bundled_definition_paths((1, 2))[1]).parent.parent / "translations")
                 .glob("ftm-capability-v2.*.po"))


def test_the_bundled_drafts_cover_the_newest_version_in_six_languages_and_all_load():
    languages = {p.name.split(".")[1] for p in BUNDLED}
    assert languages == {"fr", "id", "th", "vi", "zh_Hans", "ar"}
    for path in BUNDLED:
        meta, rows = read_po(path.read_bytes())
        assert meta["questionnaire"] == "ftm-capability:2"
        result = compare(V2, path.name.split(".")[1], rows, {})
        assert not result.problems, (path.name, result.refused[:3], result.since_changed[:3])
        assert all(r.status == DRAFT for r in rows)  # none checked by a native speaker yet
        translated = {c["key"] for c in result.changes}
        # Every text of the version is translated: labels, options, units, help texts, section
        # introductions, gaps, recommended actions and check messages.
        assert result.missing == [], (path.name, len(result.missing), result.missing[:5])
        assert len(translated) == len(text_entries(V2))
        assert b"python-format" not in path.read_bytes()  # placeholders are {name}, not %
        for q in V2.questions:
            assert f"{q.id}|label" in translated, (path.name, q.id)
            for o in q.options:
                assert f"{q.id}|option:{o.code}" in translated, (path.name, q.id, o.code)
        for s in V2.sections:
            assert f"{s.id}|section title" in translated
