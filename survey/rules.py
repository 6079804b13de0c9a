"""Business rules: the error a broken rule raises, and the one way a page tells it.

Services raise ``SurveyError`` (one clear line for a person) and flush; the request or
the command commits. A page runs its service calls inside :func:`commit_or_explain`,
which commits when every rule held and, when one broke, rolls back and shows the
rule's words on the page: beside a form field, or as a flashed message. The command
line has its own door (``cli.service_command``), the API its JSON error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import flash

from .extensions import db


class SurveyError(Exception):
    """A request that breaks a rule; the message is one clear line for a person.

    ``field`` names what the rule is about when it is one thing a person typed or chose
    (``"country"``, ``"email"``): a page puts the words under the form field of that name,
    the command line names its option. The words themselves never name a page's field
    or a command's option, so both can say them.
    """

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(SurveyError):
    """Something named does not exist."""


class Conflict(SurveyError):
    """Someone else changed the same thing first."""


def rule_message(exc: SurveyError) -> str:
    """A broken rule as a page says it: its line, with a capital letter and a full stop."""
    text = str(exc).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@dataclass
class RuleOutcome:
    """What :func:`commit_or_explain` saw: the broken rule, if any, and its words."""

    broken: SurveyError | None = None

    @property
    def message(self) -> str | None:
        return rule_message(self.broken) if self.broken is not None else None


@contextmanager
def commit_or_explain(*, field: Any = None, form: Any = None,
                      flash_it: bool = True) -> Iterator[RuleOutcome]:
    """Run a page's service calls as one unit of work.

    Every rule held: commit. A rule broke (``SurveyError``): roll back, and put its words
    under the form field the rule names (``exc.field``, looked up in ``form``), else beside
    ``field`` (a WTForms field: where a rule about the whole form goes) when given, else
    flash them as an error unless ``flash_it`` is false (the view shows
    ``outcome.message`` itself). The view reads ``outcome.broken`` to choose what to answer.
    """
    outcome = RuleOutcome()
    try:
        yield outcome
    except SurveyError as exc:
        db.session.rollback()
        outcome.broken = exc
        target = _field_named(form, exc.field) or field
        if target is not None:
            target.errors = [*target.errors, outcome.message]
        elif flash_it:
            flash(outcome.message, "error")
        return
    db.session.commit()


def _field_named(form: Any, name: str | None) -> Any:
    """The form's field called ``name``, if the form has one."""
    if form is None or not name:
        return None
    try:
        return form[name]
    except KeyError:
        return None
