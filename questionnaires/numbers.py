"""Numbers typed as people type them, read by the rules of their language.

A pure function of the text and a locale (no Flask, no database); Babel supplies the
locale data (decimal and grouping marks, group sizes, minus and percent signs,
numbering systems). Nothing here guesses: an entry is read, asked about, or refused.

API
---
``parse_number(text, locale, *, integer=False, percent=False, decimals=None, chosen=None)``
    Read what a person typed into a number field. ``locale`` is a Babel ``Locale`` or a
    code such as ``"fr"``, ``"zh_Hans_CN"`` or ``"zh-Hans-CN"``. Returns exactly one of:

    ``Understood(value)``
        ``value`` is a ``decimal.Decimal`` without trailing zeros (``1500000.5``), at most
        15 significant digits, so ``int(value)`` (integer questions) or
        ``float(value)`` (other questions) stores it exactly.
    ``Ambiguous(choices, code, message, params)``
        The language's rules do not settle the entry; the page must ask. ``choices``
        holds one or two ``Choice`` objects, the whole-number reading first:
        ``value`` (Decimal), ``machine`` (``"1500"``, ``"1.5"``: the value to post back),
        ``shown`` (formatted for the locale, unmistakable in it) and ``whole`` (a whole
        number or not, for a label such as "a whole number" / "with decimals").
        Two choices: ``"1.500"`` in French could be 1500 or 1.5. One choice (a
        confirmation): ``"1.500.000,50"`` in English, written by other rules.
    ``Refused(code, message, params)``
        Nothing can be read; ``message`` says how to type it in this language
        ("Type it like 1 500 000,50 or 1500000,50.").

    After the person picks a choice, call ``parse_number`` again with the same text and
    ``chosen=<the choice's machine form>``: it returns ``Understood`` when that is one
    of the readings of this very text, else the same answer as without ``chosen`` (so a
    stale or forged choice never stores anything the text does not say).

    ``integer=True`` reads whole numbers only: a decimal part is refused ("not_whole"),
    and a mark is never read as a decimal mark, so ``"1.000"`` in English asks "did you
    mean 1,000?" instead of storing 1. ``decimals=n`` does the same for more than ``n``
    digits after the decimal mark ("too_many_decimals"); give ``decimals=2`` to amounts
    of money, so that ``"250.000"`` typed by someone used to continental rules is asked
    about rather than stored as 250.
    ``percent=True`` accepts one percent sign before or after the number (``12,5 %``,
    ``%12,5`` in Turkish, ``٪`` in Arabic) and ignores it: the value is the number of
    percent (12.5). Without it a percent sign is refused ("percent_sign").

``parse_machine_number(value, *, integer=False)``
    For files whose format fixes the separators (CSV from other tools, numeric cells of
    a spreadsheet): ``int``, ``float`` and ``Decimal`` values, or text in the one
    canonical form ``-1500000.5`` (ASCII digits, optional sign, a period for
    decimals), whatever the locale. Returns ``Understood`` or ``Refused``, never
    ``Ambiguous``. Floats are read through their shortest representation and, like
    Excel, kept to 15 significant digits.

``format_number(value, locale, *, grouping=True, percent=False, numbering_system="default")``
    The stored value shown back (beside the field, in summaries, as the field's value
    when the form is shown again). Round-trips: ``parse_number(format_number(v, L), L)``
    is ``Understood(v)`` for every locale Babel knows (tested). ``numbering_system`` is
    ``"default"`` (the locale's own: Persian digits for ``fa``, Latin for ``ar``),
    ``"latn"``, ``"native"`` (Thai digits for ``th``) or a CLDR numbering system id.

Messages are English; each result carries a ``code`` and ``params`` so the app can
translate: ``MESSAGES[code]`` is the English template (``%(name)s`` placeholders, marked
with ``N_`` for ``pybabel extract -k N_``), ``message == MESSAGES[code] % params``.

How an entry is read
--------------------
* Digits of any script (Thai ๑๒๓, Arabic-Indic ٠١٢٣, Persian ۰۱۲۳, Devanagari,
  full-width １２３, ...) count as digits; bidirectional marks and other invisible
  formatting characters are ignored; leading and trailing spaces are ignored.
* A minus (``-``, ``−`` U+2212, full-width ``－``, an en dash) or plus sign may start
  the number.
* Spaces of any width (U+0020, U+00A0, U+202F, thin, ideographic), apostrophes
  (``'``, ``’``) and the Arabic thousands mark ``٬`` only ever group digits; the Arabic
  decimal mark ``٫`` only ever marks decimals. Marks the locale's own data names
  (``،`` in Kashmiri) keep their locale role.
* ``.`` and ``,`` are read by the locale: each is the language's decimal mark, its
  grouping mark, or neither ("foreign": ``.`` in French, ``,`` in Swiss German). Every
  way of reading the marks is tried; a reading must have at most one decimal mark,
  after every grouping mark, and valid groups (three digits; the language's own sizes
  such as Indian 12,34,567 too; the first group 1-3 digits, not starting with 0).
  - One reading that follows the language's rules: the value.
  - Several readings that follow the rules (only possible with a foreign mark:
    ``1.500`` in French, ``1,500`` in Swiss German): ask, both candidates.
  - Readings that only break the rules (a mark in the role the language gives the
    other one, as ``1.500.000,50`` in English; Indian groups in a language that groups
    by three; two different grouping marks): ask to confirm, never store silently.
  - No reading: refused, with the reason.
* Refused outright: letters and words ("1.5 million"), currency signs and codes
  (``$``, ``Rp``, ``USD``: the question names its currency), scientific notation
  (``1.5E6``), more than 15 significant digits, a percent sign where no percentage is
  asked, a decimal part in a whole-number question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import product
from typing import Any

from babel import Locale
from babel.numbers import list_currencies

MAX_DIGITS = 15   # float64 keeps 15 significant decimal digits exactly (DBL_DIG), as Excel does
MAX_TEXT = 100    # longer input is not a number anybody typed


def N_(message: str) -> str:
    """Mark an English message for the translation catalogue (``pybabel extract -k N_``)."""
    return message


MESSAGES: dict[str, str] = {
    "empty": N_("Type a number."),
    "too_long": N_("This number is too long: type at most 15 digits, for example %(example)s."),
    "letters": N_("Type the number in digits only, without words or letters, for example "
                  "%(example)s or %(plain)s."),
    "currency": N_("Type the amount without a currency sign or code (the question says which "
                   "currency), for example %(example)s or %(plain)s."),
    "scientific": N_("Type the number in full, without an exponent, for example %(example)s "
                     "or %(plain)s."),
    "percent_sign": N_("Type the number without a percent sign, for example %(example)s or "
                       "%(plain)s."),
    "sign": N_("Put a minus sign only at the start of the number, for example %(negative)s."),
    "not_whole": N_("This question asks for a whole number: type it without decimals, for "
                    "example %(example)s or %(plain)s."),
    "too_many_decimals": N_("Type at most %(decimals)s digits after the decimal mark, for example "
                            "%(example)s or %(plain)s."),
    "grouping": N_("The digits are not grouped the usual way. Type the number like %(example)s, "
                   "or without separators: %(plain)s."),
    "separators": N_("This number cannot be read. Type it like %(example)s or %(plain)s."),
    "machine": N_("Expected a number written with digits, an optional minus sign and a period "
                  "for decimals, like %(example)s."),
    # Ambiguities: the page asks which reading was meant.
    "two_readings": N_("This can be read in two ways: did you mean %(first)s or %(second)s?"),
    "unusual": N_("This is not how numbers are usually written in this language: did you "
                  "mean %(first)s?"),
}


# -- results -------------------------------------------------------------------------

@dataclass(frozen=True)
class Understood:
    """The number the person typed."""

    value: Decimal
    text: str = ""


@dataclass(frozen=True)
class Choice:
    """One way of reading an ambiguous entry."""

    value: Decimal
    machine: str   # the canonical form to post back as ``chosen``: "1500", "-1.5"
    shown: str     # formatted for the locale, e.g. "1 500" or "1,5" in French
    whole: bool    # a whole number (for a label such as "a whole number" / "with decimals")


@dataclass(frozen=True)
class Ambiguous:
    """An entry the language's rules do not settle: the page asks which reading was meant."""

    text: str
    choices: tuple[Choice, ...]
    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> tuple[Decimal, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Refused:
    """An entry that cannot be read, with how to type it."""

    text: str
    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)


ParsedNumber = Understood | Ambiguous | Refused


# -- characters ------------------------------------------------------------------------

SIGNS = {"-": "-", "\u2212": "-", "\uff0d": "-", "\ufe63": "-", "\u2012": "-", "\u2013": "-",
         "+": "+", "\uff0b": "+", "\ufe62": "+"}
PERCENT_SIGNS = frozenset("%\u066a\uff05\ufe6a")
APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u2032\uff07")
FULLWIDTH_MARKS = {"\uff0e": ".", "\uff0c": ","}
ARABIC_DECIMAL = "\u066b"
ARABIC_GROUP = "\u066c"
# Marks with one role in every language. Spaces of every width become " ", apostrophes "'".
FIXED_ROLES = {" ": "group", "'": "group", ARABIC_GROUP: "group", ARABIC_DECIMAL: "decimal"}

# Zero digit of each CLDR numbering system that a locale uses by default or as native;
# the other nine digits follow it in Unicode (the tests check this).
ZERO_DIGITS = {
    "latn": 0x30, "arab": 0x660, "arabext": 0x6F0, "nkoo": 0x7C0, "deva": 0x966, "beng": 0x9E6,
    "guru": 0xA66, "gujr": 0xAE6, "orya": 0xB66, "tamldec": 0xBE6, "telu": 0xC66, "knda": 0xCE6,
    "mlym": 0xD66, "thai": 0xE50, "laoo": 0xED0, "tibt": 0xF20, "mymr": 0x1040, "khmr": 0x17E0,
    "mong": 0x1810, "olck": 0x1C50, "vaii": 0xA620, "mtei": 0xABF0, "fullwide": 0xFF10,
    "cakm": 0x11136, "hmnp": 0x1E140, "adlm": 0x1E950,
}


def _normalise_characters(text: str) -> str:
    """Digits of any script to ASCII, look-alike marks to one form, invisible marks dropped.

    Only decimal digits (Unicode category Nd) count: "10²" stays unreadable rather than
    becoming 102.
    """
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif category == "Cf":  # bidi marks (U+200E, U+061C), zero-width spaces, soft hyphens
            continue
        elif category == "Zs":
            out.append(" ")
        elif ch in SIGNS:
            out.append(SIGNS[ch])
        elif ch in PERCENT_SIGNS:
            out.append("%")
        elif ch in APOSTROPHES:
            out.append("'")
        else:
            out.append(FULLWIDTH_MARKS.get(ch, ch))
    return "".join(out)


# -- the locale's rules ----------------------------------------------------------------

def _as_locale(locale: Locale | str) -> Locale:
    return locale if isinstance(locale, Locale) else _parse_locale(locale)


@lru_cache(maxsize=256)
def _parse_locale(code: str) -> Locale:
    return Locale.parse(code, sep="-" if "-" in code else "_")


@dataclass(frozen=True)
class _Symbols:
    decimal: str
    group: str
    minus: str
    percent: str


@lru_cache(maxsize=512)
def _symbols(loc: Locale, system: str) -> _Symbols:
    """The locale's marks in a numbering system, or its Latin ones where it has none."""
    try:
        table = loc.number_symbols[system]
        found = [table[key] for key in ("decimal", "group", "minusSign", "percentSign")]
    except KeyError:
        found = [None] * 4
    if not all(found):
        table = loc.number_symbols["latn"]
        found = [table[key] for key in ("decimal", "group", "minusSign", "percentSign")]
    return _Symbols(*found)


@dataclass(frozen=True)
class _Rules:
    roles: dict[str, str]                        # mark -> "decimal" | "group" | "either"
    native_groupings: frozenset[tuple[int, int]]  # (primary, secondary) group sizes
    other_groupings: frozenset[tuple[int, int]]
    currency_codes: frozenset[str]
    currency_words: frozenset[str]


_ISO_CURRENCIES = frozenset(list_currencies())


@lru_cache(maxsize=256)
def _rules(loc: Locale) -> _Rules:
    roles: dict[str, str] = dict(FIXED_ROLES)
    for system in sorted({"latn", loc.default_numbering_system}):
        symbols = _symbols(loc, system)
        roles.setdefault(_normalise_characters(symbols.decimal), "decimal")
        roles.setdefault(_normalise_characters(symbols.group).strip() or " ", "group")
    for mark in ".,":
        roles.setdefault(mark, "either")  # neither the decimal nor the grouping mark here
    grouping = tuple(loc.decimal_formats[None].grouping)
    native = {(3, 3)} | ({grouping} if grouping[0] < 100 else set())
    words = {s.casefold() for s in loc.currency_symbols.values() if any(c.isalpha() for c in s)}
    return _Rules(roles, frozenset(native), frozenset({(3, 2)} - native), _ISO_CURRENCIES,
                  frozenset(words))


def _system(loc: Locale, numbering_system: str) -> str:
    if numbering_system == "default":
        system = loc.default_numbering_system
    elif numbering_system == "native":
        system = loc.other_numbering_systems.get("native", "latn")
    else:
        system = numbering_system
    return system if system in ZERO_DIGITS else "latn"


# -- formatting --------------------------------------------------------------------------

def _to_decimal(value: Decimal | int | float) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise TypeError(f"not a number: {value!r}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if number.as_tuple().exponent > 0 or (isinstance(value, float) and value.is_integer()):
        number = Decimal(int(number))  # 1E+3 and 1000.0 -> 1000 (exact, whatever the size)
    return number


def _canonical(value: Decimal) -> Decimal:
    """The same number without trailing zeros, exponent or negative zero."""
    if not value:
        return Decimal(0)
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def machine_form(value: Decimal | int | float) -> str:
    """The locale-free canonical form: ``"-1500000.5"``."""
    return format(_canonical(_to_decimal(value)), "f")


def _group(digits: str, sizes: tuple[int, int], mark: str) -> str:
    primary, secondary = sizes
    if primary >= 100 or len(digits) <= primary:
        return digits
    parts, rest = [digits[-primary:]], digits[:-primary]
    while len(rest) > secondary:
        parts.append(rest[-secondary:])
        rest = rest[:-secondary]
    parts.append(rest)
    return mark.join(reversed(parts))


def format_number(value: Decimal | int | float, locale: Locale | str, *, grouping: bool = True,
                  percent: bool = False, numbering_system: str = "default") -> str:
    """``value`` written the way the locale writes numbers; ``parse_number`` reads it back.

    A ``Decimal`` keeps its scale (``Decimal("1500000.50")`` shows ",50"); ``int`` and
    ``float`` show the fewest digits that give the same number. Nothing is rounded.
    Built from Babel's locale data rather than ``babel.numbers.format_decimal``, which
    treats pairs of apostrophes in its output as pattern quotes (de_CH 1234567 comes out
    as "1234567", 1234567890 as "1234567'890") and never writes native digits.
    """
    loc = _as_locale(locale)
    number = _to_decimal(value)
    system = _system(loc, numbering_system)
    symbols = _symbols(loc, system)
    sign, digits, exponent = number.as_tuple()
    text = "".join(map(str, digits))
    if exponent < 0:
        text = text.rjust(1 - exponent, "0")
        whole, fraction = text[:exponent], text[exponent:]
    else:
        whole, fraction = text, ""
    if grouping:
        whole = _group(whole, loc.decimal_formats[None].grouping, symbols.group)
    shown = whole + (symbols.decimal + fraction if fraction else "")
    if system != "latn":
        zero = ZERO_DIGITS[system]
        shown = "".join(chr(zero + ord(c) - 48) if "0" <= c <= "9" else c for c in shown)
    negative = bool(sign) and bool(number)
    if percent:
        pattern = loc.percent_formats[None]
        prefix, suffix = pattern.prefix[negative], pattern.suffix[negative]
        return (prefix.replace("-", symbols.minus).replace("%", symbols.percent) + shown
                + suffix.replace("%", symbols.percent))
    return symbols.minus + shown if negative else shown


def _examples(loc: Locale, places: int | None, percent: bool) -> dict[str, str]:
    """Example entries for a message: the locale's way, and without grouping."""
    sample = Decimal("12.5") if percent else Decimal("1500000.50")
    if places is not None and places < -sample.as_tuple().exponent:
        sample = sample.quantize(Decimal(1).scaleb(-places))
    if percent:
        example, plain = format_number(sample, loc, percent=True), format_number(sample, loc)
    else:
        example, plain = format_number(sample, loc), format_number(sample, loc, grouping=False)
    params = {"example": example, "plain": plain, "negative": format_number(-sample, loc)}
    if places is not None:
        params["decimals"] = format_number(places, loc)
    return params


def _refused(text: str, loc: Locale, code: str, places: int | None, percent: bool) -> Refused:
    params = _examples(loc, places, percent)
    return Refused(text, code, MESSAGES[code] % params, params)


# -- parsing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Reading:
    value: Decimal
    places: int | None    # digits typed after the decimal mark; None without one
    follows_rules: bool   # every mark in the role the language gives it, usual groups


_FAILURES = ("separators", "grouping", "too_many_decimals", "not_whole")  # later: more telling


def _grouping_fits(runs: list[str], sizes: tuple[int, int]) -> bool:
    primary, secondary = sizes
    first, *middle, last = runs
    return (len(last) == primary and all(len(r) == secondary for r in middle)
            and 1 <= len(first) <= secondary)


def _read(negative: bool, tokens: list[str], roles: dict[str, str], rules: _Rules) -> _Reading | str:
    """One way of reading the marks: a reading, or the name of what is wrong with it."""
    marks = [(i, t) for i, t in enumerate(tokens) if not t.isdigit()]
    decimal_at = [i for i, t in marks if roles[t] == "decimal"]
    if len(decimal_at) > 1 or (decimal_at and decimal_at[0] != marks[-1][0]):
        return "separators"
    end = decimal_at[0] if decimal_at else len(tokens)
    whole_tokens, fraction = tokens[:end], (tokens[end + 1] if decimal_at else "")
    group_marks = [t for t in whole_tokens if not t.isdigit()]
    runs = [t for t in whole_tokens if t.isdigit()]
    follows = all(rules.roles[t] in ("either", roles[t]) for _, t in marks)
    if group_marks:
        if not whole_tokens[0].isdigit() or runs[0].startswith("0"):
            return "grouping"
        if not any(_grouping_fits(runs, sizes) for sizes in rules.native_groupings):
            if not any(_grouping_fits(runs, sizes) for sizes in rules.other_groupings):
                return "grouping"
            follows = False  # Indian groups where the language groups by three
        if len(set(group_marks)) > 1:
            follows = False  # two kinds of grouping mark, as in "1.500 000"
    text = "".join(runs) or "0"
    value = Decimal(("-" if negative else "") + text + ("." + fraction if fraction else ""))
    return _Reading(_canonical(value), len(fraction) if decimal_at else None, follows)


def _too_long(value: Decimal) -> bool:
    return value.adjusted() >= MAX_DIGITS or len(value.normalize().as_tuple().digits) > MAX_DIGITS


_SCIENTIFIC = re.compile(r"[0-9]\s*(?:[eE]\s*[-+]?\s*[0-9]|[x×*]\s*10(?![0-9]))")
_LETTERS = re.compile(r"[^\W\d_]+")


def _peel(s: str) -> tuple[str, bool, bool] | str:
    """Take the sign and the percent sign off: (rest, negative, had percent), or a failure."""
    negative = signed = has_percent = False
    while s and s[0] in "+-%":
        if s[0] == "%":
            if has_percent:
                return "separators"
            has_percent = True
        else:
            if signed:
                return "separators"
            signed, negative = True, s[0] == "-"
        s = s[1:].lstrip()
    if s.endswith("%"):
        if has_percent:
            return "separators"
        has_percent, s = True, s[:-1].rstrip()
    return s, negative, has_percent


def parse_number(text: str, locale: Locale | str, *, integer: bool = False, percent: bool = False,
                 decimals: int | None = None, chosen: str | None = None) -> ParsedNumber:
    """Read a number typed by a person who writes numbers by ``locale``'s rules."""
    if not isinstance(text, str):
        raise TypeError(f"parse_number reads text, not {type(text).__name__}")
    loc = _as_locale(locale)
    rules = _rules(loc)
    places = 0 if integer else decimals

    def refuse(code: str) -> Refused:
        return _refused(text, loc, code, places, percent)

    if len(text) > MAX_TEXT:
        return refuse("too_long")
    s = _normalise_characters(text).strip()
    if not s:
        return refuse("empty")
    if "$" in s or (not s.isascii() and any(unicodedata.category(c) == "Sc" for c in s)):
        return refuse("currency")
    if _SCIENTIFIC.search(s):
        return refuse("scientific")
    words = _LETTERS.findall(s)
    if words:
        currency = any(w in rules.currency_codes or w.casefold() in rules.currency_words
                       for w in words)
        return refuse("currency" if currency else "letters")
    peeled = _peel(s)
    if isinstance(peeled, str):
        return refuse(peeled)
    s, negative, has_percent = peeled
    if has_percent and not percent:
        return refuse("percent_sign")
    if "-" in s or "+" in s:
        return refuse("sign")
    s = re.sub(" +", " ", s)
    if not s or any(not ("0" <= c <= "9") and c not in rules.roles for c in s):
        return refuse("separators")
    tokens = re.findall(r"[0-9]+|[^0-9]", s)
    if not tokens[-1].isdigit() or any(not a.isdigit() and not b.isdigit()
                                       for a, b in zip(tokens, tokens[1:])):
        return refuse("separators")

    readings: list[_Reading] = []
    failure = "separators"
    free = sorted({t for t in tokens if t in ".,"})  # each may group digits or mark decimals
    for assignment in product(("group", "decimal"), repeat=len(free)):
        roles = {**rules.roles, **dict(zip(free, assignment))}
        result = _read(negative, tokens, roles, rules)
        if isinstance(result, str):
            failure = max(failure, result, key=_FAILURES.index)
        elif places is not None and (result.places or 0) > places:  # integer: places == 0
            failure = max(failure, "not_whole" if places == 0 else "too_many_decimals",
                          key=_FAILURES.index)
        else:
            readings.append(result)
    if not readings:
        return refuse(failure)
    if any(_too_long(r.value) for r in readings):
        return refuse("too_long")

    within = [r for r in readings if r.follows_rules]
    if len(within) == 1:
        return Understood(within[0].value, text)
    ask = sorted(within or readings, key=lambda r: r.places is not None)  # 1500 first, then 1.5
    choices = tuple(Choice(r.value, machine_form(r.value), format_number(r.value, loc),
                           whole=r.value == r.value.to_integral_value()) for r in ask)
    if chosen is not None:
        picked = parse_machine_number(chosen, integer=integer)
        if isinstance(picked, Understood):
            for choice in choices:
                if choice.value == picked.value:
                    return Understood(choice.value, text)
    if len(choices) > 1:
        code, params = "two_readings", {"first": choices[0].shown, "second": choices[1].shown}
    else:
        code, params = "unusual", {"first": choices[0].shown}
    return Ambiguous(text, choices, code, MESSAGES[code] % params, params)


_MACHINE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")


def parse_machine_number(value: Any, *, integer: bool = False) -> Understood | Refused:
    """Read a number whose format is fixed by the file, not by anybody's language.

    Accepts ``int``, ``float``, ``Decimal`` and text like ``"-1500000.5"`` (surrounding
    spaces allowed). A float keeps 15 significant digits, as Excel does.
    """
    text = value if isinstance(value, str) else repr(value)
    en = Locale("en")
    params = {"example": "1500000" if integer else "1500000.5"}
    refused = Refused(text, "machine", MESSAGES["machine"] % params, params)
    if isinstance(value, str):
        if not _MACHINE.fullmatch(value.strip()):
            return refused
        number = Decimal(value.strip())
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            number = _to_decimal(value)
        except ValueError:
            return refused
    else:
        return refused
    places = 0 if integer else None
    if number.adjusted() >= MAX_DIGITS:
        return _refused(text, en, "too_long", places, False)
    if isinstance(value, float):
        number = number.quantize(Decimal(1).scaleb(min(0, number.adjusted() - MAX_DIGITS + 1)))
    number = _canonical(number)
    if _too_long(number):
        return _refused(text, en, "too_long", places, False)
    if integer and number != number.to_integral_value():
        return _refused(text, en, "not_whole", places, False)
    return Understood(number, text)
