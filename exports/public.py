"""The public download: published profiles' public answers and scores, and regional
medians that pass the disclosure rules (``profiles.disclosure``).

What it holds, and what it never does:

- members: only the responses whose country chose to publish (``published``);
- answers: only questions whose visibility is public, never evidence notes; counts from 1
  to 4 read "1–4" and a public rate over too few cases is replaced by the reason;
- medians: over every approved response of the round (as the public profile pages), but
  none over fewer than 3 members, and none for a sub-region that could be told apart
  from the region beside it (the Note says which and why).

The same tables make the workbook and the CSV, and both go through the formula guard.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from profiles.disclosure import (
    FEWER_MEMBERS,
    WORKED_BACK,
    group_reasons,
    public_answers,
    spread_reason,
)
from profiles.stats import spread
from questionnaires import SPECIAL_CODES, with_derived
from questionnaires.types import special_label

from .csvfiles import frame_csv
from .model import DEMO_NOTICE, ExportInput
from .tables import (
    REGION,
    Table,
    _ordered,
    current_values,
    fewer_members,
    group_name,
    method_tables,
    pillar_headings,
    pillar_title,
    score_rows,
)
from .words import N_, Words
from .workbook import cells_of, with_words, write_table, write_text, write_workbook

ANSWER_COLUMNS = ["Round", "Country", "ISO3", "Sub-region", "Pillar", "Question id", "Question",
                  "Answer", "Demo data"]
RULES = (
    N_("Only countries that chose to publish their approved profile are listed."),
    N_("Only questions the questionnaire marks public are shown; evidence notes never are."),
    N_("Counts from 1 to 4 are shown as “1–4”; a rate over too few cases is not given."),
    N_("No median is given over %(fewer)s, nor for a sub-region that could be worked back "
       "from the regional figure beside it."),
)


def _reason(why: str, words: Words) -> str:
    """A disclosure reason (``profiles.disclosure``'s English) in the export's words."""
    if why == FEWER_MEMBERS:
        return fewer_members(words)
    if why == WORKED_BACK:
        return words(N_("could be worked back from the figures beside it"))
    return why


def _published(data: ExportInput, published: Collection[int]) -> pd.DataFrame:
    members = _ordered(data.included_members(), data.meta.rounds)
    keep = {int(r) for r in published}
    return members[members["response_id"].astype(int).isin(keep)].reset_index(drop=True)


def public_scores(data: ExportInput, published: Collection[int]) -> Table:
    members = _published(data, published)
    scores = score_rows(data, members, data.answers).drop(columns=["Status"])
    cols = list(scores.columns[4:])
    return Table("Scores", scores, formats=dict.fromkeys(cols, "score"),
                 widths={"Country": 26, "Sub-region": 18}, shown=pillar_headings(cols))


def public_medians(data: ExportInput) -> Table:
    """Regional and sub-regional medians over the approved responses, disclosure rules on."""
    members = _ordered(data.included_members(), data.meta.rounds)
    scores = score_rows(data, members, data.answers)
    cols = list(scores.columns[5:])
    w = data.words
    rows = []
    for rnd in data.meta.rounds:
        in_round = scores[scores["Round"] == rnd]
        groups = {REGION: list(in_round["ISO3"])}
        for sub in sorted(set(in_round["Sub-region"])):
            groups[sub] = list(in_round.loc[in_round["Sub-region"] == sub, "ISO3"])
        reasons = group_reasons(groups)
        for name, isos in groups.items():
            part = in_round[in_round["ISO3"].isin(isos)]
            row = {"Round": rnd, "Group": group_name(name, w), "Members": float(len(isos))}
            why = reasons[name]
            short = False
            for col in cols:
                found = spread(part[col].tolist())
                short = short or (why is None and spread_reason(found.n) is not None)
                row[col] = None if why or spread_reason(found.n) else found.median
            row["Note"] = (w(N_("not given: %(reason)s")) % {"reason": _reason(why, w)} if why
                           else w(N_("some not given: %(fewer)s with a score"))
                           % {"fewer": fewer_members(w)} if short else None)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["Round", "Group", "Members", *cols, "Note"])
    frame[["Members", *cols]] = frame[["Members", *cols]].astype("float64")
    return Table("Medians", frame,
                 title=w(N_("Regional and sub-regional medians (approved responses)")),
                 formats={"Members": "integer", **dict.fromkeys(cols, "score")},
                 widths={"Group": 26, "Note": 60}, shown=pillar_headings(cols))


def public_answer_frame(data: ExportInput, published: Collection[int]) -> pd.DataFrame:
    """One row per public answer of each published response, as a public output shows it."""
    language = data.meta.language
    values = current_values(data)
    rows = []
    for rnd, country, iso3, sub, rid in _published(data, published)[
            ["round", "country", "iso3", "subregion", "response_id"]].itertuples(index=False):
        definition = data.definitions.get(rnd, data.definition)
        full = with_derived(definition, values.get(int(rid), {}), data.member_of(int(rid)))
        shown = public_answers(definition, full)
        for q in definition.questions:
            if q.id not in shown or shown[q.id] is None:
                continue
            value = shown[q.id]
            if value != full.get(q.id):
                text = value  # withheld or banded: the public output's own words
            elif isinstance(value, str) and value in SPECIAL_CODES:
                text = special_label(value, language)
            else:
                text = q.display(value, language)
            section = definition.section(q.section_id)
            rows.append([rnd, country, iso3, sub, pillar_title(section, language), q.id,
                         q.label.get(language), text, rnd in data.meta.demo_rounds])
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)


def public_tables(data: ExportInput, published: Collection[int]) -> list[Table]:
    w = data.words
    demo = [(w(N_("DEMONSTRATION DATA")), w(DEMO_NOTICE))] if data.meta.demo else []
    rules = [w(rule) % {"fewer": fewer_members(w)} if "%(" in rule else w(rule) for rule in RULES]
    about = pd.DataFrame([*demo, (w(N_("Round(s)")), data.meta.round_label),
                          (w(N_("Questionnaire")), data.meta.questionnaire),
                          (w(N_("Generated at (UTC)")),
                           data.meta.generated_at.strftime("%Y-%m-%d %H:%M")),
                          *((w(N_("Rule")), rule) for rule in rules)], columns=["Item", "Value"])
    return [Table("About", about, widths={"Item": 22, "Value": 100}),
            public_scores(data, published), public_medians(data),
            Table("Answers", public_answer_frame(data, published),
                  widths={"Country": 22, "Question": 60, "Answer": 40})]


def public_csv(data: ExportInput, published: Collection[int], *, bom: bool = True,
               words: Words | None = None) -> bytes:
    """The published profiles' public answers as CSV (formula guard on every text cell)."""
    return frame_csv(public_answer_frame(with_words(data, words), published), bom=bom)


def build_public_workbook(data: ExportInput, published: Collection[int], *,
                          words: Words | None = None) -> bytes:
    """About, Scores (with medians), Answers and How scores are computed."""
    from .workbook import COMPANY

    data = with_words(data, words)
    w = data.words
    about, scores, medians, answers = public_tables(data, published)
    title = w(N_("Published country profiles — %(rounds)s")) % {"rounds": data.meta.round_label}

    def write(book) -> None:
        ws = book.add_named_sheet(N_("About"))
        write_text(book, ws, 0, 0, title, book.fmts.title)
        write_table(book, ws, about, 2)
        ws = book.add_named_sheet(N_("Scores"))
        row = write_table(book, ws, scores, 0, freeze_columns=2)
        write_table(book, ws, medians, row)
        write_table(book, book.add_named_sheet(N_("Answers")), answers, 0, freeze_columns=2)
        ws = book.add_named_sheet(N_("How scores are computed"))
        row = 0
        for table in method_tables(data.definition, data.meta.language, w):
            row = write_table(book, ws, table, row)

    return write_workbook(write, largest_sheet_cells=cells_of([answers]),
                          notice=w(DEMO_NOTICE) if data.meta.demo else None,
                          language=data.meta.language, words=w,
                          properties={"title": title, "author": w(COMPANY)})
