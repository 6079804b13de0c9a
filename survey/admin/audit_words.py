"""The audit trail in words: what each action was, whom or what it touched, and what
changed (old → new), as the pages say it: option labels, account e-mails, round names
and question texts instead of JSON, codes and ids.

``describe`` works on a page of events at once, with a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from questionnaires import Definition

from ..extensions import db
from ..models import (
    STATUS_LABELS,
    ApiToken,
    AuditEvent,
    Country,
    QuestionnaireVersion,
    ResponseStatus,
    Round,
    User,
)
from ..questionnaire_versions import definition_of

ACTION_LABELS = {
    "answer.save": _l("Answer saved"),
    "answer.confirm": _l("Carried-over answer confirmed"),
    "response.status": _l("Response status changed"),
    "response.prefill": _l("Answers carried over from the previous round"),
    "response.publishable": _l("Profile publication changed"),
    "comment.add": _l("Comment written"),
    "comment.resolve": _l("Comment thread resolved"),
    "comment.reopen": _l("Comment thread reopened"),
    "round.create": _l("Round created (draft)"),
    "round.dates": _l("Round dates changed"),
    "round.open": _l("Round opened"),
    "round.close": _l("Round closed"),
    "round.reopen": _l("Round reopened"),
    "round.archive": _l("Round archived"),
    "user.create": _l("Account created"),
    "user.invite": _l("Invitation sent"),
    "user.invite_used": _l("Invitation used (password chosen)"),
    "user.reset_requested": _l("Password reset asked for"),
    "user.reset_used": _l("Password reset used"),
    "user.password": _l("Password changed"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "user.role": _l("Role or country changed"),
    "user.login": _l("Logged in"),
    "user.language": _l("Language changed"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "questionnaire.upload": _l("Questionnaire version uploaded"),
    "questionnaire.translation": _l("Questionnaire text translated or corrected"),
    "questionnaire.translations": _l("Questionnaire translations applied from a file"),
    "export.request": _l("Regional export asked for"),
    "export.country": _l("Country workbook downloaded"),
    "answer.warning_confirm": _l("Warning confirmed (figure checked)"),
    "answer.warning_unconfirm": _l("Warning confirmation withdrawn"),
    "response.workbook_upload": _l("Answers applied from a workbook"),
    "notifications.preferences": _l("E-mail choices changed"),
    "round.remind": _l("Reminders sent by an administrator"),
    "round.reminder_days": _l("Reminder days changed"),
    "user.reviewer_countries": _l("Reviewer's members changed"),
}
ROLE_LABELS = {"focal_point": _l("Focal point"), "reviewer": _l("Reviewer"), "analyst": _l("Analyst"),
               "admin": _l("Administrator")}
FIELD_LABELS = {"opens_on": _l("Opening date"), "closes_on": _l("Closing date"), "name": _l("Name"),
                "questionnaire": _l("Questionnaire"), "email": _l("E-mail"), "role": _l("Role"),
                "country": _l("Country"), "prefix": _l("Token prefix"), "key": _l("Version"),
                "filename": _l("File"), "checksum": _l("Checksum"), "answers": _l("Answers carried over"),
                "from_response": _l("From the response of"),
                "text": _l("Text"), "status": _l("Status"), "language": _l("Language"),
                "texts": _l("Texts changed"), "source": _l("From")}
NOTHING = "none"


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@dataclass
class Described:
    """One event in words."""

    action: str
    target: str
    changes: list[str] = field(default_factory=list)


class _Lookups:
    """Names for the ids a page of events mentions, loaded once."""

    def __init__(self, events: list[AuditEvent]):
        user_ids = {e.entity_id for e in events if e.entity == "user" and e.entity_id}
        token_ids = {e.entity_id for e in events if e.entity == "api_token" and e.entity_id}
        version_ids = {e.entity_id for e in events
                       if e.entity == "questionnaire_version" and e.entity_id}
        tokens = db.session.execute(select(ApiToken.id, ApiToken.name, User.email)
                                    .join(User, ApiToken.user_id == User.id)
                                    .where(ApiToken.id.in_(token_ids))).all() if token_ids else []
        self.tokens = {tid: (name, email) for tid, name, email in tokens}
        self.users = dict(db.session.execute(select(User.id, User.email)
                                             .where(User.id.in_(user_ids))).all()) if user_ids else {}
        self.versions = dict(db.session.execute(
            select(QuestionnaireVersion.id, QuestionnaireVersion.title)
            .where(QuestionnaireVersion.id.in_(version_ids))).all()) if version_ids else {}
        self.countries = {c.iso3: c.name for c in db.session.scalars(select(Country))}
        self._definitions: dict[int, Definition | None] = {}

    def definition(self, round_: Round | None) -> Definition | None:
        if round_ is None:
            return None
        if round_.id not in self._definitions:
            try:
                self._definitions[round_.id] = definition_of(round_.questionnaire)
            except Exception:  # noqa: BLE001 - a damaged definition must not hide the trail
                self._definitions[round_.id] = None
        return self._definitions[round_.id]


def describe(events: Iterable[AuditEvent]) -> dict[int, Described]:
    """Each event's action, target and changes in words, by event id."""
    events = list(events)
    names = _Lookups(events)
    return {event.id: _describe(event, names) for event in events}


def _describe(event: AuditEvent, names: _Lookups) -> Described:
    definition = names.definition(event.round)
    question = (definition.question(event.question_id)
                if definition is not None and event.question_id
                and definition.has_question(event.question_id) else None)
    return Described(action_label(event.action), _target(event, names, question),
                     _changes(event, names, question))


def _target(event: AuditEvent, names: _Lookups, question) -> str:
    round_name = event.round.name if event.round else None
    if event.entity == "user":
        email = names.users.get(event.entity_id)
        return f"Account {email}" if email else f"Account #{event.entity_id}"
    if event.entity == "api_token":
        name, email = names.tokens.get(event.entity_id, (None, None))
        return f"API token “{name}” of {email}" if name else f"API token #{event.entity_id}"
    if event.entity == "questionnaire_version":
        title = names.versions.get(event.entity_id)
        target = f"Questionnaire {title}" if title else f"Questionnaire version #{event.entity_id}"
        if event.action == "questionnaire.translation":  # which text: its question and field
            target += f" · {event.question_id} · {event.detail}"
        return target
    if event.entity == "round":
        return f"Round {round_name}" if round_name else f"Round #{event.entity_id}"
    if event.entity == "export_job":
        return f"Regional export of {round_name}" if round_name else "Regional export"
    parts = []
    if event.country is not None:
        parts.append(event.country.name)
    if round_name:
        parts.append(round_name)
    if event.question_id:
        parts.append(f"question {question.number} “{question.label.get()}”" if question
                     else f"question {event.question_id}")
    return " · ".join(parts) or "—"


def _changes(event: AuditEvent, names: _Lookups, question) -> list[str]:
    old, new = event.old_value, event.new_value
    lines: list[str]
    if event.action in ("answer.save", "answer.confirm"):
        lines = _answer_changes(old or {}, new or {}, question)
    elif event.action == "response.status":
        lines = [f"{_status(old)} → {_status(new)}"]
    elif event.action.startswith("round.") and isinstance(new, str):
        lines = [f"{str(old).capitalize()} → {new.capitalize()}"]
    elif event.action in ("user.deactivate", "user.reactivate"):
        lines = [f"{'Active' if old else 'Deactivated'} → {'Active' if new else 'Deactivated'}"]
    elif event.action == "response.publishable":
        lines = [f"{'Public' if old else 'Not public'} → {'Public' if new else 'Not public'}"]
    elif event.action == "comment.add" and isinstance(new, str):
        lines = [f"“{new}”"]
    else:
        lines = _generic(old, new, names)
    if event.detail:
        lines.append(event.detail)
    return lines


def _answer_changes(old: Mapping[str, Any], new: Mapping[str, Any], question) -> list[str]:
    def shown(value: Any) -> str:
        if value is None:
            return "no answer"
        if question is None:
            return _plain(value)
        try:
            return question.display(value)
        except Exception:  # noqa: BLE001 - an old value a newer type no longer reads
            return _plain(value)

    lines = []
    if old.get("value") != new.get("value"):
        lines.append(f"Answer: {shown(old.get('value'))} → {shown(new.get('value'))}")
    elif new.get("value") is not None:
        lines.append(f"Answer: {shown(new.get('value'))} (unchanged)")
    if (old.get("evidence") or None) != (new.get("evidence") or None):
        lines.append(f"Evidence: {_quoted(old.get('evidence'))} → {_quoted(new.get('evidence'))}")
    return lines


def _status(value: Any) -> str:
    try:
        return gettext(STATUS_LABELS[ResponseStatus(value)])
    except ValueError:
        return _plain(value)


def _generic(old: Any, new: Any, names: _Lookups) -> list[str]:
    if isinstance(old, Mapping) or isinstance(new, Mapping):
        old, new = old or {}, new or {}
        lines = []
        for key in [*old, *[k for k in new if k not in old]]:
            before, after = old.get(key), new.get(key)
            label = FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
            if key in old and key in new and before == after:
                continue
            if key not in old:
                lines.append(f"{label}: {_word(key, after, names)}")
            elif key not in new:
                lines.append(f"{label}: {_word(key, before, names)} (removed)")
            else:
                lines.append(f"{label}: {_word(key, before, names)} → {_word(key, after, names)}")
        return lines
    if old is None and new is None:
        return []
    if old is None:
        return [_plain(new)]
    return [f"{_plain(old)} → {_plain(new)}"]


def _word(key: str, value: Any, names: _Lookups) -> str:
    if value is None or value == "":
        return NOTHING
    if key == "role":
        return ROLE_LABELS.get(value, str(value))
    if key == "country":
        return names.countries.get(value, str(value))
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or NOTHING
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _quoted(text: str | None) -> str:
    return f"“{text}”" if text else NOTHING
