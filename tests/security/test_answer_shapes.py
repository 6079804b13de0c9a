"""Issue 10, item 2: every stored answer has the shape its question type gives it.

Clearing a multiple choice used to store JSON ``null`` and break every round-wide view
(profiles, the API, exports, comparisons) with a 500. Values now pass through their
type's normaliser at one door (the Answer mapper hook), "cleared" is SQL NULL for every
type, readers cope with any stored shape, and migration 0004 repairs old databases.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from questionnaires import AnswerError
from survey.accounts.api_tokens import create_token
from survey.demo import CURRENT_ROUND, PREVIOUS_ROUND
from survey.extensions import db
from survey.models import Answer, AuditEvent, Country, Response, Round, User
from tests.conftest import login_as
from tests.survey.answering.test_answering import browser_form

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

MULTIPLE = "inst_agencies"  # a multiple choice in the first section, answered by THA


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def response_of(iso3: str, round_name: str = CURRENT_ROUND) -> Response:
    return db.session.scalar(
        select(Response).join(Round, Response.round_id == Round.id)
        .join(Country, Response.country_id == Country.id)
        .where(Round.name == round_name, Country.iso3 == iso3))


def stored(answer_id: int) -> tuple[bool, object]:
    """(is SQL NULL, the raw JSON text or value) as the database holds it."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            row = conn.execute(sa.text("SELECT value IS NULL, value::text FROM answers "
                                       "WHERE id = :i"), {"i": answer_id}).one()
        else:
            row = conn.execute(sa.text("SELECT value IS NULL, value FROM answers WHERE id = :i"),
                               {"i": answer_id}).one()
    return bool(row[0]), row[1]


def plant(answer_id: int, raw_json: str | None) -> None:
    """Write a value behind the app's back, as an old version or a bad tool would have."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("UPDATE answers SET value = CAST(:v AS jsonb) WHERE id = :i"),
                         {"v": raw_json, "i": answer_id})
        else:
            conn.execute(sa.text("UPDATE answers SET value = :v WHERE id = :i"),
                         {"v": raw_json, "i": answer_id})


def answer_row(response: Response, question_id: str) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                  Answer.question_id == question_id))


def assert_round_views_work(client, round_id: int, iso3s=("THA", "AUS")) -> None:
    """What broke: profiles, the heat map, the API's answers, scores and workbooks, exports,
    and the review page that compares with the previous round."""
    login_as(client, user("reviewer@example.org"))
    for iso3 in iso3s:
        page = client.get(f"/rounds/{round_id}/profiles/{iso3}")
        assert page.status_code == 200, (iso3, page.status_code)
    assert client.get(f"/rounds/{round_id}/overview").status_code == 200
    current = response_of("THA")
    assert client.get(f"/responses/{current.id}/review").status_code == 200
    assert client.get(f"/responses/{current.id}/summary").status_code == 200
    _token, raw = create_token(user("analyst@example.org"), "shapes")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    for path in (f"/api/v1/rounds/{round_id}/answers?status=all",
                 f"/api/v1/rounds/{round_id}/answers?status=all&format=csv",
                 f"/api/v1/rounds/{round_id}/scores?status=all",
                 f"/api/v1/rounds/{round_id}/workbook?status=all",
                 f"/api/v1/rounds/{round_id}/countries/THA/workbook"):
        reply = client.get(path, headers=headers)
        assert reply.status_code == 200, (path, reply.status_code, reply.get_data(as_text=True)[:300])
        reply.get_data()  # streamed bodies fail while they are read


# -- the reported hole ------------------------------------------------------------

def test_unticking_every_box_stores_no_answer_and_round_views_keep_working(demo, client):
    tha = response_of("THA")
    before = answer_row(tha, MULTIPLE)
    assert isinstance(before.value, list) and before.value, "the demo answers this question"
    login_as(client, user("focal.tha@example.org"))
    url = f"/responses/{tha.id}/sections/institutions"
    form = browser_form(client.get(url).get_data(as_text=True))
    form.setlist(MULTIPLE, [])                        # every box unticked
    form.setlist(MULTIPLE + "__evidence", ["Asked the FIU again; no reply yet."])
    assert client.post(url, data=form).status_code == 302

    after = answer_row(tha, MULTIPLE)
    assert after.value is None and after.evidence == "Asked the FIU again; no reply yet."
    assert stored(after.id) == (True, None)          # SQL NULL, never JSON null
    assert_round_views_work(client, tha.round_id)
    profile = client.get(f"/rounds/{tha.round_id}/profiles/THA").get_data(as_text=True)
    assert "Thailand" in profile


def test_autosave_of_an_emptied_multiple_choice_stores_sql_null(demo, client):
    tha = response_of("THA")
    before = answer_row(tha, MULTIPLE)
    login_as(client, user("focal.tha@example.org"))
    reply = client.post(f"/responses/{tha.id}/answers/{MULTIPLE}",
                        data={f"{MULTIPLE}__version": str(before.version),
                              f"{MULTIPLE}__evidence": before.evidence or "note"})
    assert reply.status_code == 200 and reply.json["saved"] is True
    assert stored(before.id) == (True, None)
    assert_round_views_work(client, tha.round_id)


# -- the one door: every ORM write passes the question type's normaliser ---------------

def test_orm_writes_are_normalised_by_the_question_type(demo):
    tha = response_of("THA")
    answer = answer_row(tha, MULTIPLE)
    answer.value = ["fiu", "police", "fiu", None, ""]    # repeats, blanks, any order
    db.session.commit()
    assert answer_row(tha, MULTIPLE).value == ["police", "fiu"]   # definition order, once each
    answer = answer_row(tha, MULTIPLE)
    answer.value = []
    db.session.commit()
    assert stored(answer.id) == (True, None)
    count = answer_row(tha, "inst_lead_agency")
    count.value = "  Office of the Attorney-General \r\n"
    db.session.commit()
    assert answer_row(tha, "inst_lead_agency").value == "Office of the Attorney-General"


def test_an_orm_write_the_type_refuses_stores_nothing(demo):
    tha = response_of("THA")
    answer = answer_row(tha, MULTIPLE)
    kept = answer.value
    answer.value = ["not-an-option"]
    with pytest.raises(AnswerError):
        db.session.flush()
    db.session.rollback()
    assert answer_row(tha, MULTIPLE).value == kept
    db.session.add(Answer(response_id=tha.id, question_id="no_such_question", value="x"))
    with pytest.raises(AnswerError):
        db.session.flush()
    db.session.rollback()


def test_prefill_carries_cleared_answers_as_no_answer(demo, client):
    """Carry-over goes through the same door: a cleared previous answer arrives as NULL."""
    previous = response_of("THA", PREVIOUS_ROUND)
    old = answer_row(previous, MULTIPLE)
    plant(old.id, "null")
    # KHM has no previous response; THA's current one is started: use a fresh response.
    from survey.answering.services import prefill_from_previous

    current = response_of("THA")
    db.session.execute(sa.delete(Answer).where(Answer.response_id == current.id))
    from survey.models import ResponseStatus

    current.status = ResponseStatus.NOT_STARTED
    db.session.commit()
    prefill_from_previous(current, user("focal.tha@example.org"))
    db.session.commit()
    carried = answer_row(current, MULTIPLE)
    assert carried is not None and carried.value is None
    assert stored(carried.id) == (True, None)


# -- readers cope with whatever is stored ----------------------------------------

BAD_SHAPES = {
    MULTIPLE: ["null", "[null]", "[]", '["police", null]', '"police"', "5", '{"a": 1}'],
    "inst_lead_agency": ["null", '""', "[1, 2]"],            # short text
    "leg_tip_offence": ["null", '"maybe"', '["yes"]'],       # yes / no / partly
    "leg_tip_offence_ref": ["null", "{}", '{"instrument": ""}', '"Act"'],  # citation
}


def test_pages_and_round_views_survive_any_stored_shape(demo, client):
    tha, previous = response_of("THA"), response_of("THA", PREVIOUS_ROUND)
    others = [response_of(iso3) for iso3 in ("AUS", "NZL", "SGP", "MYS", "LKA", "IDN", "PHL")]
    rows = {(r.id, qid): answer_row(r, qid) for r in [tha, previous, *others] for qid in BAD_SHAPES}
    login_as(client, user("reviewer@example.org"))
    # The pages that show one response beside the previous round's, shape by shape.
    for k in range(max(len(shapes) for shapes in BAD_SHAPES.values())):
        for qid, shapes in BAD_SHAPES.items():
            for response, shift in ((tha, 0), (previous, 1)):
                if rows[(response.id, qid)] is not None:
                    plant(rows[(response.id, qid)].id, shapes[(k + shift) % len(shapes)])
        for path in (f"/responses/{tha.id}/review", f"/responses/{tha.id}/summary",
                     f"/responses/{tha.id}/sections/institutions",
                     f"/responses/{tha.id}/sections/legal",
                     f"/responses/{tha.id}/questions/{MULTIPLE}/history"):
            assert client.get(path).status_code == 200, (k, path)
    # Every shape at once somewhere in the round: every round-wide view still works.
    for qid, shapes in BAD_SHAPES.items():
        for i, response in enumerate(others):
            if rows[(response.id, qid)] is not None:
                plant(rows[(response.id, qid)].id, shapes[i % len(shapes)])
    db.session.expire_all()
    assert_round_views_work(client, tha.round_id)


# -- migration 0004 repairs existing databases ----------------------------------------

def _revision_before_0004() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from survey import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_revision("0004").down_revision


def test_migration_0004_repairs_stored_shapes_and_keeps_the_old_values(demo, client, app):
    from flask_migrate import downgrade, upgrade

    tha, aus = response_of("THA"), response_of("AUS")
    previous = response_of("THA", PREVIOUS_ROUND)
    planted = {
        (tha.id, MULTIPLE): ("null", None),
        (aus.id, MULTIPLE): ('["fiu", null, "police", "fiu"]', ["police", "fiu"]),
        (previous.id, MULTIPLE): ("[]", None),
        (tha.id, "inst_lead_agency"): ('"  Ministry of Justice  "', "Ministry of Justice"),
        (aus.id, "leg_tip_offence"): ('"maybe"', None),          # unreadable: cleared, kept in audit
        (aus.id, "leg_tip_offence_ref"): ('{"instrument": "", "article": ""}', None),
    }
    ids = {}
    for (response_id, qid), (raw, _want) in planted.items():
        row = db.session.scalar(select(Answer).where(Answer.response_id == response_id,
                                                     Answer.question_id == qid))
        assert row is not None, qid
        ids[(response_id, qid)] = (row.id, row.version)
        plant(row.id, raw)
    db.session.remove()

    downgrade(revision=_revision_before_0004())
    upgrade()

    for key, (_raw, want) in planted.items():
        answer_id, version = ids[key]
        row = db.session.get(Answer, answer_id)
        assert row.value == want, (key, row.value)
        if want is None:
            assert stored(answer_id) == (True, None), key
    # A value whose meaning changed is recorded with the old value and a new version.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.repair")).all()
    by_answer = {e.entity_id: e for e in events}
    maybe_id, maybe_version = ids[(aus.id, "leg_tip_offence")]
    assert by_answer[maybe_id].old_value == {"value": "maybe"}
    assert by_answer[maybe_id].new_value == {"value": None}
    assert db.session.get(Answer, maybe_id).version == maybe_version + 1
    # JSON null becoming SQL NULL means the same answer: no event, no new version.
    null_id, null_version = ids[(tha.id, MULTIPLE)]
    assert null_id not in by_answer and db.session.get(Answer, null_id).version == null_version
    no_json_null = db.session.execute(sa.text(
        "SELECT count(*) FROM answers WHERE value IS NOT NULL AND "
        + ("value = 'null'::jsonb" if db.engine.dialect.name == "postgresql"
           else "value = 'null'"))).scalar()
    assert no_json_null == 0
    assert_round_views_work(client, tha.round_id)
    # Running it again changes nothing.
    count = len(events)
    downgrade(revision=_revision_before_0004())
    upgrade()
    assert db.session.scalar(select(sa.func.count(AuditEvent.id))
                             .where(AuditEvent.action == "answer.repair")) == count
    assert json.dumps(db.session.get(Answer, ids[(aus.id, MULTIPLE)][0]).value) == '["police", "fiu"]'


# -- backup restore passes the same door -----------------------------------------------

def _tampered_backup(tmp_path, change) -> str:
    import zipfile

    from survey.backup import write_backup

    original, tampered = tmp_path / "backup.zip", tmp_path / "tampered.zip"
    write_backup(original)
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "tables/answers.json":
                table = json.loads(data)
                column = {c: i for i, c in enumerate(table["columns"])}
                change(table["rows"], column)
                data = json.dumps(table).encode()
            target.writestr(name, data)
    return str(tampered)


def _empty_database(request, tmp_path) -> str:
    import shutil

    if db.engine.dialect.name == "sqlite":
        path = tmp_path / "restored.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    from tests.conftest import _prepare

    server = request.getfixturevalue("postgres_server")
    url = server.url_of(server.create())
    _prepare(url)
    return url


def test_restore_normalises_answer_values_and_refuses_unreadable_ones(demo, request, tmp_path):
    from survey.backup import BackupError, restore_backup

    target_id = answer_row(response_of("AUS"), MULTIPLE).id

    def untidy(rows, column):
        for row in rows:
            if row[column["id"]] == target_id:
                row[column["value"]] = ["fiu", None, "police", "fiu"]

    def unreadable(rows, column):
        for row in rows:
            if row[column["id"]] == target_id:
                row[column["value"]] = ["no-such-option"]

    url = _empty_database(request, tmp_path)
    restore_backup(_tampered_backup(tmp_path, untidy), url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(select(Answer.value).where(Answer.id == target_id)).scalar()
        assert value == ["police", "fiu"]
    finally:
        engine.dispose()

    (tmp_path / "second").mkdir()
    url = _empty_database(request, tmp_path / "second")
    with pytest.raises(BackupError, match="refuses"):
        restore_backup(_tampered_backup(tmp_path, unreadable), url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(sa.func.count(Answer.id))).scalar() == 0  # nothing half-restored
    finally:
        engine.dispose()
