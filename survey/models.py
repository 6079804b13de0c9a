"""The data model (SQLAlchemy 2.0 style). The schema itself lives in migrations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    inspect,
    select,
)
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

JSONValue = JSON().with_variant(JSONB(), "postgresql")
# An answer's "no answer" is SQL NULL, never JSON null: one way to be empty, on both databases.
AnswerValue = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    FOCAL_POINT = "focal_point"
    REVIEWER = "reviewer"
    ANALYST = "analyst"
    ADMIN = "admin"


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class ResponseStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enumeration: VARCHAR plus a CHECK constraint on both databases."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)



# How a status reads on pages and in spreadsheets.
from .i18n import N_  # noqa: E402 - the marker only

STATUS_LABELS = {
    ResponseStatus.NOT_STARTED: N_("Not started"),
    ResponseStatus.IN_PROGRESS: N_("In progress"),
    ResponseStatus.SUBMITTED: N_("Submitted"),
    ResponseStatus.RETURNED: N_("Returned"),
    ResponseStatus.APPROVED: N_("Approved"),
}


class Country(db.Model):
    __tablename__ = "countries"

    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    subregion: Mapped[str] = mapped_column(String(60))
    apg_member: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("length(iso3) = 3 AND iso3 = upper(iso3)", name="iso3_format"),
    )

    def __repr__(self) -> str:
        return f"<Country {self.iso3}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # None until the person chooses (the browser's Accept-Language decides till then).
    language: Mapped[str | None] = mapped_column(String(8))
    # Bumped on password change or deactivation: sessions carrying an older value end.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    country: Mapped[Country | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("(role = 'focal_point') = (country_id IS NOT NULL)",
                        name="focal_point_has_country"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class QuestionnaireVersion(db.Model):
    __tablename__ = "questionnaire_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    # Read only through definition_of (parsed once per content): never with every Round row.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONValue, deferred=True)
    checksum: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20), default="bundled")
    filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("source IN ('bundled', 'uploaded')", name="source_known"),
    )

    @property
    def key(self) -> str:
        return f"{self.code}:{self.version}"


class Round(db.Model):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True)
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    state: Mapped[RoundState] = mapped_column(_enum(RoundState, "round_state"),
                                              default=RoundState.DRAFT)
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    # Reminder days before and after the closing date, comma-separated (see survey.notifications).
    remind_before: Mapped[str] = mapped_column(String(60), default="14,7,1", server_default="14,7,1")
    remind_after: Mapped[str] = mapped_column(String(60), default="1,7", server_default="1,7")
    reference_year: Mapped[int | None] = mapped_column(Integer)
    # Demonstration data (survey.demo): every page, profile, download and API response made
    # from the round says it is not the answers of any member.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    questionnaire: Mapped[QuestionnaireVersion] = relationship(lazy="joined")
    previous_round: Mapped[Round | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("closes_on IS NULL OR opens_on IS NULL OR closes_on >= opens_on",
                        name="closes_after_opening"),
    )


class Response(db.Model):
    """One country's questionnaire for one round."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(_enum(ResponseStatus, "response_status"),
                                                   default=ResponseStatus.NOT_STARTED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    publishable: Mapped[bool] = mapped_column(Boolean, default=False)
    prefilled_from_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_activity_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_activity_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    round: Mapped[Round] = relationship()
    country: Mapped[Country] = relationship()
    last_activity_by: Mapped[User | None] = relationship(foreign_keys=[last_activity_by_id])

    __table_args__ = (UniqueConstraint("round_id", "country_id"),)
    __mapper_args__ = {"version_id_col": version}


class Answer(db.Model):
    """One answer to one question of a response, with its evidence."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(50))
    value: Mapped[Any | None] = mapped_column(AnswerValue)  # written through the door below
    evidence: Mapped[str | None] = mapped_column(Text)
    # True while the answer was carried over from the previous round and not yet confirmed.
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("response_id", "question_id"),)
    __mapper_args__ = {"version_id_col": version}


class WarningConfirmation(db.Model):
    """A focal point's "I confirm this figure is correct" for one warning of a response.

    A warning (a soft bound, a cross-question warning, the statistical year) is known by
    its stable id; ``values_digest`` fingerprints the answers it was raised on, so the
    confirmation lapses as soon as one of them changes. Who and when are also in the
    audit trail (``answer.warning_confirm`` / ``answer.warning_unconfirm``).
    """

    __tablename__ = "warning_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    warning_id: Mapped[str] = mapped_column(String(120))
    values: Mapped[Any | None] = mapped_column(JSONValue)
    values_digest: Mapped[str] = mapped_column(String(64))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    confirmed_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("response_id", "warning_id"),)


class AuditEvent(db.Model):
    """Append-only trail of every change: who, when, what, old and new value."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), index=True)
    question_id: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[Any | None] = mapped_column(JSONValue)
    new_value: Mapped[Any | None] = mapped_column(JSONValue)
    detail: Mapped[str | None] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User | None] = relationship()
    country: Mapped[Country | None] = relationship()
    round: Mapped[Round | None] = relationship()


class StatusChange(db.Model):
    """The status history of a response: every transition, who, when and why."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    from_status: Mapped[ResponseStatus] = mapped_column(_enum(ResponseStatus, "from_status"))
    to_status: Mapped[ResponseStatus] = mapped_column(_enum(ResponseStatus, "to_status"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    by: Mapped[User | None] = relationship()


class ReviewComment(db.Model):
    """A comment on a whole submission (no question) or one question, in threads."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    question_id: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("review_comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class NotificationKind(enum.StrEnum):
    """What a notification is about; each person chooses per kind how e-mail reaches them."""

    ROUND_OPENED = "round_opened"
    RETURNED = "returned"
    APPROVED = "approved"
    COMMENT = "comment"
    SUBMITTED = "submitted"
    REMINDER = "reminder"


class Delivery(enum.StrEnum):
    """How the e-mails of one kind reach a person (the in-app notification always does)."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NONE = "none"


class Notification(db.Model):
    """An in-app message to one user (for example: your response was returned)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    kind: Mapped[str | None] = mapped_column(String(20))
    # Waiting for the person's daily digest e-mail (their preference for this kind).
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                                 index=True)


class NotificationPreference(db.Model):
    """A person's choice for one kind of e-mail; no row means "immediately"."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind, "notification_kind"))
    delivery: Mapped[Delivery] = mapped_column(_enum(Delivery, "delivery"))

    __table_args__ = (UniqueConstraint("user_id", "kind"),)


class ReviewerCountry(db.Model):
    """A reviewer assigned to a member: submissions of that member are sent to them."""

    __tablename__ = "reviewer_countries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)

    __table_args__ = (UniqueConstraint("user_id", "country_id"),)


class SentNotice(db.Model):
    """The sent log of scheduled e-mails (reminders, digests): one row per message, by key.

    The unique key is claimed with ``INSERT … ON CONFLICT DO NOTHING`` before the message is
    written, in the same transaction, so no run (repeated or concurrent) sends one twice.
    """

    __tablename__ = "sent_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("key"),)


class UserSession(db.Model):
    """A logged-in browser. The browser's session names a random key; only its hash is here.

    Logging out deletes the row, so a copy of the session cookie stops working at once;
    deactivation and a password change delete the account's other rows.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class FormStash(db.Model):
    """A form posted after its session expired, kept until its author logs in again.

    Only kept when the post carried a valid resume token of the page it came from
    (see ``survey.accounts.resume``); limited per user in size and number, and expiring.
    """

    __tablename__ = "form_stashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    endpoint: Mapped[str] = mapped_column(String(100))
    view_args: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    form: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)


class WorkbookUpload(db.Model):
    """An uploaded answer workbook between its preview and its application (issue 14).

    Kept on the server, never in the session cookie: the answers it proposes (already
    normalised), the problems found, and the conflicts the person settled. Bound to the
    person who uploaded it and the response it is for, limited in size, and expiring.
    """

    __tablename__ = "workbook_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sections: Mapped[list[str]] = mapped_column(JSONValue)
    proposed: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    problems: Mapped[list[Any]] = mapped_column(JSONValue)
    resolutions: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)


class RateLimitCounter(db.Model):
    """How many times a key (an account, an address, a user's comments) counted in a window.

    Incremented atomically by ``survey.limits.hit``; see there.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)


class ApiToken(db.Model):
    """A personal API token; only its hash is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class AccountToken(db.Model):
    """One-time links for invitations and password resets (hash stored, expiring)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),)


class OutboxMessage(db.Model):
    """Every e-mail the app sends; readable by admins when no mail server is set up."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)


class ExportJob(db.Model):
    """A regional export built in the background, with its progress and result."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )


# The audit trail is append-only in the database itself, not only in the code.
AUDIT_APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
AUDIT_APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]
for _statement in AUDIT_APPEND_ONLY_SQLITE:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in AUDIT_APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))


@event.listens_for(QuestionnaireVersion, "before_update")
def _questionnaire_version_is_immutable_once_used(mapper, connection, target) -> None:
    state = inspect(target)
    changed = any(state.attrs[name].history.has_changes()
                  for name in ("code", "version", "definition", "checksum"))
    if not changed:
        return
    used = connection.scalar(select(func.count(Round.id))
                             .where(Round.questionnaire_version_id == target.id))
    if used:
        raise ValueError(f"questionnaire {target.code}:{target.version} is used by a round "
                         "and cannot change; publish a new version instead")


@event.listens_for(Answer, "before_insert")
@event.listens_for(Answer, "before_update")
def _answer_value_through_its_type(mapper, connection, target: Answer) -> None:
    """The one door for answer values: every value written passes its question type's normaliser.

    Whoever writes an answer (page saves, autosave, carry-over, the demo, the command line),
    the stored value has the canonical shape of its question in the round's questionnaire
    version, and "no answer" is SQL NULL. A value the type refuses raises ``AnswerError``
    and nothing is written. Writers that bypass the ORM call the same normaliser
    (``Question.normalise``) themselves: backup restore and migration 0004. ORM bulk
    inserts (``session.execute(insert(Answer), rows)``) skip mapper hooks: the app has none.
    """
    state = inspect(target)
    if state.persistent and not state.attrs.value.history.has_changes():
        return  # only the evidence, the version or the editor changed
    from .questionnaire_versions import question_of_response

    question = question_of_response(connection, target.response_id, target.question_id)
    target.value = question.normalise(target.value)


class QuestionnaireTranslation(db.Model):
    """One text of a questionnaire version in one language (issue 13).

    A layer beside the stored version, whose content and checksum never change: keyed by
    the version, the language and the text key (subject -- a question, section, action or
    check id -- and field), with a fingerprint of the English it was made from so a text
    translated from English that has since changed is noticed, and its status: ``draft``
    until a native-speaking official has checked it.
    """

    __tablename__ = "questionnaire_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True)
    language: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("questionnaire_version_id", "language", "subject", "field",
                         name="uq_questionnaire_translations_text"),
        CheckConstraint("status IN ('draft', 'checked')", name="status_known"),
    )

    @property
    def key(self) -> str:
        return f"{self.subject}|{self.field}"


class TranslationUpload(db.Model):
    """An uploaded translation file between its preview and its application (issue 13):
    the rows it proposes, bound to the person who uploaded it, size-limited and expiring."""

    __tablename__ = "translation_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    language: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list[Any]] = mapped_column(JSONValue)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
