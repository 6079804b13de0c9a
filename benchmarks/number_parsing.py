"""How long reading and showing one typed number takes (questionnaires.numbers).

    .venv/bin/python benchmarks/number_parsing.py

Prints microseconds per call for parse_number on typical entries (read, asked, refused),
format_number, parse_machine_number, and the ratio to the old reader (float() after
stripping commas and spaces), so a section page of 40 numbers can be costed.
"""

from __future__ import annotations

import re
import timeit

from questionnaires.numbers import format_number, parse_machine_number, parse_number

ENTRIES = [("1 500 000,50", "fr"), ("1,500,000.50", "en"), ("1.500.000,50", "id"),
           ("1'500'000.50", "de_CH"), ("๑,๕๐๐.๕", "th"), ("١٬٥٠٠٫٥", "ar"), ("1.500", "fr"),
           ("1,50,000", "en"), ("1..5", "en"), ("42", "vi"), ("1,234", "zh_Hans_CN")]


def old_reader(text: str) -> float:
    """The reader this replaces (questionnaires.types._parse_number, without its checks)."""
    cleaned = text.strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    return float(cleaned) if re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", cleaned) else float("nan")


def per_call(fn, rounds: int) -> float:
    best = min(timeit.repeat(fn, number=rounds, repeat=5))
    return best / rounds * 1e6


def main() -> None:
    for text, locale in ENTRIES:  # warm Babel's locale data (loaded once per process)
        parse_number(text, locale)
    rounds = 2000
    parse_us = per_call(lambda: [parse_number(t, loc) for t, loc in ENTRIES], rounds) / len(ENTRIES)
    old_us = per_call(lambda: [old_reader(t) for t, _ in ENTRIES], rounds) / len(ENTRIES)
    fmt_us = per_call(lambda: [format_number(1500000.5, loc) for _, loc in ENTRIES],
                      rounds) / len(ENTRIES)
    machine_us = per_call(lambda: parse_machine_number("1500000.5"), rounds * 10)
    print(f"parse_number          {parse_us:8.1f} µs per entry ({len(ENTRIES)} entries, 7 locales)")
    print(f"old reader            {old_us:8.1f} µs per entry  (ratio {parse_us / old_us:.0f}x)")
    print(f"format_number         {fmt_us:8.1f} µs per value")
    print(f"parse_machine_number  {machine_us:8.1f} µs per value")
    print(f"a 40-number section page: {40 * (parse_us + fmt_us) / 1000:.2f} ms to read and show")


if __name__ == "__main__":
    main()
