"""Rounds: create a draft, set dates, open, close, reopen, archive; the reminder list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..confirmation import Confirmation, confirmed
from ..downloads.csv_download import csv_response
from ..extensions import db
from ..i18n import format_when
from ..models import STATUS_LABELS, ResponseStatus, Round, RoundState
from ..questionnaire_versions import list_versions
from ..rounds import (
    NOT_SUBMITTED,
    act_on_round,
    all_rounds,
    create_draft_round,
    open_twins,
    reminder_list,
    round_actions,
    set_round_dates,
    status_counts,
)
from ..rules import commit_or_explain
from .forms import ActionForm, RoundDatesForm, RoundForm
from .notice_routes import reminder_context
from .routes import admin_only, bp


def _round_form() -> RoundForm:
    form = RoundForm()
    form.questionnaire.choices = [SelectChoice(v.key, f"{v.key} — {v.title} ({v.source})")
                                  for v in reversed(list_versions())]
    return form


@bp.get("/rounds")
@admin_only
def rounds():
    found = all_rounds()
    return render_template("admin/rounds.html", rounds=found, form=_round_form(),
                           counts=status_counts([r.id for r in found]))


@bp.post("/rounds")
@admin_only
def create_round():
    form = _round_form()
    if form.validate_on_submit():
        with commit_or_explain(field=form.name, form=form) as outcome:
            new = create_draft_round(form.name.data, form.questionnaire.data,
                                     opens=form.opens_on.data, closes=form.closes_on.data,
                                     actor=current_user)
        if not outcome.broken:
            flash(_("Draft round “%(name)s” created. Check the dates, then open it.", name=new.name),
                  "success")
            return redirect(url_for("admin.round_detail", round_id=new.id))
    found = all_rounds()
    return render_template("admin/rounds.html", rounds=found, form=form,
                           counts=status_counts([r.id for r in found])), 400


@bp.get("/rounds/<int:round_id>")
@admin_only
def round_detail(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    dates = RoundDatesForm(obj=round_)
    return _detail(round_, dates)


def _detail(round_: Round, dates: RoundDatesForm, status: int = 200, reminder_form=None):
    reminders = reminder_list(round_) if round_.state is not RoundState.DRAFT else []
    emails = sorted({e for _c, _s, found in reminders for e in found})
    return render_template("admin/round.html", round=round_, dates=dates, action_form=ActionForm(),
                           actions=round_actions(round_), reminders=reminders, emails=emails,
                           counts=status_counts([round_.id])[round_.id],
                           ResponseStatus=ResponseStatus,
                           **reminder_context(round_, reminder_form)), status


def detail_page(round_: Round, *, reminder_form=None, status: int = 200):
    return _detail(round_, RoundDatesForm(obj=round_), status, reminder_form)


@bp.post("/rounds/<int:round_id>/dates")
@admin_only
def round_dates(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = RoundDatesForm()
    if form.validate_on_submit():
        with commit_or_explain(field=form.closes_on, form=form) as outcome:
            set_round_dates(round_, form.opens_on.data, form.closes_on.data, actor=current_user)
        if not outcome.broken:
            flash(_("Dates saved."), "success")
            return redirect(url_for("admin.round_detail", round_id=round_id))
    return _detail(round_, form, status=400)


@bp.post("/rounds/<int:round_id>/<any(open, close, reopen, archive):action>")
@admin_only
def round_state(round_id: int, action: str):
    round_ = db.get_or_404(Round, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action in round_actions(round_) and not confirmed():
        return _confirm_round_action(round_, action)
    with commit_or_explain() as outcome:
        act_on_round(round_, action, actor=current_user)
    if not outcome.broken:
        messages = {
            "open": _("The round is open: focal points can answer now."),
            "close": _("The round is closed: answers are locked."),
            "reopen": _("The round is open again: focal points can make late edits."),
            "archive": _("The round is archived."),
        }
        flash(messages[action], "success")
    return redirect(url_for("admin.round_detail", round_id=round_id))


def _confirm_round_action(round_: Round, action: str):
    """Opening, closing, reopening and archiving reach every member: say how, then act."""
    counts = status_counts([round_.id])[round_.id]
    waiting = sum(counts.get(s, 0) for s in NOT_SUBMITTED)
    consequences, warnings = [], []
    if action in ("open", "reopen"):
        if action == "open":
            consequences.append(_("Every active member gets a response to fill in, and its "
                                  "focal points can start answering."))
        else:
            consequences.append(_("Focal points can change answers again until you close the "
                                  "round; %(num)d members have not submitted.", num=waiting))
        for twin in open_twins(round_):
            warnings.append(_(
                "“%(other)s” is open too, with the same questionnaire (%(code)s; closing "
                "date: %(closes)s). Focal points would see two open rounds of one questionnaire and "
                "could answer the wrong one. Close “%(other)s” first unless both are meant "
                "to run at once.", other=twin.name, code=round_.questionnaire.code,
                closes=_day(twin.closes_on)))
    elif action == "close":
        consequences.append(_("Answers are locked: nobody can change or submit them until "
                              "the round is reopened."))
        if waiting:
            warnings.append(ngettext(
                "%(num)d member has not submitted yet; its answers stay unsubmitted.",
                "%(num)d members have not submitted yet; their answers stay unsubmitted.",
                waiting))
    else:
        consequences.append(_("The round is kept for the record and can never change again, "
                              "nor be reopened."))
    labels = {"open": _("Yes, open the round"), "close": _("Yes, close the round"),
              "reopen": _("Yes, reopen the round"), "archive": _("Yes, archive the round")}
    titles = {"open": _("Open “%(name)s”?", name=round_.name),
              "close": _("Close “%(name)s”?", name=round_.name),
              "reopen": _("Reopen “%(name)s” for late edits?", name=round_.name),
              "archive": _("Archive “%(name)s”?", name=round_.name)}
    return Confirmation(
        title=titles[action], button=labels[action],
        action=url_for("admin.round_state", round_id=round_.id, action=action),
        cancel=url_for("admin.round_detail", round_id=round_.id),
        consequences=consequences, warnings=warnings,
        danger=action in ("close", "archive")).render()


def _day(day) -> str:
    return format_when(day) if day else _("none set")


@bp.get("/rounds/<int:round_id>/reminders.csv")
@admin_only
def reminders_csv(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    rows = ([country.iso3, country.name, country.subregion, STATUS_LABELS[status],
             "; ".join(emails)] for country, status, emails in reminder_list(round_))
    return csv_response(f"reminders-round-{round_.id}.csv",
                        ["ISO3", "Member", "Sub-region", "Status", "Focal point e-mails"], rows)
