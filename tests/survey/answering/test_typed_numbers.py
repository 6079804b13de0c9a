"""Numbers typed as people type them (issue 12 §3), through the real page and the autosave.

Each focal point's language decides how "1.500" reads; an entry its rules do not settle is
asked about, never guessed, and the stored number is shown back written their way.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from questionnaires import parse_definition
from survey.extensions import db
from survey.models import Answer, Country, Response, User
from survey.questionnaire_versions import register_definition
from survey.rounds import open_round
from tests.conftest import login_as

DEFINITION = {
    "code": "typed-numbers", "version": 1, "title": "Typed numbers",
    "sections": [{"id": "figures", "title": "Figures", "questions": [
        {"id": "amount", "type": "decimal", "label": "Value of assets frozen", "min": 0,
         "unit": {"en": "USD equivalent"}},
        {"id": "ratio", "type": "decimal", "label": "Average length of a case", "min": 0,
         "unit": {"en": "months"}},
        {"id": "count", "type": "integer", "label": "Requests sent", "min": 0, "max": 100000,
         "unit": {"en": "requests"}},
        {"id": "share", "type": "percentage", "label": "Share with a financial investigation"},
        {"id": "since", "type": "year", "label": "Unit set up in"},
        {"id": "agency", "type": "short_text", "label": "Agency"},
        {"id": "count_note", "type": "short_text", "label": "Where did most requests go?",
         "relevant": {"question": "count", "gt": 1000}},
    ]}],
}
LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch", "de_CH": "Deutsch (Schweiz)",
             "id": "Bahasa Indonesia", "th": "ไทย", "ar": "العربية"}
NNBSP = "\u202f"  # French groups digits with a narrow no-break space


def two_readings_fr() -> str:
    """The French question when "1.500" may be fifteen hundred or one and a half."""
    return said("fr", "This can be read in two ways: did you mean %(first)s or %(second)s?",
                first=f"1{NNBSP}500", second="1,5")


def said(language: str, text: str, **params) -> str:
    """The interface's ``text`` as a person reading ``language`` sees it (its catalogue's)."""
    from flask_babel import force_locale, gettext

    with force_locale(language):
        return gettext(text, **params)


def saved_as(language: str, shown: str) -> str:
    return said(language, "Saved as %(value)s", value=shown)


@pytest.fixture
def figures(demo, app, client):
    """Thailand's response to a round whose questionnaire has one question of each number type."""
    app.config["SURVEY_LANGUAGES"] = LANGUAGES
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    version, _ = register_definition(parse_definition(DEFINITION))
    round_ = open_round("Typed numbers round", version.key, actor=admin,
                        closes=dt.date.today() + dt.timedelta(days=30))
    db.session.commit()
    response = db.session.scalar(
        select(Response).join(Country, Response.country_id == Country.id)
        .where(Response.round_id == round_.id, Country.iso3 == "THA"))
    login_as(client, focal())
    return response


def focal() -> User:
    return db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))


def speak(language: str) -> None:
    """The focal point's language (their account setting): it decides how numbers read."""
    person = focal()
    person.language = language
    db.session.commit()


def stored(response: Response, qid: str):
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                    Answer.question_id == qid))
    return None if answer is None else answer.value


def page_url(response: Response) -> str:
    return f"/responses/{response.id}/sections/figures"


def autosave(client, response: Response, qid: str, **fields: str):
    return client.post(f"/responses/{response.id}/answers/{qid}",
                       data={qid: "", f"{qid}__version": "0", **fields},
                       headers={"Accept": "application/json"})


# The table: one value typed the way each language writes it.
TYPED = [
    ("fr", "1 500 000,50", f"1{NNBSP}500{NNBSP}000,5"),
    ("fr", "1\u00a0500\u00a0000,50", f"1{NNBSP}500{NNBSP}000,5"),   # no-break spaces
    ("fr", f"1{NNBSP}500{NNBSP}000,50", f"1{NNBSP}500{NNBSP}000,5"),
    ("en", "1,500,000.50", "1,500,000.5"),
    ("en", "1500000.5", "1,500,000.5"),
    ("id", "1.500.000,50", "1.500.000,5"),
    ("de", "1.500.000,50", "1.500.000,5"),
    ("de_CH", "1'500'000.50", "1'500'000.5"),
    ("de_CH", "1’500’000.50", "1'500'000.5"),
    ("th", "๑,๕๐๐,๐๐๐.๕๐", "1,500,000.5"),                            # Thai digits
    ("ar", "١٬٥٠٠٬٠٠٠٫٥٠", "1,500,000.5"),    # Arabic-Indic digits and marks; shown in
    # the Latin digits CLDR gives Arabic by default
]


@pytest.mark.parametrize("language, typed, shown", TYPED)
def test_a_page_save_reads_the_number_by_the_persons_language(figures, client, language, typed,
                                                               shown):
    speak(language)
    reply = client.post(page_url(figures), data={"amount": typed, "amount__version": "0"})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    assert stored(figures, "amount") == 1500000.5
    html = html_lib.unescape(client.get(page_url(figures)).get_data(as_text=True))
    assert saved_as(language, shown) in html
    # The field shows the stored number the same way, so saving the page again changes nothing.
    assert f'name="amount" type="text" value="{shown}"' in html
    again = client.post(page_url(figures), data={"amount": shown, "amount__version": "1"})
    assert again.status_code == 302 and stored(figures, "amount") == 1500000.5


@pytest.mark.parametrize("language, typed, shown", TYPED)
def test_autosave_reads_the_number_the_same_way_and_says_what_was_stored(figures, client,
                                                                        language, typed, shown):
    speak(language)
    reply = autosave(client, figures, "amount", amount=typed)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.json["saved"] is True
    assert reply.json["shown"] == saved_as(language, shown)
    assert reply.json["number"] == 1500000.5
    assert stored(figures, "amount") == 1500000.5


def test_percentages_years_and_whole_numbers_are_shown_back_their_own_way(figures, client):
    speak("fr")
    reply = client.post(page_url(figures), data={
        "share": "12,5 %", "share__version": "0", "since": "2012", "since__version": "0",
        "count": "12 000", "count__version": "0"})
    assert reply.status_code == 302
    assert (stored(figures, "share"), stored(figures, "since"), stored(figures, "count")) == \
        (12.5, 2012, 12000)
    html = client.get(page_url(figures)).get_data(as_text=True)
    assert saved_as("fr", "12,5\u00a0%") in html    # French puts a space before the sign
    assert saved_as("fr", "2012") + "<" in html     # a year is not grouped
    assert saved_as("fr", f"12{NNBSP}000") + "<" in html


def test_two_readings_are_asked_about_and_nothing_is_saved_until_the_pick(figures, client):
    speak("fr")  # in French "1.500" may be fifteen hundred or one and a half
    reply = client.post(page_url(figures), data={"ratio": "1.500", "ratio__version": "0",
                                                 "agency": "AMLO", "agency__version": "0"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert stored(figures, "ratio") is None
    assert stored(figures, "agency") == "AMLO"      # the rest of the page is saved
    assert escape(two_readings_fr()) in html
    assert 'value="1.500"' in html                  # what was typed stays in the field
    choices = re.findall(r'name="ratio__reading" value="([^"]*)"', html)
    assert choices == ["1500", "1.5"]
    assert said("fr", "Which number did you mean?") in html
    # The pick comes back with the same text and is applied.
    reply = client.post(page_url(figures), data={"ratio": "1.500", "ratio__reading": "1.5",
                                                 "ratio__version": "0"})
    assert reply.status_code == 302
    assert stored(figures, "ratio") == 1.5
    assert saved_as("fr", "1,5") in client.get(page_url(figures)).get_data(as_text=True)


def test_a_pick_that_is_not_a_reading_of_the_text_saves_nothing(figures, client):
    speak("fr")
    for forged in ("999", "1.5e3", "<b>", ""):
        reply = client.post(page_url(figures), data={"ratio": "1.500", "ratio__reading": forged,
                                                     "ratio__version": "0"})
        assert reply.status_code == 422
        assert stored(figures, "ratio") is None
    # A pick left over from an earlier entry does not apply to a new, clear one.
    reply = client.post(page_url(figures), data={"ratio": "2,5", "ratio__reading": "1500",
                                                 "ratio__version": "0"})
    assert reply.status_code == 302 and stored(figures, "ratio") == 2.5


def test_a_number_written_by_other_rules_is_confirmed_not_stored(figures, client):
    speak("en")
    reply = client.post(page_url(figures), data={"amount": "1.500.000,50",
                                                 "amount__version": "0"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and stored(figures, "amount") is None
    assert "did you mean 1,500,000.5?" in html
    assert re.findall(r'name="amount__reading" value="([^"]*)"', html) == ["1500000.5"]
    reply = client.post(page_url(figures), data={"amount": "1.500.000,50",
                                                 "amount__reading": "1500000.5",
                                                 "amount__version": "0"})
    assert reply.status_code == 302 and stored(figures, "amount") == 1500000.5


def test_autosave_asks_with_the_same_choices_and_saves_the_pick(figures, client):
    speak("fr")
    reply = autosave(client, figures, "ratio", ratio="1.500")
    assert reply.status_code == 422
    assert reply.json["ask"] is True
    assert reply.json["error"] == two_readings_fr()
    assert re.findall(r'name="ratio__reading" value="([^"]*)"', reply.json["html"]) == \
        ["1500", "1.5"]
    assert stored(figures, "ratio") is None
    reply = autosave(client, figures, "ratio", ratio="1.500", ratio__reading="1500")
    assert reply.status_code == 200 and reply.json["saved"] is True
    assert reply.json["shown"] == saved_as("fr", f"1{NNBSP}500")
    assert stored(figures, "ratio") == 1500


def test_a_refusal_says_how_to_type_it_keeps_the_text_and_saves_the_rest(figures, client):
    speak("fr")
    reply = client.post(page_url(figures), data={
        "amount": "1,5 million", "amount__version": "0",
        "count": "7", "count__version": "0"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert escape(said("fr", "Type the number in digits only, without words or letters, for "
                       "example %(example)s or %(plain)s.",
                       example=f"1{NNBSP}500{NNBSP}000,50", plain="1500000,50")) in html
    assert 'value="1,5 million"' in html
    assert stored(figures, "amount") is None and stored(figures, "count") == 7
    reply = autosave(client, figures, "amount", amount="$ 1500")
    assert reply.status_code == 422 and reply.json["error"].startswith(
        said("fr", "Type the amount without a currency sign or code (the question says which "
                   "currency), for example %(example)s or %(plain)s.").split("%(")[0])
    assert "ask" not in reply.json


def test_the_hard_maximum_refuses_a_trillion_requests(figures, client):
    speak("en")
    reply = client.post(page_url(figures), data={"count": "1,000,000,000,000",
                                                 "count__version": "0"})
    assert reply.status_code == 422
    assert "Enter a number no larger than 100000." in reply.get_data(as_text=True)
    assert stored(figures, "count") is None
    reply = autosave(client, figures, "count", count="1,000,000,000,000")
    assert reply.status_code == 422 and stored(figures, "count") is None


def test_the_error_is_announced_and_tied_to_the_field(figures, client):
    speak("fr")
    html = client.post(page_url(figures), data={"ratio": "1.500", "ratio__version": "0"}
                       ).get_data(as_text=True)
    assert re.search(r'<p class="error" id="err-ratio" role="alert">', html)
    field = re.search(r'<input[^>]*name="ratio" [^>]*>', html).group(0)
    assert 'aria-describedby="err-ratio ' in field and "saved-ratio" in field


# -- the stored numbers shown back elsewhere: summary, history, review -------------------

def _french_figures(client, response):
    speak("fr")
    reply = client.post(page_url(response), data={
        "amount": "1 500 000,50", "amount__version": "0", "share": "12,5 %",
        "share__version": "0", "since": "2012", "since__version": "0",
        "count": "12 000", "count__version": "0"})
    assert reply.status_code == 302


def test_the_summary_and_the_history_write_numbers_the_reader_s_way(figures, client):
    _french_figures(client, figures)
    summary = client.get(f"/responses/{figures.id}/summary").get_data(as_text=True)
    assert f"1{NNBSP}500{NNBSP}000,5 USD equivalent" in summary
    assert f"12{NNBSP}000 requests" in summary and "12,5\u00a0%" in summary
    assert "<dd><bdi>2012" in summary and f"2{NNBSP}012" not in summary  # a year: no grouping
    history = client.get(f"/responses/{figures.id}/questions/amount/history"
                         ).get_data(as_text=True)
    assert f"1{NNBSP}500{NNBSP}000,5 USD equivalent" in history
    # The same stored number, read by someone whose language writes it otherwise.
    speak("en")
    summary = client.get(f"/responses/{figures.id}/summary").get_data(as_text=True)
    assert "1,500,000.5 USD equivalent" in summary and "12,000 requests" in summary
    assert f"1{NNBSP}500{NNBSP}000,5" not in summary


def test_the_review_page_writes_numbers_the_reviewer_s_way(figures, client):
    _french_figures(client, figures)
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    reviewer.language = "de"
    db.session.commit()
    login_as(client, reviewer)
    page = client.get(f"/responses/{figures.id}/review").get_data(as_text=True)
    assert "<strong><bdi>1.500.000,5 USD equivalent</bdi></strong>" in page
    assert "<strong><bdi>12.000 requests</bdi></strong>" in page
