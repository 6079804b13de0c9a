"""The expired-session resume replays only a form this person started on a page the app served.

Issue 10, item 1: a page on another site auto-submitted a form to a section; the
browser sent no session cookie (SameSite=Lax), so the app took it for an expired
session, kept the form, answered with a new session cookie (logging the victim out)
and saved the form as the victim once they logged in again.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from survey.extensions import db
from tests.survey.answering.test_answering import browser_form, response_of, section_url, user

from .helpers import (
    CROSS_SITE,
    SAME_ORIGIN,
    answer_of,
    answer_saves,
    browser,
    files_under,
    log_in,
    sets_cookie,
)

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

THA_FOCAL = "focal.tha@example.org"


def stash_rows() -> int:
    from survey.models import FormStash

    db.session.expire_all()
    return db.session.scalar(select(func.count(FormStash.id))) or 0


def test_a_cross_site_form_changes_nothing_and_logs_nobody_out(app, demo):
    tha = response_of("THA")
    before = answer_of(tha, "leg_tip_offence")
    saves_before = answer_saves(tha)
    victim = browser(app, THA_FOCAL, demo[THA_FOCAL])

    # Another site's page auto-submits this form. The browser holds the victim's session
    # cookie back (SameSite=Lax), so the post arrives with no cookie and no CSRF token.
    attacker_post = app.test_client()
    reply = attacker_post.post(section_url(tha, "legal"), csrf=False, headers=CROSS_SITE,
                               data={"leg_tip_offence": "no",
                                     "leg_tip_offence__evidence": "planted by another site"})
    # A browser keeps any cookie the answer sets, replacing the victim's session.
    planted = attacker_post.get_cookie("session")
    if planted is not None:
        victim.set_cookie("session", planted.value)
    still_logged_in = victim.get("/account").status_code == 200
    if not still_logged_in:  # the victim logs in again, as anyone would
        log_in(victim, THA_FOCAL, demo[THA_FOCAL], follow_redirects=True)

    assert answer_of(tha, "leg_tip_offence") == before
    assert answer_saves(tha) == saves_before
    assert not sets_cookie(reply), "the refusal must not replace the victim's session cookie"
    assert still_logged_in
    assert reply.status_code == 403
    assert "Nothing was saved" in reply.get_data(as_text=True)
    assert files_under(app) == []
    assert stash_rows() == 0


def _token_from_page(client, response, section="legal") -> str:
    from survey.accounts.resume import RESUME_FIELD

    html = client.get(section_url(response, section)).get_data(as_text=True)
    return browser_form(html)[RESUME_FIELD]


def _resume_token(email: str, response_id: int) -> str:
    from survey.accounts.resume import resume_token

    return resume_token(user(email), response_id)


@pytest.mark.parametrize("case", [
    "no token", "forged token", "token for another response", "token of a reader",
    "response that does not exist", "cross-site origin", "cross-site fetch",
    "no origin or referer", "null origin", "referer of another site", "expired token",
])
def test_nothing_is_kept_without_proof(app, demo, case, monkeypatch):
    from survey.accounts.resume import RESUME_FIELD

    tha, fji = response_of("THA"), response_of("FJI")
    before = answer_of(tha, "leg_tip_offence")
    url, headers = section_url(tha, "legal"), dict(SAME_ORIGIN)
    data = {"leg_tip_offence": "no", "leg_tip_offence__evidence": "kept?"}
    token = _resume_token(THA_FOCAL, tha.id)
    if case == "forged token":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif case == "token for another response":
        url = section_url(fji, "legal")
        token = _resume_token("focal.fji@example.org", tha.id)
    elif case == "token of a reader":
        token = _resume_token("reviewer@example.org", tha.id)
    elif case == "response that does not exist":
        url = "/responses/987654/sections/legal"
        token = _resume_token(THA_FOCAL, 987654)
    elif case == "cross-site origin":
        headers = {"Origin": "https://evil.example"}
    elif case == "cross-site fetch":
        headers = {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"}
    elif case == "no origin or referer":
        headers = {}
    elif case == "null origin":
        headers = {"Origin": "null"}
    elif case == "referer of another site":
        headers = {"Referer": "https://evil.example/page.html"}
    elif case == "expired token":
        import itsdangerous.timed

        real = itsdangerous.timed.time.time
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 7 * 3600)
        token = _resume_token(THA_FOCAL, tha.id)
        monkeypatch.undo()
    if case != "no token":
        data[RESUME_FIELD] = token

    reply = app.test_client().post(url, data=data, csrf=False, headers=headers)
    assert reply.status_code in (403, 404)
    assert not sets_cookie(reply)
    assert stash_rows() == 0 and files_under(app) == []
    # The owner logging in afterwards finds nothing replayed.
    owner = app.test_client()
    log_in(owner, THA_FOCAL, demo[THA_FOCAL], follow_redirects=True)
    assert answer_of(tha, "leg_tip_offence") == before


def _expire_session(client) -> None:
    client.delete_cookie("session")


def test_own_form_is_kept_in_the_database_and_saved_after_login(app, demo):
    from survey.models import FormStash

    tha = response_of("THA")
    client = browser(app, THA_FOCAL, demo[THA_FOCAL])
    url = section_url(tha, "cooperation")
    data = browser_form(client.get(url).get_data(as_text=True), coop_treaties="23")
    _expire_session(client)
    reply = client.post(url, data=data, headers=SAME_ORIGIN)
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    row = db.session.scalar(select(FormStash))
    assert row.user_id == user(THA_FOCAL).id and row.response_id == tha.id
    assert dt.timedelta(hours=1) < row.expires_at - row.created_at <= dt.timedelta(hours=12)
    assert files_under(app) == []  # nothing on this server's disk

    page = log_in(client, THA_FOCAL, demo[THA_FOCAL], follow_redirects=True)
    assert "What you typed before your session expired has been saved" in page.get_data(as_text=True)
    assert answer_of(tha, "coop_treaties")[0] == 23
    assert stash_rows() == 0  # replayed once, then gone


def test_a_kept_form_is_replayed_only_for_the_person_it_was_made_for(app, demo):
    tha = response_of("THA")
    client = browser(app, THA_FOCAL, demo[THA_FOCAL])
    url = section_url(tha, "cooperation")
    before = answer_of(tha, "coop_treaties")
    data = browser_form(client.get(url).get_data(as_text=True), coop_treaties="31")
    _expire_session(client)
    client.post(url, data=data, headers=SAME_ORIGIN)
    assert stash_rows() == 1
    # A colleague who may edit the same response logs in on this browser: not theirs.
    page = log_in(client, "focal2.tha@example.org", demo["focal2.tha@example.org"],
                  follow_redirects=True)
    assert "What you typed" not in page.get_data(as_text=True)
    assert answer_of(tha, "coop_treaties") == before
    assert stash_rows() == 0


def test_replaying_a_partial_form_leaves_unposted_checkboxes_alone(app, demo):
    """A replay of one question's fields must not clear the multiple choices beside it."""
    from survey.answering.responses import save_answer

    tha = response_of("THA")
    focal = user(THA_FOCAL)
    # The multiple choice beside the replayed question holds ticks (and what makes it asked).
    save_answer(tha, "leg_ml_offence", "yes", focal)
    save_answer(tha, "leg_ml_predicates", ["tip", "smuggling"], focal)
    db.session.commit()
    predicates = answer_of(tha, "leg_ml_predicates")
    assert predicates and predicates[0] == ["tip", "smuggling"]
    client = browser(app, THA_FOCAL, demo[THA_FOCAL])
    from survey.accounts.resume import RESUME_FIELD

    html = client.get(section_url(tha, "legal")).get_data(as_text=True)
    page = browser_form(html)
    partial = {"leg_tip_offence": "partial", "leg_tip_offence__evidence": "only this one",
               "leg_tip_offence__version": page["leg_tip_offence__version"],
               "leg_tip_offence__seen": page["leg_tip_offence__seen"],
               RESUME_FIELD: page[RESUME_FIELD]}
    _expire_session(client)
    client.post(section_url(tha, "legal"), data=partial, csrf=False, headers=SAME_ORIGIN)
    log_in(client, THA_FOCAL, demo[THA_FOCAL], follow_redirects=True)
    assert answer_of(tha, "leg_tip_offence")[:2] == ("partial", "only this one")
    assert answer_of(tha, "leg_ml_predicates") == predicates


def test_kept_forms_are_limited_per_person_in_size_and_number(app, demo):
    from survey.accounts.resume import RESUME_FIELD
    from survey.models import FormStash

    tha = response_of("THA")
    app.config.update(SURVEY_STASH_MAX_BYTES=20_000, SURVEY_STASH_MAX_BYTES_PER_USER=40_000,
                      SURVEY_STASH_MAX_PER_USER=4)
    client = browser(app, THA_FOCAL, demo[THA_FOCAL])
    token = _token_from_page(client, tha)

    def post(section: str, evidence: str):
        return app.test_client().post(
            section_url(tha, section), csrf=False, headers=SAME_ORIGIN,
            data={RESUME_FIELD: token, "leg_tip_offence": "no",
                  "leg_tip_offence__evidence": evidence})

    too_big = post("legal", "x" * 25_000)
    assert too_big.status_code == 413 and "too large" in too_big.get_data(as_text=True)
    assert stash_rows() == 0
    assert post("legal", "y" * 15_000).status_code == 302
    assert post("operational", "y" * 15_000).status_code == 302
    over_total = post("cooperation", "y" * 15_000)  # 45,000 bytes kept for one person
    assert over_total.status_code == 413 and "Nothing was saved" in over_total.get_data(as_text=True)
    assert post("institutions", "small").status_code == 302
    assert post("legal", "a newer post of the same page replaces the older").status_code == 302
    assert stash_rows() == 3
    fifth = post("operational", "z")
    assert fifth.status_code == 429 and "Nothing was saved" in fifth.get_data(as_text=True)
    assert stash_rows() == 3
    assert db.session.scalar(select(func.sum(FormStash.size))) <= 40_000


def test_kept_forms_expire_and_are_purged(app, demo):
    from survey.models import FormStash

    tha = response_of("THA")
    before = answer_of(tha, "coop_treaties")
    client = browser(app, THA_FOCAL, demo[THA_FOCAL])
    url = section_url(tha, "cooperation")
    data = browser_form(client.get(url).get_data(as_text=True), coop_treaties="41")
    _expire_session(client)
    client.post(url, data=data, headers=SAME_ORIGIN)
    db.session.execute(update(FormStash).values(expires_at=dt.datetime(2000, 1, 1)))
    db.session.commit()
    page = log_in(client, THA_FOCAL, demo[THA_FOCAL], follow_redirects=True)
    assert "What you typed" not in page.get_data(as_text=True)
    assert answer_of(tha, "coop_treaties") == before
    assert stash_rows() == 0
