"""answer values in their question type's shape: repair what older versions stored

Older versions stored a cleared answer as JSON ``null`` (a cleared multiple choice broke
every round-wide view) and never passed some writes through the question type. This
revision rewrites every stored answer value as its question type normalises it, through
the questionnaire version its round pins:

- JSON ``null`` becomes SQL NULL ("no answer", the one way to be empty);
- a value with another shape than the canonical one (repeats or blanks in a multiple
  choice, untrimmed text, a citation with every part blank, ...) is rewritten;
- a value the type cannot read at all becomes no answer.

Every rewritten value (other than JSON null to SQL NULL, which means the same) gets a new
answer version and an ``answer.repair`` event in the audit trail holding the old value,
so nothing is lost. Running it again changes nothing. There is no schema change, and the
downgrade leaves the repaired values as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""
import datetime as dt
import json
import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from questionnaires import AnswerError, DefinitionError, parse_definition

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 1000
VALUE = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
PLAIN_JSON = sa.JSON().with_variant(JSONB(), "postgresql")

answers = sa.table("answers", sa.column("id", sa.Integer), sa.column("response_id", sa.Integer),
                   sa.column("question_id", sa.String), sa.column("value", VALUE),
                   sa.column("version", sa.Integer))
responses = sa.table("responses", sa.column("id", sa.Integer), sa.column("round_id", sa.Integer),
                     sa.column("country_id", sa.Integer))
rounds = sa.table("rounds", sa.column("id", sa.Integer),
                  sa.column("questionnaire_version_id", sa.Integer))
versions = sa.table("questionnaire_versions", sa.column("id", sa.Integer),
                    sa.column("code", sa.String), sa.column("version", sa.Integer),
                    sa.column("definition", PLAIN_JSON))
audit_events = sa.table(
    "audit_events", sa.column("at", sa.DateTime), sa.column("user_id", sa.Integer),
    sa.column("action", sa.String), sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer), sa.column("round_id", sa.Integer),
    sa.column("country_id", sa.Integer), sa.column("response_id", sa.Integer),
    sa.column("question_id", sa.String), sa.column("old_value", PLAIN_JSON),
    sa.column("new_value", PLAIN_JSON), sa.column("detail", sa.Text))


def _comparable(value):
    """The value as JSON text, 3.0 and 3 alike (SQLite stores a whole float as an integer)."""
    def plain(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, list):
            return [plain(item) for item in v]
        if isinstance(v, dict):
            return {key: plain(item) for key, item in v.items()}
        return v
    return json.dumps(plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _definitions(conn):
    """Parsed definition per questionnaire version, and (version, round, country) per response."""
    parsed = {}
    for version_id, code, number, data in conn.execute(
            sa.select(versions.c.id, versions.c.code, versions.c.version, versions.c.definition)):
        try:
            parsed[version_id] = parse_definition(data, source=f"questionnaire {code}:{number}")
        except DefinitionError as exc:  # answers of this version are left as they are
            log.warning("0004: %s cannot be read, its answers are not repaired: %s",
                        f"{code}:{number}", exc)
    owners = {rid: (vid, round_id, country_id) for rid, vid, round_id, country_id in conn.execute(
        sa.select(responses.c.id, rounds.c.questionnaire_version_id, responses.c.round_id,
                  responses.c.country_id).join(rounds, responses.c.round_id == rounds.c.id))}
    return parsed, owners


def upgrade():
    conn = op.get_bind()
    # JSON null and SQL NULL both read as None; keep one of them.
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("UPDATE answers SET value = NULL WHERE value = 'null'::jsonb"))
    else:
        conn.execute(sa.text("UPDATE answers SET value = NULL WHERE trim(value) = 'null'"))

    parsed, owners = _definitions(conn)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    update = (sa.update(answers).where(answers.c.id == sa.bindparam("answer_id"))
              .values(value=sa.bindparam("new_value", type_=VALUE),
                      version=answers.c.version + 1))
    repaired = cleared = 0
    last_id = 0
    while True:
        batch = conn.execute(
            sa.select(answers.c.id, answers.c.response_id, answers.c.question_id,
                      answers.c.value)
            .where(answers.c.id > last_id, answers.c.value.is_not(None))
            .order_by(answers.c.id).limit(BATCH)).all()
        if not batch:
            break
        last_id = batch[-1][0]
        changes, events = [], []
        for answer_id, response_id, question_id, value in batch:
            version_id, round_id, country_id = owners[response_id]
            definition = parsed.get(version_id)
            if definition is None or not definition.has_question(question_id):
                continue  # not a question of its version: no reader shows it
            question = definition.question(question_id)
            try:
                new, readable = question.normalise(value), True
            except AnswerError:
                new, readable = None, False
            if _comparable(new) == _comparable(value):
                continue
            changes.append({"answer_id": answer_id, "new_value": new})
            events.append({
                "at": now, "user_id": None, "action": "answer.repair", "entity": "answer",
                "entity_id": answer_id, "round_id": round_id, "country_id": country_id,
                "response_id": response_id, "question_id": question_id,
                "old_value": {"value": value}, "new_value": {"value": new},
                "detail": ("migration 0004: the stored value had another shape than its "
                           "question type gives" if readable else
                           "migration 0004: the stored value cannot be read by its question "
                           "type and is now no answer; the old value is kept here")})
            repaired += 1
            cleared += not readable
        if changes:
            conn.execute(update, changes)
            conn.execute(sa.insert(audit_events), events)
    if repaired:
        log.info("0004: %d answer value(s) rewritten in their question type's shape, %d of them "
                 "unreadable and now no answer (old values in the audit trail)", repaired, cleared)


def downgrade():
    """Nothing to undo: the repaired values are valid for every earlier version too."""
