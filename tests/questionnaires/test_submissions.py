"""Reading KoboToolbox and ODK submission exports of the exported XLSForm (pure): every
type of format 2, group prefixes, select_multiple both ways, agencies that disagree."""

from __future__ import annotations

import pytest

from exports.xlsform import build_xlsform
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.safe_workbook import WorkbookError
from questionnaires.submissions import SubmissionExport
from tests.kobo_helpers import kobo_columns, kobo_csv, kobo_xlsx


@pytest.fixture(scope="module")
def v2():
    definition = load_definition(bundled_definition_paths(formats=(2,))[0])
    return definition, kobo_columns(build_xlsform(definition))


def _read(definition, content, name="kobo.csv"):
    return SubmissionExport.open(content, name).read(definition)


def test_every_format_2_answer_is_read_from_its_columns(v2):
    definition, columns = v2
    multi = next(q for q in definition.questions if q.type == "multiple_choice"
                 and any(o.exclusive for o in q.options))
    ordinary = [o.code for o in multi.options if not o.exclusive][:2]
    answers = {
        "stat_period__basis": "financial", "stat_period__start": "2024-07",
        "stat_period__end": "2025-06",
        "leg_tip_offence_ref__instrument": "Anti-Trafficking in Persons Act",
        "leg_tip_offence_ref__article": "s 6", "leg_tip_offence_ref__year": "2008",
        "me_rating_r3__rating": "largely_compliant", "me_rating_r3__methodology": "2013",
        "op_tip_investigations": "40", "op_value_frozen": "1500000.5",
        "op_fin_inv_share": "12.5",  # the form's own calculation: not read back
        multi.id: " ".join(ordinary),
        **{f"{multi.id}/{c}": int(c in ordinary) for c in (o.code for o in multi.options)},
    }
    for content, name in ((kobo_csv(columns, [answers]), "kobo.csv"),
                          (kobo_xlsx(columns, [answers]), "kobo.xlsx")):
        reading = _read(definition, content, name)
        assert reading.errors == [] and reading.submissions == 1
        got = {qid: offers[0].value for qid, offers in reading.offers.items()}
        assert got["stat_period"] == {"basis": "financial", "start": "2024-07", "end": "2025-06"}
        assert got["leg_tip_offence_ref"] == {"instrument": "Anti-Trafficking in Persons Act",
                                              "article": "s 6", "year": 2008, "url": None}
        assert got["me_rating_r3"] == {"rating": "largely_compliant", "methodology": "2013"}
        assert got["op_tip_investigations"] == 40 and got["op_value_frozen"] == 1500000.5
        assert sorted(got[multi.id]) == sorted(ordinary)
        assert "op_fin_inv_share" not in got


def test_agencies_that_disagree_are_all_kept_with_their_rows(v2):
    definition, columns = v2
    rows = [{"op_tip_investigations": "40", "leg_tip_offence": "yes", "_submitted_by": "police"},
            {"op_tip_investigations": "40", "leg_tip_offence": "no", "_submitted_by": "fiu"},
            {"op_tip_investigations": "", "leg_tip_offence": "yes", "_submitted_by": "justice"}]
    reading = _read(definition, kobo_csv(columns, rows))
    assert [(o.value, o.rows) for o in reading.offers["op_tip_investigations"]] == [(40, (2, 3))]
    offers = reading.offers["leg_tip_offence"]
    assert [(o.value, o.rows) for o in offers] == [("yes", (2, 4)), ("no", (3,))]
    assert "police" in offers[0].labels[0] and "justice" in offers[0].labels[1]


def test_an_exclusive_option_ticked_with_others_is_a_problem_of_its_row(v2):
    definition, columns = v2
    multi = next(q for q in definition.questions if q.type == "multiple_choice"
                 and any(o.exclusive for o in q.options))
    alone = next(o.code for o in multi.options if o.exclusive)
    other = next(o.code for o in multi.options if not o.exclusive)
    reading = _read(definition, kobo_csv(columns, [{multi.id: f"{alone} {other}"}]))
    assert [(e.row, e.question_id) for e in reading.errors] == [(2, multi.id)]
    assert multi.id not in reading.offers


def test_a_header_row_of_labels_names_no_question(v2):
    definition, _ = v2
    with pytest.raises(WorkbookError, match="no column names a question"):
        _read(definition, b"What is the lead agency?;Start\r\nMinistry;2026\r\n")
