"""The contents of every sheet as pandas frames, before any file format.

The workbook writer and the CSV zip both start here, so an xlsx sheet and its CSV
twin always hold the same figures. A frame's column names are stable English keys: the
CSV files keep them (scripts and pivots work whatever the language), and the workbook
writer shows each table's headings in the export's language (``Table.shown``, else the
export's ``words`` of the column name; every such name is in :data:`HEADINGS`). Texts the
export itself puts in cells (statuses, notes, titles) are translated here, with
``ExportInput.words``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pandas.api.typing import DataFrameGroupBy

from profiles.crosswalk import crosswalk
from profiles.disclosure import MIN_MEMBERS, spread_reason
from profiles.method import scoring_method
from questionnaires import (
    SPECIAL_CODES,
    Definition,
    Question,
    Section,
    answers_by_response,
    score_response,
    with_derived,
)
from questionnaires.types import special_label

from .model import DEMO_NOTICE, STATUS_LABELS, ExportInput
from .words import N_, Words, same, subregion_name

REGION = N_("All members (regional)")  # a group's key; shown through ``words``
ID_COLUMNS = ["Round", "Country", "ISO3", "Sub-region", "Status"]
DATA_COLUMNS = ["Round", "Country", "ISO3", "Sub-region", "Pillar", "Question id", "Question",
                "Value code", "Value label", "Numeric value", "Evidence", "Status", "Status code",
                "Last changed", "Demo data"]
# Every column name the exports give a table, for the catalogue (``make messages``): the
# workbook shows them through ``words``; the CSV files keep them as they are.
HEADINGS = (
    N_("Round"), N_("Country"), N_("ISO3"), N_("Sub-region"), N_("Status"), N_("Status code"),
    N_("Pillar"), N_("Question id"), N_("Question"), N_("Value code"), N_("Value label"),
    N_("Numeric value"), N_("Evidence"), N_("Last changed"), N_("Demo data"), N_("Overall"),
    N_("Group"), N_("Members"), N_("Note"), N_("Statistic"), N_("Previous score"),
    N_("Current score"), N_("Change"), N_("Method"), N_("Previous answer"),
    N_("Current answer"), N_("Number"), N_("Pillar title"), N_("Type"), N_("Required"),
    N_("Options (code → label)"), N_("Unit"), N_("Scoring"), N_("Relevant when"),
    N_("Standard"), N_("Visibility"), N_("Rule"), N_("How"), N_("Item"), N_("Weight"),
    N_("Share of pillar"), N_("Points"), N_("Scored when"), N_("Worked out as"),
    N_("Not applicable offered"), N_("Unknown offered"), N_("Previous question id"),
    N_("Previous number"), N_("Previous question"), N_("Carried over"), N_("What changed"),
    N_("Value"), N_("Included"), N_("Submitted"), N_("Approved"), N_("Answer"),
    N_("Changed by"),
)


@dataclass
class Table:
    """One Excel table: a frame plus how to show it."""

    name: str                      # Excel table name (letters, digits, underscores)
    frame: pd.DataFrame
    title: str | None = None       # a bold line above the table
    # column -> a key of the workbook's NUMBER_FORMATS, or an Excel number format code
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)  # column -> width
    question_ids: list[str | None] | None = None  # a row of ids above the header
    colour_scale: list[str] = field(default_factory=list)   # columns scored 0..100
    wrap: bool = True              # wrap long texts (wide columns); off for the long data table
    # column -> its heading as shown, where that is not the column's name in the export's
    # words: a question's or pillar's own text (already in the export's language), or a
    # heading with a figure in it
    shown: dict[str, str] = field(default_factory=dict)
    neutral: bool = False          # headings as the column names, in every language (tidy data)

    def heading(self, column: str, words: Words = same) -> str:
        """The heading people read over ``column``."""
        if column in self.shown:
            return self.shown[column]
        return column if self.neutral else words(column)


def as_is(columns: Iterable[str]) -> dict[str, str]:
    """Headings that are questionnaire texts: shown as they are, never through ``words``."""
    return {c: c for c in columns}


def yes_no(flag: bool, words: Words = same) -> str:
    return words(N_("yes")) if flag else words(N_("no"))


# -- helpers -----------------------------------------------------------------

def unique_headers(names: Iterable[str], ids: Iterable[str]) -> list[str]:
    """Excel table headers must be unique (case-insensitive) and not empty."""
    seen: set[str] = set()
    out = []
    for name, qid in zip(names, ids):
        header = " ".join((name or qid).split())[:200] or qid  # one line, within Excel's limit
        if header.lower() in seen:
            header = f"{header} ({qid})"
        seen.add(header.lower())
        out.append(header)
    return out


def pillar_title(section: Section, language: str | None) -> str:
    return section.short_title.get(language) or section.title.get(language) or section.id


def status_label(status: str, words: Words = same) -> str:
    """A response status as people read it (an unknown one as its code)."""
    return words(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def _member_ids(members: pd.DataFrame, words: Words = same) -> pd.DataFrame:
    return pd.DataFrame({
        "Round": members["round"].to_numpy(), "Country": members["country"].to_numpy(),
        "ISO3": members["iso3"].to_numpy(),
        "Sub-region": [subregion_name(s, words) for s in members["subregion"].tolist()],
        "Status": [status_label(s, words) for s in members["status"].tolist()],
    })


def _ordered(members: pd.DataFrame, rounds: tuple[str, ...]) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(rounds)}
    members = members.assign(_r=members["round"].map(order).fillna(len(order)))
    return members.sort_values(["_r", "subregion", "country"], kind="stable").drop(columns="_r") \
        .reset_index(drop=True)


# -- scores --------------------------------------------------------------------

def current_values(data: ExportInput) -> dict[int, dict[str, Any]]:
    """``answers_by_response`` of the export's answers, once per export."""
    if "values" not in data.extra:
        data.extra["values"] = answers_by_response(data.answers)
    return data.extra["values"]


def _labels_by_response(answers: pd.DataFrame) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for rid, qid, label in zip(answers["response_id"].tolist(), answers["question_id"].tolist(),
                               answers["value_label"].tolist(), strict=True):
        out.setdefault(int(rid), {})[qid] = label
    return out


def score_rows(data: ExportInput, members: pd.DataFrame,
               answers: pd.DataFrame) -> pd.DataFrame:
    """Pillar scores and overall per member response (None: not enough answers)."""
    values = current_values(data) if answers is data.answers else answers_by_response(answers)
    layout = data.definition
    language = data.meta.language
    columns = [pillar_title(p, language) for p in layout.pillars] + ["Overall"]
    rows = []
    for rnd, rid in zip(members["round"].tolist(), members["response_id"].tolist()):
        definition = data.definitions.get(rnd, layout)
        result = response_score(data, int(rid), definition, values.get(int(rid), {}))
        row = [result.pillars[p.id].score if p.id in result.pillars else None
               for p in layout.pillars]
        rows.append(row + [result.overall])
    frame = pd.DataFrame(rows, columns=columns, dtype="float64")
    return pd.concat([_member_ids(members, data.words), frame], axis=1)


def derived_values(data: ExportInput) -> dict[int, dict[str, Any]]:
    """Each response's derived values (rates from two answers), once per export."""
    if "derived" not in data.extra:
        rounds = dict(zip(data.answers["response_id"].tolist(), data.answers["round"].tolist()))
        out = {}
        for rid, values in current_values(data).items():
            definition = data.definitions.get(rounds.get(rid), data.definition)
            if any(q.computed for q in definition.questions):
                full = with_derived(definition, values, data.member_of(rid))
                out[int(rid)] = {q.id: full.get(q.id) for q in definition.questions if q.computed}
        data.extra["derived"] = out
    return data.extra["derived"]


def response_score(data: ExportInput, response_id: int, definition: Definition,
                   values: dict[str, Any]):
    """``score_response`` once per response and export (Scores and Changes both need it)."""
    cache = data.extra.setdefault("scores", {})
    if response_id not in cache:
        cache[response_id] = score_response(definition, values, data.member_of(response_id))
    return cache[response_id]


Aggregate = Callable[[DataFrameGroupBy], pd.DataFrame]


def sum_of(grouped: DataFrameGroupBy) -> pd.DataFrame:
    return grouped.sum(min_count=1)  # nobody reporting: blank, not zero


def median_of(grouped: DataFrameGroupBy) -> pd.DataFrame:
    return grouped.median()


def count_of(grouped: DataFrameGroupBy) -> pd.DataFrame:
    return grouped.count()


def regional_groups(frame: pd.DataFrame, value_columns: list[str], rounds: tuple[str, ...],
                    statistics: dict[str, Aggregate]
                    ) -> list[tuple[str, str, int, dict[str, dict]]]:
    """Per round, the whole region and then each sub-region (by name): (round, group, members,
    {statistic: {column: figure}}); a round nobody is in has no figures.

    One grouped aggregation per statistic, not one per group: at ten rounds that is the
    difference between a few and a few hundred pandas calls.
    """
    values = frame[value_columns]
    levels = (values.groupby(frame["Round"], sort=False),
              values.groupby([frame["Round"], frame["Sub-region"]], sort=True))
    sizes = [grouped.size().to_dict() for grouped in levels]
    figures = {name: [_rows_by_key(aggregate(grouped)) for grouped in levels]
               for name, aggregate in statistics.items()}
    out = []
    for rnd in rounds:
        out.append((rnd, REGION, sizes[0].get(rnd, 0),
                    {name: figures[name][0].get(rnd, {}) for name in statistics}))
        for key, size in sizes[1].items():
            if key[0] == rnd:
                out.append((rnd, key[1], size, {name: figures[name][1][key] for name in statistics}))
    return out


def _rows_by_key(frame: pd.DataFrame) -> dict[Any, dict[str, Any]]:
    """``frame.to_dict("index")``, without its per-cell cost."""
    columns = list(frame.columns)
    return {key: dict(zip(columns, row)) for key, row in zip(frame.index.tolist(),
                                                             frame.to_numpy().tolist())}


def _figure(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


@dataclass(frozen=True)
class MedianGroup:
    """One regional or sub-regional figure: its members, and per value column the median
    (None when blank or withheld) and how many members have a value (``counts``)."""
    round: str
    group: str
    members: int
    medians: dict[str, float | None]
    counts: dict[str, int]
    withheld: bool

    @property
    def regional(self) -> bool:
        return self.group == REGION


def median_groups(scores: pd.DataFrame, value_columns: list[str],
                  rounds: tuple[str, ...]) -> list[MedianGroup]:
    """Regional and sub-regional medians per round, over the members that have a value.

    A median over fewer than 3 members is left blank and the Note says why: over one
    member it is that member's own figure (issue 12 §5, for internal outputs too).
    """
    out = []
    for rnd, group, members, figures in regional_groups(
            scores, value_columns, rounds, {"median": median_of, "count": count_of}):
        medians, counts = figures["median"], figures["count"]
        row: dict[str, float | None] = {}
        reporting: dict[str, int] = {}
        withheld = False
        for col in value_columns:
            median = _figure(medians.get(col))
            reporting[col] = int(_figure(counts.get(col)) or 0)
            if median is not None and spread_reason(reporting[col]):
                median, withheld = None, True
            row[col] = None if median is None else round(median, 2)
        out.append(MedianGroup(rnd, group, int(members), row, reporting, withheld))
    return out


def fewer_members(words: Words = same) -> str:
    """``profiles.disclosure.FEWER_MEMBERS`` in the export's words."""
    return words(N_("fewer than %(n)s members")) % {"n": MIN_MEMBERS}


def group_name(group: str, words: Words = same) -> str:
    """A group as people read it: the region in the export's words, a sub-region by name."""
    return words(REGION) if group == REGION else subregion_name(group, words)


def median_rows(scores: pd.DataFrame, value_columns: list[str],
                rounds: tuple[str, ...], words: Words = same) -> pd.DataFrame:
    """The medians of ``median_groups`` as a sheet: a row per group, a Note when withheld."""
    note = words(N_("medians over %(fewer)s are not given")) % {"fewer": fewer_members(words)}
    rows = [{"Round": g.round, "Group": group_name(g.group, words), "Members": g.members,
             **g.medians, "Note": note if g.withheld else None}
            for g in median_groups(scores, value_columns, rounds)]
    return pd.DataFrame(rows, columns=["Round", "Group", "Members", *value_columns, "Note"])


def score_figures(data: ExportInput) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Scores per member (ID columns, then a column per pillar title and "Overall"), the
    score columns' titles, and their machine keys (each pillar's id, then "overall")."""
    members = _ordered(data.included_members(), data.meta.rounds)
    scores = score_rows(data, members, data.answers)
    keys = [p.id for p in data.definition.pillars] + ["overall"]
    return scores, list(scores.columns[len(ID_COLUMNS):]), keys


def pillar_headings(columns: Iterable[str]) -> dict[str, str]:
    """Score columns are pillar titles (the questionnaire's own text) and "Overall"."""
    return as_is(c for c in columns if c != "Overall")


def scores_tables(data: ExportInput) -> list[Table]:
    w = data.words
    scores, score_cols, _keys = score_figures(data)
    medians = median_rows(scores, score_cols, data.meta.rounds, w)
    medians[score_cols] = medians[score_cols].astype("float64")
    fmt = dict.fromkeys(score_cols, "score")
    shown = pillar_headings(score_cols)
    return [
        Table("Scores", scores, formats=fmt, colour_scale=score_cols,
              widths={"Country": 26, "Sub-region": 18}, shown=shown),
        Table("Medians", medians, title=w(N_(
            "Regional and sub-regional medians (members with a score; none over %(fewer)s)"))
              % {"fewer": fewer_members(w)},
              formats=fmt, colour_scale=score_cols, widths={"Group": 26, "Note": 36},
              shown=shown),
    ]


# -- one sheet per pillar ------------------------------------------------------

def answer_grid(data: ExportInput, questions: list[Question], members: pd.DataFrame,
                answers: pd.DataFrame, *, numbers_only: bool = False) -> pd.DataFrame:
    """A row per member response, a column per question: readable labels, numbers as numbers."""
    language = data.meta.language
    column_of = {q.id: j for j, q in enumerate(questions)}
    row_of = {int(rid): i for i, rid in enumerate(members["response_id"].tolist())}
    sub = answers[answers["question_id"].isin(list(column_of))]
    rids, qids = sub["response_id"].tolist(), sub["question_id"].tolist()
    if numbers_only:
        cells = sub["value_number"].tolist()
    else:
        cells = _cells(questions, qids, sub["value"].tolist(), language)
    computed = [q for q in questions if q.computed]
    if computed and answers is data.answers:
        # Derived values (a rate from two answers) are never stored: worked out per response.
        for rid, values in derived_values(data).items():
            for q in computed:
                value = values.get(q.id)
                if value is None:
                    continue
                rids.append(rid)
                qids.append(q.id)
                if numbers_only:
                    cells.append(q.kind.number(q, value) if value not in SPECIAL_CODES else None)
                else:
                    cells.append(q.kind.cell(q, value, language))
    grid: list[list[Any]] = [[None] * len(questions) for _ in range(len(row_of))]
    for rid, qid, cell in zip(rids, qids, cells, strict=True):
        i = row_of.get(int(rid))
        if i is not None:
            grid[i][column_of[qid]] = cell
    headers = unique_headers([q.label.get(language) for q in questions], [q.id for q in questions])
    frame = pd.DataFrame(grid, columns=headers, dtype="float64" if numbers_only else object)
    return pd.concat([_member_ids(members, data.words), frame], axis=1)


def _cells(questions: list[Question], qids: list[str], values: list[Any],
           language: str | None) -> list[Any]:
    """Each answer's spreadsheet value, asked of its type once per distinct answer."""
    by_id = {q.id: q for q in questions}
    made: dict[tuple[str, Any], Any] = {}
    out = []
    for qid, value in zip(qids, values, strict=True):
        key = (qid, tuple(value) if type(value) is list else value)
        try:
            cell = made[key]
        except KeyError:
            q = by_id[qid]
            cell = made[key] = q.kind.cell(q, value, language)
        except TypeError:  # a mapping (a citation) is no dictionary key: asked every time
            q = by_id[qid]
            cell = q.kind.cell(q, value, language)
        out.append(cell)
    return out


def pillar_tables(data: ExportInput) -> list[tuple[Section, Table]]:
    members = _ordered(data.included_members(), data.meta.rounds)
    out = []
    for n, section in enumerate(data.definition.pillars, start=1):
        questions = list(section.questions)
        grid = answer_grid(data, questions, members, data.answers)
        formats = {header: q.kind.cell_format
                   for q, header in zip(questions, grid.columns[len(ID_COLUMNS):])
                   if q.kind.cell_format}
        out.append((section, Table(f"Pillar{n}_{section.id}"[:250], grid, formats=formats,
                                   question_ids=[None] * len(ID_COLUMNS) + [q.id for q in questions],
                                   widths={"Country": 26, "Sub-region": 18},
                                   shown=as_is(grid.columns[len(ID_COLUMNS):]))))
    return out


# -- counts ------------------------------------------------------------------

def count_questions(definition: Definition) -> list[Question]:
    """Questions whose answers are amounts (counts, values, shares): the Counts sheet."""
    return [q for q in definition.questions if q.kind.quantity]


def counts_tables(data: ExportInput) -> list[Table]:
    members = _ordered(data.included_members(), data.meta.rounds)
    questions = count_questions(data.definition)
    grid = answer_grid(data, questions, members, data.answers, numbers_only=True)
    value_cols = list(grid.columns[len(ID_COLUMNS):])
    not_summable = [col for q, col in zip(questions, value_cols) if not q.kind.summable]
    summary_rows = []
    w = data.words
    statistics = {"Total": sum_of, "Median": median_of, "Members reporting": count_of}
    statistic_names = {"Total": w(N_("Total")), "Median": w(N_("Median")),
                       "Members reporting": w(N_("Members reporting"))}
    for rnd, name, _members, figures in regional_groups(grid, value_cols, data.meta.rounds,
                                                        statistics):
        for statistic, column_figures in figures.items():
            row: dict[str, Any] = {"Round": rnd, "Group": group_name(name, w),
                                   "Statistic": statistic_names[statistic]}
            for col in value_cols:
                row[col] = _figure(column_figures.get(col))
            if statistic == "Total":
                row.update(dict.fromkeys(not_summable))  # a sum of percentages means nothing
            elif statistic == "Members reporting":
                row.update({col: row[col] or 0.0 for col in value_cols})  # none, not blank
            elif statistic == "Median":
                reporting = figures["Members reporting"]
                for col in value_cols:  # over fewer than 3 members: blank, as every median
                    if spread_reason(int(_figure(reporting.get(col)) or 0)):
                        row[col] = None
            summary_rows.append(row)
    summary = pd.DataFrame(summary_rows, columns=["Round", "Group", "Statistic", *value_cols])
    summary[value_cols] = summary[value_cols].astype("float64")
    formats = {col: q.kind.cell_format or "decimal" for q, col in zip(questions, value_cols)}
    ids = [q.id for q in questions]
    return [
        Table("Counts", grid, formats=formats, question_ids=[None] * len(ID_COLUMNS) + ids,
              widths={"Country": 26, "Sub-region": 18}, shown=as_is(value_cols)),
        Table("CountTotals", summary, title=w(N_(
            "Sub-regional and regional totals and medians (no median over %(fewer)s)"))
              % {"fewer": fewer_members(w)},
              formats={**formats, "Members reporting": "integer"},
              question_ids=[None, None, None] + ids, widths={"Group": 26},
              shown=as_is(value_cols)),
    ]


# -- changes -------------------------------------------------------------------

def changes_tables(data: ExportInput) -> list[Table]:
    """Score and answer changes for members in both this round and the previous one."""
    if (data.previous_answers is None or data.previous_members is None
            or data.previous_definition is None or len(data.meta.rounds) != 1):
        return []
    language = data.meta.language
    w = data.words
    current_members = _ordered(data.included_members(), data.meta.rounds)
    previous_members = data.previous_members
    from .model import STATUS_FILTERS

    allowed = STATUS_FILTERS[data.meta.status_filter]
    if allowed is not None:
        previous_members = previous_members[previous_members["status"].isin(allowed)]
    prev_by_iso = {iso: int(rid) for iso, rid in zip(previous_members["iso3"].tolist(),
                                                     previous_members["response_id"].tolist())}
    current = current_members[current_members["iso3"].isin(list(prev_by_iso))].reset_index(drop=True)
    definition = data.definition
    prev_def = data.previous_definition
    now_values = current_values(data)
    then_values = answers_by_response(data.previous_answers)
    # What a person reads for each answer was made with the frame (its type's display).
    now_labels = _labels_by_response(data.answers)
    then_labels = _labels_by_response(data.previous_answers)

    # Across a questionnaire version change only the questions the newer version's mapping
    # calls the same are compared, and every score row says the method changed.
    method_changed = prev_def.key != definition.key
    counterpart = {q.id: q.id for q in definition.questions if prev_def.has_question(q.id)}
    if method_changed:
        maps = definition.previous is not None and (
            definition.previous.code, definition.previous.version) == (prev_def.code,
                                                                       prev_def.version)
        counterpart = {q.id: q.previous.question for q in definition.questions
                       if maps and q.previous is not None and q.previous.same
                       and prev_def.has_question(q.previous.question)}
    method_note = (w(N_("scoring method changed (%(before)s → %(after)s): not comparable "
                        "point for point")) % {"before": prev_def.key, "after": definition.key}
                   if method_changed else None)
    overall = w(N_("Overall"))
    score_rows_out, answer_rows = [], []
    for country, iso3, subregion, rid in zip(current["country"].tolist(), current["iso3"].tolist(),
                                             current["subregion"].tolist(),
                                             current["response_id"].tolist()):
        now = now_values.get(int(rid), {})
        then = then_values.get(prev_by_iso[iso3], {})
        now_shown = now_labels.get(int(rid), {})
        then_shown = then_labels.get(prev_by_iso[iso3], {})
        now_score = response_score(data, int(rid), definition, now)
        then_score = score_response(prev_def, then, data.member_of(prev_by_iso[iso3]))
        for p in definition.pillars:
            before = then_score.pillars[p.id].score if p.id in then_score.pillars else None
            after = now_score.pillars[p.id].score
            score_rows_out.append([country, iso3, subregion, pillar_title(p, language), before, after,
                                   None if before is None or after is None else round(after - before, 1),
                                   method_note])
        before, after = then_score.overall, now_score.overall
        score_rows_out.append([country, iso3, subregion, overall, before, after,
                               None if before is None or after is None else round(after - before, 1),
                               method_note])
        for q in definition.questions:
            old_id = counterpart.get(q.id)
            if old_id is None:
                continue
            if then.get(old_id) == now.get(q.id):
                continue  # same stored value: same answer (labels are only made for changes)
            old = then_shown.get(old_id) or ""
            new = now_shown.get(q.id) or ""
            if old != new:
                answer_rows.append([country, iso3, subregion, q.section_id, q.id,
                                    q.label.get(language), old or None, new or None])
    scores = pd.DataFrame(score_rows_out, columns=[
        "Country", "ISO3", "Sub-region", "Pillar", "Previous score", "Current score", "Change",
        "Method"])
    for col in ("Previous score", "Current score", "Change"):
        scores[col] = scores[col].astype("float64")
    answers = pd.DataFrame(answer_rows, columns=[
        "Country", "ISO3", "Sub-region", "Pillar", "Question id", "Question",
        "Previous answer", "Current answer"])
    return [
        Table("ScoreChanges", scores, title=(w(N_(
            "Scores against %(round)s (questionnaire %(questionnaire)s; the scoring method "
            "changed)")) if method_changed else w(N_("Scores against %(round)s")))
              % {"round": data.meta.previous_round, "questionnaire": prev_def.key},
              formats={"Previous score": "score", "Current score": "score", "Change": "change"},
              widths={"Country": 26, "Sub-region": 18, "Method": 40}),
        Table("AnswerChanges", answers, title=w(N_(
            "Answers that changed (only questions the crosswalk calls the same)"))
              if method_changed else w(N_("Answers that changed")),
              widths={"Country": 26, "Question": 60, "Previous answer": 40, "Current answer": 40}),
    ]


# -- data (tidy) -----------------------------------------------------------------

def tidy_table(data: ExportInput) -> pd.DataFrame:
    """The tidy long table: one row per answer of the included member responses."""
    included = set(int(r) for r in data.included_members()["response_id"])
    answers = data.answers
    answers = answers[answers["response_id"].isin(included)]
    # Whole columns, not copies to NumPy objects: at ten rounds of two hundred members the
    # table is large, and pandas shares the answer frame's data.
    table = pd.DataFrame({
        "Round": answers["round"], "Country": answers["country"], "ISO3": answers["iso3"],
        "Sub-region": answers["subregion"], "Pillar": answers["pillar"],
        "Question id": answers["question_id"], "Question": answers["question"],
        "Value code": answers["value_code"], "Value label": answers["value_label"],
        "Numeric value": answers["value_number"].astype("float64"),
        "Evidence": answers["evidence"],
        # The status as people read it, in the export's language, and its code beside it.
        "Status": answers["status"].map({code: data.words(label) for code, label in
                                         STATUS_LABELS.items()}).fillna(answers["status"]),
        "Status code": answers["status"],
        "Last changed": pd.to_datetime(answers["updated_at"]),
        # A column, not a comment line or a separate note: it stays with every row when
        # files are combined or filtered, and a tidy-CSV reader needs no special handling.
        "Demo data": answers["round"].isin(data.meta.demo_rounds),
    }, columns=DATA_COLUMNS)
    return table.reset_index(drop=True)


def data_table(data: ExportInput) -> Table:
    return Table("Data", tidy_table(data), formats={"Numeric value": "decimal",
                                                     "Last changed": "datetime"},
                 widths={"Round": 24, "Country": 22, "Question": 50, "Value label": 36,
                         "Evidence": 40, "Last changed": 18}, wrap=False, neutral=True)


# -- codebook ----------------------------------------------------------------------

def _scoring_text(q: Question, words: Words = same) -> str:
    if not q.scored:
        return words(N_("Not scored"))
    parts = [words(N_("weight %(weight)s")) % {"weight": f"{q.weight:g}"},
             *q.kind.scoring_terms(q),
             words(N_("not applicable leaves the denominator; unknown scores 0"))]
    return "; ".join(parts)


def _options_text(q: Question, language: str | None) -> str | None:
    lines = [f"{code} → {label.get(language)}" for code, label, _pts in q.kind.options(q)]
    lines += [f"{code} → {special_label(code, language)}" for code in q.special_codes]
    return "\n".join(lines) or None


def codebook_frame(definition: Definition, language: str | None = None,
                   languages: Sequence[str] = (), words: Words = same) -> pd.DataFrame:
    """One row per question; its text and options in ``language``, then in each of
    ``languages`` (English where a text has no translation) for a multilingual codebook."""
    others = [lang for lang in languages if lang != (language or "en")]
    rows = []
    for section in definition.sections:
        for q in section.questions:
            rows.append({
                "Question id": q.id, "Number": q.number, "Pillar": section.id,
                "Pillar title": section.title.get(language),
                "Question": q.label.get(language), "Type": q.type,
                "Required": yes_no(q.required, words) if isinstance(q.required, bool)
                else json.dumps(q.required.to_data()),
                "Options (code → label)": _options_text(q, language),
                "Unit": q.unit.get(language) if q.unit else None,
                **{f"Question [{lang}]": q.label.get(lang) for lang in others},
                **{f"Options [{lang}]": _options_text(q, lang) for lang in others},
                "Scoring": _scoring_text(q, words),
                "Relevant when": json.dumps(q.relevant.to_data(), ensure_ascii=False)
                if q.relevant is not None else words(N_("always")),
                "Standard": q.standard,
                "Visibility": words(N_("public")) if q.public else words(N_("internal")),
            })
    frame = pd.DataFrame(rows)
    frame["Number"] = frame["Number"].astype("float64")
    return frame


def codebook_table(definition: Definition, language: str | None = None,
                   languages: Sequence[str] = (), words: Words = same) -> Table:
    others = [lang for lang in languages if lang != (language or "en")]
    shown = {}
    for lang in others:
        shown[f"Question [{lang}]"] = words(N_("Question [%(language)s]")) % {"language": lang}
        shown[f"Options [{lang}]"] = words(N_("Options [%(language)s]")) % {"language": lang}
    return Table("Codebook", codebook_frame(definition, language, languages, words),
                 formats={"Number": "integer"}, shown=shown,
                 widths={"Question id": 24, "Pillar title": 24, "Question": 60,
                         "Options (code → label)": 44, "Scoring": 44, "Relevant when": 40,
                         "Standard": 24, "Visibility": 12})


def method_tables(definition: Definition, language: str | None = None,
                  words: Words = same) -> list[Table]:
    """"How scores are computed" in brief, from the definition (the app's method page
    says the same at length): the rules, then each pillar's scored items and weights."""
    method = scoring_method(definition, language, words)
    rules = pd.DataFrame([(topic.capitalize(), text) for topic, text in method.rules],
                         columns=["Rule", "How"])
    items = []
    for pillar in method.pillars:
        for item in pillar.items:
            items.append({
                "Pillar": pillar.title, "Number": float(item.number),
                "Question id": item.question_id, "Item": item.label,
                "Weight": item.weight, "Share of pillar": item.weight / pillar.total_weight
                if pillar.total_weight else None,
                "Points": "; ".join(item.terms),
                "Scored when": item.scored_when or words(N_("always")),
                "Worked out as": item.derived_from,
                "Not applicable offered": yes_no(item.not_applicable, words),
                "Unknown offered": yes_no(item.unknown, words),
            })
    frame = pd.DataFrame(items, columns=[
        "Pillar", "Number", "Question id", "Item", "Weight", "Share of pillar", "Points",
        "Scored when", "Worked out as", "Not applicable offered", "Unknown offered"])
    frame["Number"] = frame["Number"].astype("float64")
    frame["Weight"] = frame["Weight"].astype("float64")
    frame["Share of pillar"] = frame["Share of pillar"].astype("float64")
    return [
        Table("ScoringRules", rules, title=words(N_("How scores are computed (%(questionnaire)s)"))
              % {"questionnaire": method.questionnaire},
              widths={"Rule": 24, "How": 100}),
        Table("ScoredItems", frame, title=words(N_("Scored items, their weights and points")),
              formats={"Number": "integer", "Weight": "decimal", "Share of pillar": "0.0%"},
              widths={"Pillar": 24, "Item": 60, "Points": 60, "Scored when": 40,
                      "Worked out as": 36}),
    ]


def crosswalk_table(definition: Definition, previous: Definition | None,
                    language: str | None = None, words: Words = same) -> Table | None:
    """The crosswalk to the previous questionnaire version, when the definition maps one."""
    if definition.previous is None:
        return None
    frame = crosswalk(definition, previous, language)
    frame = frame.rename(columns={
        "question_id": "Question id", "number": "Number", "label": "Question",
        "previous_question_id": "Previous question id", "previous_number": "Previous number",
        "previous_label": "Previous question", "status": "Status",
        "carried_over": "Carried over", "change": "What changed"})
    frame["Number"] = frame["Number"].astype("float64")
    frame["Previous number"] = frame["Previous number"].astype("float64")
    frame["Carried over"] = [yes_no(c, words) for c in frame["Carried over"]]
    previous_key = f"{definition.previous.code}:{definition.previous.version}"
    return Table("Crosswalk", frame,
                 title=words(N_("Crosswalk %(previous)s ↔ %(current)s: “same” answers compare "
                                "across rounds; “changed”, “new” and “retired” do not"))
                 % {"previous": previous_key, "current": definition.key},
                 formats={"Number": "integer", "Previous number": "integer"},
                 widths={"Question id": 24, "Question": 50, "Previous question id": 24,
                         "Previous question": 50, "What changed": 50})


# -- overview ------------------------------------------------------------------------

def overview_tables(data: ExportInput, title: str) -> list[Table]:
    from .model import STATUS_FILTER_LABELS, is_unreviewed

    meta = data.meta
    w = data.words
    items = [(w(N_("DEMONSTRATION DATA")), w(N_("%(notice)s (round(s): %(rounds)s)")) % {
        "notice": w(DEMO_NOTICE), "rounds": ", ".join(meta.demo_rounds)})] if meta.demo else []
    items += [
        (w(N_("Export")), title),
        (w(N_("Round(s)")), meta.round_label),
        (w(N_("Questionnaire")), meta.questionnaire),
        (w(N_("Generated at (UTC)")), meta.generated_at.strftime("%Y-%m-%d %H:%M")),
        (w(N_("Generated by")), meta.generated_by),
        (w(N_("Sub-region")), subregion_name(meta.subregion, w) or w(N_("All sub-regions"))),
        (w(N_("Status filter")), w(STATUS_FILTER_LABELS[meta.status_filter])),
    ]
    if meta.country:
        items.append((w(N_("Country")), meta.country))
    if is_unreviewed(meta.status_filter):
        items.append((w(N_("WARNING")), w(N_(
            "UNREVIEWED: this export includes responses the working group has not approved. "
            "Figures may change."))))
    items.append((w(N_("Previous round")), meta.previous_round or w(N_("none"))))
    items.append((w(N_("Scores")), w(N_(
        "0–100 per pillar; blank = not enough answers to score (fewer than the "
        "questionnaire's minimum coverage)"))))
    items.append((w(N_("Data and CSV files")), w(N_(
        "The Data sheet and the CSV files keep the same column names in every language (in "
        "English), so scripts and pivot tables work whatever language an export is made in; "
        "codes (ISO3, question id, value code, status code) stand beside the labels. Every "
        "other sheet is in the export's language."))))
    about = pd.DataFrame(items, columns=["Item", "Value"])

    members = _ordered(data.members, meta.rounds) if len(data.members) else data.members
    allowed = set(data.included_members()["response_id"].astype(int))
    counts = []
    for rnd in meta.rounds:
        in_round = members[members["round"] == rnd]
        for code in STATUS_LABELS:
            n = int((in_round["status"] == code).sum())
            counts.append([rnd, status_label(code, w), float(n)])
    status_counts = pd.DataFrame(counts, columns=["Round", "Status", "Members"])
    listing = _member_ids(members, w) if len(members) else pd.DataFrame(columns=ID_COLUMNS)
    listing["Included"] = [yes_no(int(r) in allowed, w) for r in members["response_id"]]
    listing["Submitted"] = pd.to_datetime(members["submitted_at"]).to_numpy() \
        if len(members) else pd.Series(dtype="datetime64[us]")
    listing["Approved"] = pd.to_datetime(members["approved_at"]).to_numpy() \
        if len(members) else pd.Series(dtype="datetime64[us]")
    return [
        Table("About", about, widths={"Item": 24, "Value": 90}),
        Table("StatusCounts", status_counts, title=w(N_("Member responses by status")),
              formats={"Members": "integer"}),
        Table("Members", listing, title=w(N_("Every member response in scope")),
              formats={"Submitted": "datetime", "Approved": "datetime"},
              widths={"Country": 26, "Sub-region": 18, "Submitted": 18, "Approved": 18}),
    ]
