"""The crosswalk between a questionnaire version and the previous one, as a frame.

Built from the ``previous`` mapping of the newer definition: for analysts (the workbook's
crosswalk sheet) and for "change since the last round", which compares only questions
the mapping calls the same.
"""

from __future__ import annotations

import pandas as pd

from questionnaires import Definition

COLUMNS = ["question_id", "number", "label", "previous_question_id", "previous_number",
           "previous_label", "status", "carried_over", "change"]
SAME, CHANGED, NEW, RETIRED = "same", "changed", "new", "retired"


def crosswalk(definition: Definition, previous: Definition | None = None,
              language: str | None = None) -> pd.DataFrame:
    """One row per question of ``definition``, then one per retired previous question.

    ``status`` is "same" (answers compare and may carry over), "changed" (same topic,
    another meaning: "not comparable"), "new" or "retired". ``previous`` (the previous
    definition) adds its numbers and labels; without it those columns are empty.
    """
    rows = []

    def old(qid):
        if previous is not None and previous.has_question(qid):
            q = previous.question(qid)
            return q.number, q.label.get(language)
        return None, None

    for q in definition.questions:
        p = q.previous
        if p is None:
            rows.append([q.id, q.number, q.label.get(language), None, None, None, NEW, False, None])
            continue
        number, label = old(p.question)
        rows.append([q.id, q.number, q.label.get(language), p.question, number, label,
                     SAME if p.same else CHANGED, p.same and q.carry_over,
                     p.change.get(language) if p.change else None])
    if definition.previous is not None:
        for qid, why in definition.previous.retired.items():
            number, label = old(qid)
            rows.append([None, None, None, qid, number, label, RETIRED, False, why.get(language)])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["number"] = frame["number"].astype("Int64")
    frame["previous_number"] = frame["previous_number"].astype("Int64")
    return frame
