"""How long the XLSForm export and import take for the bundled questionnaire(s).

    .venv/bin/python benchmarks/xlsform.py [--repeat N]

Prints, per bundled definition: questions, workbook size, and the median seconds to
build the XLSForm, to read it back into a validated definition, and (for scale) to
load the YAML file itself. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import statistics
import time

from exports.xlsform import build_xlsform
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.xlsform import read_xlsform


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    read_xlsform(build_xlsform(load_definition(bundled_definition_paths()[0])), "warm-up")
    for path in bundled_definition_paths():
        definition = load_definition(path)
        data = build_xlsform(definition)
        export = median_seconds(lambda d=definition: build_xlsform(d), args.repeat)
        imported = median_seconds(lambda b=data, d=definition: read_xlsform(b, d.code), args.repeat)
        yaml_load = median_seconds(lambda p=path: load_definition(p), args.repeat)
        print(f"{definition.key}: {len(definition.questions)} questions, XLSForm {len(data):,} bytes; "
              f"export {export * 1000:.1f} ms, import {imported * 1000:.1f} ms "
              f"(YAML load {yaml_load * 1000:.1f} ms; import/YAML {imported / yaml_load:.1f}x), "
              f"median of {args.repeat}")


if __name__ == "__main__":
    main()
