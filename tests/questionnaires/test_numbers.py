"""Numbers typed as people type them: read, asked about, or refused — never misread."""

import unicodedata
from decimal import Decimal

import pytest
from babel import Locale, localedata
from babel.numbers import get_group_symbol
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires.numbers import (
    MESSAGES,
    ZERO_DIGITS,
    Ambiguous,
    Refused,
    Understood,
    format_number,
    machine_form,
    parse_machine_number,
    parse_number,
)

NNBSP, NBSP = "\u202f", "\u00a0"
D = Decimal


def ask(*candidates):
    return ("ask", tuple(D(c) for c in candidates))


def refuse(code):
    return ("refuse", code)


def outcome(result):
    if isinstance(result, Understood):
        return result.value
    if isinstance(result, Ambiguous):
        return ("ask", result.values)
    assert isinstance(result, Refused)
    return ("refuse", result.code)


# (typed, locale, expected): a Decimal, ask(candidates...) or refuse(code); decimal questions.
TABLE = [
    # the issue's own forms, each in the language that writes it so
    ("1 500 000,50", "fr", D("1500000.50")),
    (f"1{NNBSP}500{NNBSP}000,50", "fr", D("1500000.50")),
    (f"1{NBSP}500{NBSP}000,50", "fr", D("1500000.50")),
    ("1,500,000.50", "en", D("1500000.50")),
    ("1.500.000,50", "id", D("1500000.50")),
    ("1.500.000,50", "vi", D("1500000.50")),
    ("1'500'000.50", "de_CH", D("1500000.50")),
    ("1’500’000.50", "de_CH", D("1500000.50")),          # typographic apostrophe
    ("1,500,000.50", "zh_Hans_CN", D("1500000.50")),
    ("１，５００，０００．５０", "zh_Hans_CN", D("1500000.50")),   # full-width, as a CJK IME types
    ("๑,๕๐๐,๐๐๐.๕๐", "th", D("1500000.50")),              # Thai digits
    ("1,500,000.50", "th", D("1500000.50")),
    ("١٬٥٠٠٬٠٠٠٫٥٠", "ar", D("1500000.50")),              # Arabic-Indic digits, U+066C and U+066B
    ("١٥٠٠٠٠٠٫٥", "ar_EG", D("1500000.5")),
    ("۱٬۵۰۰٬۰۰۰٫۵۰", "fa", D("1500000.50")),              # Persian digits
    ("\u200e−۱۲٫۵", "fa", D("-12.5")),                     # as Babel writes a Persian minus
    ("12,34,567.50", "hi", D("1234567.50")),               # Indian grouping where it is the rule
    ("1,234,567.50", "en_IN", D("1234567.50")),            # and Western grouping there too
    ("  -1,500  ", "en", D("-1500")),
    ("\u22121500", "en", D("-1500")),                      # U+2212 minus
    ("+7", "en", D("7")),
    ("1500000", "vi", D("1500000")),
    (".5", "en", D("0.5")),
    ("0,001", "fr", D("0.001")),
    ("1 500.50", "fr", D("1500.50")),                      # SI style: spaces group, a period
    ("1.5", "fr", D("1.5")),                               # a period can only be decimal here
    ("1.500.000", "fr", D("1500000")),                     # ... and only grouping here
    ("1,500", "en", D("1500")),                            # English rules settle it
    ("1.500", "id", D("1500")),                            # Indonesian rules settle it
    ("1,5", "id", D("1.5")),
    ("1.500", "de_CH", D("1.5")),
    # the language's rules do not settle it: both readings
    ("1.500", "fr", ask("1500", "1.5")),
    ("1,500", "de_CH", ask("1500", "1.5")),
    ("12.345", "ru", ask("12345", "12.345")),
    # written by other rules than the language's: confirm, never store silently
    ("1.500.000,50", "en", ask("1500000.50")),
    ("1 500 000,50", "en", ask("1500000.50")),
    ("1,500,000.50", "fr", ask("1500000.50")),
    ("1,500,000.50", "id", ask("1500000.50")),
    ("1,5", "en", ask("1.5")),
    ("1.5", "de", ask("1.5")),
    ("1,50,000", "en", ask("150000")),                     # Indian groups in English
    ("1.500 000", "en", ask("1500000")),                   # two kinds of grouping mark
    # refused, with the reason
    ("", "en", refuse("empty")),
    ("   ", "fr", refuse("empty")),
    ("1,50,0", "en", refuse("grouping")),
    ("15,00,000.5", "fr", ask("1500000.5")),                # Indian groups in French: confirm
    ("15,00,00.5", "en", refuse("grouping")),
    ("01,500", "en", ask("1.5")),                          # no group starts with 0
    ("1..5", "en", refuse("separators")),
    ("1.500.", "en", refuse("separators")),
    ("1.2.3,4,5", "de", refuse("grouping")),
    ("1e6", "en", refuse("scientific")),
    ("1.5E+06", "fr", refuse("scientific")),
    ("1.5x10^6", "en", refuse("scientific")),
    ("$1,500", "en", refuse("currency")),
    ("1 500 €", "fr", refuse("currency")),
    ("Rp 1.500.000", "id", refuse("currency")),
    ("1500 USD", "en", refuse("currency")),
    ("1.5 million", "en", refuse("letters")),
    ("1,5 juta", "id", refuse("letters")),
    ("twelve", "en", refuse("letters")),
    ("10²", "en", refuse("letters")),                      # never read as 102
    ("12%", "en", refuse("percent_sign")),
    ("5-", "en", refuse("sign")),
    ("--5", "en", refuse("separators")),
    ("1_000", "en", refuse("separators")),
    ("1234567890123456", "en", refuse("too_long")),
    ("0.1234567890123456", "en", refuse("too_long")),
    ("1" * 101, "en", refuse("too_long")),
]


@pytest.mark.parametrize("typed, locale, expected", TABLE)
def test_parsing_table(typed, locale, expected):
    assert outcome(parse_number(typed, locale)) == expected


def test_the_table_covers_thirty_forms_in_several_languages():
    assert len(TABLE) >= 30
    assert {"en", "fr", "id", "th", "vi", "zh_Hans_CN", "ar", "fa", "de_CH", "hi"} <= {
        locale for _, locale, _ in TABLE}


def test_the_issue_entry_is_one_and_a_half_million_not_150_million():
    result = parse_number("1 500 000,50", "fr")
    assert isinstance(result, Understood)
    assert result.value == D("1500000.5") and float(result.value) == 1500000.5


# -- whole numbers, decimals, percentages ----------------------------------------------

@pytest.mark.parametrize("typed, locale, expected", [
    ("1,500", "en", D(1500)),
    ("1.500", "fr", D(1500)),            # 1.5 is no whole number: only the grouping is left
    ("1,500", "de_CH", D(1500)),
    ("1 234", "fr", D(1234)),
    ("1.000", "en", ask("1000")),        # English "1.000" is 1: ask rather than store 1
    ("1,000", "id", ask("1000")),
    ("1.5", "en", refuse("not_whole")),
    ("5.0", "en", refuse("not_whole")),
    ("2,5", "fr", refuse("not_whole")),
])
def test_whole_number_questions(typed, locale, expected):
    assert outcome(parse_number(typed, locale, integer=True)) == expected


def test_a_decimal_in_a_whole_number_question_says_so_in_the_language():
    result = parse_number("2,5", "fr", integer=True)
    assert result.message == (
        f"This question asks for a whole number: type it without decimals, for example "
        f"1{NNBSP}500{NNBSP}000 or 1500000.")


def test_money_with_two_decimals_asks_about_three():
    assert outcome(parse_number("250.000", "en", decimals=2)) == ask("250000")
    assert outcome(parse_number("250.000", "en")) == D(250)  # English rules, no limit given
    assert outcome(parse_number("250.50", "en", decimals=2)) == D("250.5")
    refused = parse_number("2.5000", "en", decimals=2)
    assert refused.code == "too_many_decimals"
    assert refused.message.startswith("Type at most 2 digits after the decimal mark")


@pytest.mark.parametrize("typed, locale, expected", [
    ("12.5%", "en", D("12.5")),
    ("12,5 %", "fr", D("12.5")),
    (f"12,5{NBSP}%", "fr", D("12.5")),
    ("%12,5", "tr", D("12.5")),
    ("٪١٢٫٥", "ar", D("12.5")),
    ("12.5", "en", D("12.5")),
    ("-%5", "tr", D("-5")),
    ("12%%", "en", refuse("separators")),
    ("1%2", "en", refuse("separators")),
])
def test_percentages(typed, locale, expected):
    assert outcome(parse_number(typed, locale, percent=True)) == expected


# -- asking, and the answer to the question --------------------------------------------

def test_an_ambiguity_offers_both_readings_shown_unmistakably():
    result = parse_number("1.500", "fr")
    assert isinstance(result, Ambiguous) and result.code == "two_readings"
    assert [(c.machine, c.shown, c.whole) for c in result.choices] == [
        ("1500", f"1{NNBSP}500", True), ("1.5", "1,5", False)]
    assert result.message == f"This can be read in two ways: did you mean 1{NNBSP}500 or 1,5?"


def test_a_confirmation_shows_the_number_the_language_s_way():
    result = parse_number("1.500.000,50", "en")
    assert result.code == "unusual"
    assert [c.shown for c in result.choices] == ["1,500,000.5"]
    assert "did you mean 1,500,000.5?" in result.message


@pytest.mark.parametrize("chosen, expected", [
    ("1500", D(1500)), ("1.5", D("1.5")), ("1.50", D("1.5")),
    ("15", ask("1500", "1.5")),            # not a reading of this text: asked again
    ("1,5", ask("1500", "1.5")),           # a chosen value is machine form only
])
def test_the_person_s_choice_settles_only_a_reading_of_the_same_text(chosen, expected):
    assert outcome(parse_number("1.500", "fr", chosen=chosen)) == expected


def test_a_choice_left_over_from_an_earlier_entry_is_ignored():
    assert outcome(parse_number("2.500", "fr", chosen="1500")) == ask("2500", "2.5")
    assert outcome(parse_number("1 500", "fr", chosen="1.5")) == D(1500)


# -- messages -------------------------------------------------------------------------

@pytest.mark.parametrize("locale, expected", [
    ("fr", f"This number cannot be read. Type it like 1{NNBSP}500{NNBSP}000,50 or 1500000,50."),
    ("en", "This number cannot be read. Type it like 1,500,000.50 or 1500000.50."),
    ("id", "This number cannot be read. Type it like 1.500.000,50 or 1500000,50."),
])
def test_a_refusal_says_how_to_type_it_in_the_language(locale, expected):
    result = parse_number("1..5", locale)
    assert result.message == expected


def test_every_message_has_a_code_and_renders_from_its_params():
    seen = set()
    for typed, locale, kwargs in [
        ("", "en", {}), ("1" * 20, "en", {}), ("abc", "en", {}), ("$5", "en", {}),
        ("1e5", "en", {}), ("5%", "en", {}), ("5-", "en", {}), ("1.5", "en", {"integer": True}),
        ("2.5555", "en", {"decimals": 2}), ("1,50,0", "en", {}), ("1..5", "en", {}),
        ("1.500", "fr", {}), ("1,5", "en", {}),
    ]:
        result = parse_number(typed, locale, **kwargs)
        assert not isinstance(result, Understood), typed
        assert result.message == MESSAGES[result.code] % result.params
        seen.add(result.code)
    seen.add(parse_machine_number("1,5").code)
    assert seen == set(MESSAGES)


# -- files whose format fixes the separators ---------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("1500000.5", D("1500000.5")), (" -12 ", D(-12)), ("+3", D(3)), (".5", D("0.5")),
    (1500, D(1500)), (1500000.5, D("1500000.5")), (D("2.50"), D("2.5")),
    (0.1 + 0.2, D("0.3")),                       # a float keeps Excel's 15 digits
    (33.33333333333333, D("33.3333333333333")),
    (1e20, refuse("too_long")),
    ("1,500", refuse("machine")), ("1 500", refuse("machine")), ("1.500,5", refuse("machine")),
    ("1e6", refuse("machine")), ("", refuse("machine")), ("١٥٠٠", refuse("machine")),
    (float("nan"), refuse("machine")), (float("inf"), refuse("machine")),
    (True, refuse("machine")), (None, refuse("machine")),
])
def test_machine_numbers_ignore_every_language(value, expected):
    assert outcome(parse_machine_number(value)) == expected


def test_machine_numbers_for_whole_number_questions():
    assert outcome(parse_machine_number(5.0, integer=True)) == D(5)
    assert outcome(parse_machine_number("7", integer=True)) == D(7)
    assert outcome(parse_machine_number(5.5, integer=True)) == refuse("not_whole")
    assert outcome(parse_machine_number("1.5", integer=True)) == refuse("not_whole")


def test_machine_form_is_what_parse_machine_number_reads():
    for value in (D("1500000.50"), D("-0.001"), D(10) ** 14, 2.5, 7):
        assert parse_machine_number(machine_form(value)).value == D(str(value))


# -- formatting -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, locale, kwargs, expected", [
    (D("1500000.50"), "fr", {}, f"1{NNBSP}500{NNBSP}000,50"),
    (1500000.5, "en", {}, "1,500,000.5"),
    (1500000.0, "en", {}, "1,500,000"),
    (D("1500000.50"), "id", {}, "1.500.000,50"),
    (D("1500000.50"), "fr", {"grouping": False}, "1500000,50"),
    (1234567, "hi", {}, "12,34,567"),
    (1234.5, "th", {"numbering_system": "native"}, "๑,๒๓๔.๕"),
    (1234.5, "ar_EG", {}, "١٬٢٣٤٫٥"),
    (1234.5, "fa", {}, "۱٬۲۳۴٫۵"),
    (1234.5, "ar", {}, "1,234.5"),                 # CLDR: Arabic writes Latin digits by default
    (1234.5, "ar", {"numbering_system": "arab"}, "١٬٢٣٤٫٥"),
    (D("12.5"), "fr", {"percent": True}, f"12,5{NBSP}%"),
    (D("12.5"), "tr", {"percent": True}, "%12,5"),
    (D("-0.05"), "en", {}, "-0.05"),
    (D("-0"), "en", {}, "0"),
    (D("1E+3"), "en", {}, "1,000"),
])
def test_format_number(value, locale, kwargs, expected):
    assert format_number(value, locale, **kwargs) == expected


def test_swiss_grouping_survives_millions():
    # babel.numbers.format_decimal drops pairs of apostrophes (it reads them as pattern
    # quotes): de_CH 1234567 comes out without any grouping. Ours keeps every group.
    group = get_group_symbol("de_CH")
    assert format_number(1234567890, "de_CH") == group.join(["1", "234", "567", "890"])
    assert format_number(D("1234567.5"), "de_CH") == f"1{group}234{group}567.5"


def test_format_number_refuses_what_is_not_a_number():
    for bad in (True, "12", None):
        with pytest.raises(TypeError):
            format_number(bad, "en")
    with pytest.raises(ValueError):
        format_number(float("nan"), "en")


def test_every_numbering_system_s_digits_follow_its_zero():
    for system, zero in ZERO_DIGITS.items():
        assert [unicodedata.decimal(chr(zero + i)) for i in range(10)] == list(range(10)), system


# -- round trips ------------------------------------------------------------------------

SAMPLES = [D(v) for v in ("0", "7", "-12", "1234", "1500", "1.5", "1.234", "0.001", "1500000.5",
                          "-1234567.891", "12345678901.25", "999999999999999")]


@pytest.mark.slow
@pytest.mark.parametrize("numbering_system", ["default", "native"])
def test_format_then_parse_round_trips_in_every_locale_babel_knows(numbering_system):
    failures = []
    for code in localedata.locale_identifiers():
        locale = Locale.parse(code)
        for value in SAMPLES:
            shown = format_number(value, locale, numbering_system=numbering_system)
            result = parse_number(shown, locale, integer=value == value.to_integral_value())
            if not (isinstance(result, Understood) and result.value == value):
                failures.append((code, shown, result))
    assert failures == []


KEY_LOCALES = ["en", "fr", "id", "th", "vi", "zh_Hans_CN", "ar", "ar_EG", "fa", "de_CH", "hi",
               "en_IN", "ms", "km", "lo", "my", "ne", "bn", "ur", "ps", "ja", "ko", "fil", "mn",
               "tr", "ru", "pt", "es", "en_AU", "fr_CH", "de"]

values_15_digits = st.builds(
    lambda digits, places: D(digits).scaleb(-places),
    st.integers(min_value=-(10 ** 15) + 1, max_value=10 ** 15 - 1),
    st.integers(min_value=0, max_value=10))

PROPERTY = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(value=values_15_digits, locale=st.sampled_from(KEY_LOCALES),
       numbering=st.sampled_from(["default", "latn", "native"]), grouping=st.booleans(),
       percent=st.booleans())
def test_any_value_round_trips(value, locale, numbering, grouping, percent):
    shown = format_number(value, locale, numbering_system=numbering, grouping=grouping,
                          percent=percent)
    result = parse_number(shown, locale, percent=percent)
    assert isinstance(result, Understood), (shown, result)
    assert result.value == value
    assert float(result.value) == float(value) and D(repr(float(value))) == value  # stores exactly


@PROPERTY
@given(text=st.text(max_size=30), locale=st.sampled_from(KEY_LOCALES), integer=st.booleans())
def test_anything_typed_is_read_asked_or_refused_and_a_reading_shows_back_the_same(
        text, locale, integer):
    result = parse_number(text, locale, integer=integer)
    assert isinstance(result, (Understood, Ambiguous, Refused))
    if isinstance(result, Understood):
        again = parse_number(format_number(result.value, locale), locale, integer=integer)
        assert again == Understood(result.value, format_number(result.value, locale))
        assert not integer or result.value == result.value.to_integral_value()
    elif isinstance(result, Ambiguous):
        for choice in result.choices:
            assert parse_number(text, locale, integer=integer, chosen=choice.machine) == \
                Understood(choice.value, text)


@PROPERTY
@given(digits=st.from_regex(r"[1-9][0-9]{0,2}", fullmatch=True),
       group=st.from_regex(r"[0-9]{3}", fullmatch=True))
def test_a_lone_comma_before_three_digits_is_never_silently_taken_as_decimal_in_english(
        digits, group):
    typed = f"{digits},{group}"
    assert parse_number(typed, "en") == Understood(D(digits + group), typed)
    # In Swiss German the comma is neither mark: always asked.
    assert outcome(parse_number(typed, "de_CH")) == ask(digits + group, f"{digits}.{group}")
