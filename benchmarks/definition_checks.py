"""How much the shape checks on definition files cost, and how fast hostile files are refused.

Prints, for the bundled questionnaire: the time to parse and validate it, and the share
of that spent on the event scan that refuses aliases, deep nesting and long lists
(issue 10). Then the time to refuse each hostile file of tests/security. Run:

    .venv/bin/python benchmarks/definition_checks.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from questionnaires import DefinitionError, bundled_definition_paths, parse_definition  # noqa: E402
from questionnaires.definition import _check_yaml_shape  # noqa: E402


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times) if runs < 5 else statistics.median(times)


def main() -> None:
    data = bundled_definition_paths()[0].read_bytes()
    whole = best_of(7, lambda: parse_definition(data, source="bundled"))
    scan = best_of(7, lambda: _check_yaml_shape(data, "bundled"))
    print(f"bundled definition ({len(data):,} bytes): parse and validate {whole * 1000:.1f} ms, "
          f"of which the shape scan {scan * 1000:.1f} ms ({scan / whole:.0%})")

    from tests.security.test_hostile_definitions import HOSTILE

    for name, (text, _expected) in sorted(HOSTILE.items()):
        raw = text.encode()

        def refuse(raw=raw, name=name):
            try:
                parse_definition(raw, source="hostile.yaml")
            except DefinitionError:
                return
            raise SystemExit(f"{name}: accepted")

        print(f"  refused {name!r} ({len(raw):,} bytes) in {best_of(3, refuse) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
