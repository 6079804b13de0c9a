"""The XLSForm verbs of the command line: import a workbook, export a stored version."""

from __future__ import annotations

from exports.xlsform import build_xlsform
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.xlsform import read_xlsform
from survey.cli import cli
from tests.questionnaires.test_xlsform_import import EVERY_FEATURE, _workbook


def test_the_command_line_imports_a_workbook_and_lists_problems(runner, tmp_path):
    source = tmp_path / "form.xlsx"
    source.write_bytes(build_xlsform(load_definition(EVERY_FEATURE)))
    out = tmp_path / "form.yaml"
    result = runner.invoke(cli, ["questionnaire", "import-xlsform", str(source), "--code",
                                 "xlsform-test", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote xlsform-test:3 (13 questions)" in result.output
    assert load_definition(out) == load_definition(EVERY_FEATURE)
    source.write_bytes(_workbook([["type", "name", "label"], ["geopoint", "where", "Where?"]]))
    result = runner.invoke(cli, ["questionnaire", "import-xlsform", str(source), "--code", "x",
                                 "--out", str(out)])
    assert result.exit_code == 1
    assert "row 2, column A (type): locations (geopoint) are not supported" in result.output


def test_the_command_line_exports_a_stored_version(runner, seeded, tmp_path):
    out = tmp_path / "v1.xlsx"
    result = runner.invoke(cli, ["questionnaire", "export-xlsform", "ftm-capability:1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    original = load_definition(bundled_definition_paths()[0])
    assert read_xlsform(out.read_bytes(), "ftm-capability").definition == original
    result = runner.invoke(cli, ["questionnaire", "export-xlsform", "nope:3", "--out", str(out)])
    assert result.exit_code == 1 and "unknown questionnaire 'nope:3'" in result.output
