"""How long a whole-questionnaire answer workbook for one country takes to build and read back.

    .venv/bin/python benchmarks/answer_workbook.py [--repeat N]

Also: a KoboToolbox submission export of the same answers from nine agencies (CSV, group
prefixes in the headers, one 0/1 column per option), read into merged proposals
(``questionnaires.submissions``).

For each bundled questionnaire, every question answered (as a country that has answered
everything would download it): the median seconds to build the workbook
(``exports.answer_workbook``), to read it back into proposed answers
(``questionnaires.answer_workbook``, through the safe reader), and, for scale, a bare
openpyxl read-only pass over the same file. No timing is asserted anywhere; the goal is
"well under a second" for build plus read.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import time

import openpyxl

from exports.answer_workbook import build_answer_workbook
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.answer_workbook import AnswerWorkbook, StoredAnswer, WorkbookMeta
from questionnaires.submissions import SubmissionExport

SAMPLES = {"integer": 12, "decimal": 3.5, "percentage": 40, "year": 2019,
           "short_text": "Financial Intelligence Unit", "long_text": "Two\nlines of notes",
           "legal_reference": {"instrument": "Anti-Money Laundering Act", "article": "s 3",
                               "year": 2005},
           "statistical_year": {"basis": "financial", "start": "2024-07", "end": "2025-06"}}


def every_answer(definition) -> dict[str, StoredAnswer]:
    answers = {}
    for q in definition.questions:
        if q.computed:
            continue
        codes = q.kind.option_codes(q)
        value = SAMPLES.get(q.type)
        if q.type == "evaluation_rating":
            value = {"rating": codes[0], "methodology": "2013"}
        elif value is None and codes:
            value = codes[:2] if q.type == "multiple_choice" else codes[0]
        answers[q.id] = StoredAnswer(q.normalise(value), "Annual report, p. 12", 3, "seen")
    return answers


def kobo_export(definition, answers: dict[str, StoredAnswer], agencies: int = 9) -> bytes:
    """The answers as nine agencies' submissions in a Kobo CSV export (semicolons, groups)."""
    header: list[str] = ["start", "end"]
    row: dict[str, object] = {}
    for section in definition.sections:
        for q in section.questions:
            if q.id not in answers:
                continue
            group = f"{section.id}/{q.id}" if q.kind.xlsform_base == "begin_group" else section.id
            for key, value in q.kind.workbook_prefill(q, answers[q.id].value).items():
                if all(c.rule == "tick" for c in q.kind.workbook_cells(q)):
                    name = f"{section.id}/{q.id}/{key}"
                else:
                    name = f"{group}/{q.id}__{key}" if key else f"{group}/{q.id}"
                header.append(name)
                row[name] = value
    header += ["_id", "_uuid", "_submission_time", "_submitted_by"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for n in range(agencies):
        meta = {"_id": n, "_uuid": f"u{n}", "_submitted_by": f"agency{n}"}
        writer.writerow([row.get(h, meta.get(h, "")) for h in header])
    return out.getvalue().encode()


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_read(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return sum(1 for ws in book.worksheets for _row in ws.iter_rows(values_only=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for path in bundled_definition_paths((1, 2)):
        definition = load_definition(path)
        answers = every_answer(definition)
        meta = WorkbookMeta(country="THA", country_name="Thailand", round_name="benchmark",
                            questionnaire=f"{definition.code}:{definition.version}",
                            language="en", sections=())
        data = build_answer_workbook(definition, meta, answers)
        reading = AnswerWorkbook.open(data).read(definition, "en")
        assert not reading.errors and len(reading.answers) == len(answers)
        build = median_seconds(lambda d=definition, m=meta, a=answers:
                               build_answer_workbook(d, m, a), args.repeat)
        read = median_seconds(lambda b=data, d=definition: AnswerWorkbook.open(b).read(d, "en"),
                              args.repeat)
        bare = median_seconds(lambda b=data: bare_read(b), args.repeat)
        print(f"{definition.code}:{definition.version}: {len(answers)} answers, workbook "
              f"{len(data):,} bytes; build {build * 1000:.1f} ms, read back {read * 1000:.1f} ms, "
              f"together {(build + read) * 1000:.1f} ms (bare openpyxl read {bare * 1000:.1f} ms; "
              f"read/bare {read / bare:.1f}x), median of {args.repeat}")
        export = kobo_export(definition, answers)
        merged = SubmissionExport.open(export, "kobo.csv").read(definition)
        assert not merged.errors and all(len(o) == 1 for o in merged.offers.values()), \
            merged.errors[:3]
        kobo = median_seconds(lambda b=export, d=definition:
                              SubmissionExport.open(b, "kobo.csv").read(d), args.repeat)
        print(f"  Kobo CSV export, 9 agencies: {len(export):,} bytes, {len(merged.offers)} "
              f"questions merged in {kobo * 1000:.1f} ms, median of {args.repeat}")


if __name__ == "__main__":
    main()
